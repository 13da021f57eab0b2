"""Remembered answers to guidance searches, kept in a file beside the Chroma store.

The coach asks a dozen fixed guidance queries (one per weakness and language). Opening
Chroma and loading the sentence encoder costs seconds per process, far more than a batch of
``--no-llm`` drafts; with the answers on disk, such a run never does either. Any ingest that
changes the store deletes the file (``KnowledgeStore.ingest``), so answers are never staler
than the store itself.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

from .passage import Passage

log = logging.getLogger(__name__)

ANSWERS_FILE = "answers.json"
"""File name inside the Chroma directory."""
FORMAT = 1
MAX_ENTRIES = 512
"""Bound on remembered queries (free-text searches from the API land here too)."""


class Searcher(Protocol):
    def search(
        self, query: str, *, k: int = 4, language: str | None = None
    ) -> Sequence[Passage]: ...


class CachedRetriever:
    """A retriever that answers repeated queries from a file and opens the store only on a
    miss (building it first if it is empty)."""

    def __init__(self, path: Path, open_store: Callable[[], Searcher], *,
                 max_entries: int = MAX_ENTRIES) -> None:
        self.path = path
        self._open_store = open_store
        self._store: Searcher | None = None
        self._max = max_entries
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._entries: dict[str, list[Passage]] = self._load()

    @property
    def store(self) -> Searcher:
        """The underlying store, opened on first use."""
        with self._lock:
            if self._store is None:
                self._store = self._open_store()
            return self._store

    def search(self, query: str, *, k: int = 4, language: str | None = None) -> list[Passage]:
        """Like ``KnowledgeStore.search``; remembered answers come back without the store."""
        key = json.dumps([query, k, language], ensure_ascii=False)
        with self._lock:
            if self._file_stamp() != self._stamp:  # another process ingested or saved
                self._entries = self._load()
            hit = self._entries.get(key)
        if hit is not None:
            return list(hit)
        passages = list(self.store.search(query, k=k, language=language))
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = passages
            self._save()
        return passages

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns

    def _load(self) -> dict[str, list[Passage]]:
        self._stamp = self._file_stamp()
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                return {}
            return {key: [Passage(**p) for p in passages]
                    for key, passages in raw["entries"].items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("ignoring unreadable guidance answers %s: %s", self.path, exc)
            return {}

    def _save(self) -> None:
        """Write atomically; a failure only costs speed, never correctness."""
        data: dict[str, Any] = {
            "format": FORMAT,
            "entries": {k: [asdict(p) for p in v] for k, v in self._entries.items()},
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".answers-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False)
            os.replace(tmp, self.path)
            self._stamp = self._file_stamp()
        except OSError as exc:
            log.warning("cannot save guidance answers to %s: %s", self.path, exc)


def forget(path: Path) -> None:
    """Drop remembered answers (the store changed)."""
    path.unlink(missing_ok=True)
