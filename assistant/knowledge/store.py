"""The knowledge store: guidance documents chunked, embedded with USE v3, kept in Chroma.

Ingest is idempotent per file: unchanged files (same sha256, same index version) are not
re-embedded, changed ones are re-chunked and replace their old chunks, and files that
vanished from a folder that is ingested again lose their chunks. Each folder is its own
namespace (``root``), so HR can add their own folders without touching the bundled one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import chromadb
from chromadb.config import Settings as ChromaSettings

from assistant.knowledge.answers import ANSWERS_FILE, forget
from assistant.knowledge.chunking import (
    CHUNKER_VERSION,
    Chunk,
    DocumentError,
    chunk_document,
    is_document_path,
    load_document,
)
from assistant.knowledge.embeddings import (
    EMBEDDING_FUNCTION_NAME,
    PASSAGE_RECIPE,
    UseMultilingualEmbeddingFunction,
    encode,
    encode_passages,
)
from assistant.knowledge.passage import Passage

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import Where

    from assistant.config import Settings

log = logging.getLogger(__name__)

EMBED_BATCH = 64
"""Chunks embedded and written per call: bounds memory and keeps writes well under
Chroma's maximum batch size."""

INDEX_VERSION = f"chunker {CHUNKER_VERSION}; {PASSAGE_RECIPE}"
"""Stored with every chunk: a file indexed under another version is re-indexed."""

_PAGE = 1000
_SKIPPED_NAMES = frozenset({"README", "LICENSE", "CHANGELOG"})


class KnowledgeStoreError(RuntimeError):
    """The collection exists but cannot serve this store (another embedding function)."""


@dataclass
class IngestReport:
    """What one ingest did, per document ``source`` (path relative to its folder)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_written: int = 0
    total_chunks: int = 0
    """Chunks in the whole collection after the ingest."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """``(path, reason)`` for files that were not indexed."""


@dataclass(frozen=True)
class _Indexed:
    doc_hash: str
    index_version: str
    ids: tuple[str, ...]


class KnowledgeStore:
    """Chunks of guidance documents in one Chroma collection, searchable by meaning."""

    def __init__(self, *, client: ClientAPI, collection: str = "guidance",
                 answers_path: Path | None = None) -> None:
        """Open (or create) the collection, with the USE v3 embedding function.

        ``answers_path``: remembered search answers (``answers.CachedRetriever``) that an
        ingest which changes anything must forget.

        Raises:
            KnowledgeStoreError: The collection was created with another embedding function.
        """
        self._ef = UseMultilingualEmbeddingFunction()
        self.answers_path = answers_path
        try:
            # No index configuration: Chroma takes the space from the function's
            # default_space() (cosine), which works for HNSW and SPANN servers alike.
            self._collection: Collection = client.get_or_create_collection(
                name=collection,
                embedding_function=self._ef,  # type: ignore[arg-type]
            )
        except ValueError as exc:
            if "Embedding function conflict" not in str(exc):
                raise
            raise KnowledgeStoreError(
                f"collection {collection!r} was built with another embedding function; "
                "delete it or choose another collection name"
            ) from exc
        persisted = (self._collection.configuration_json or {}).get("embedding_function") or {}
        if persisted.get("name") != EMBEDDING_FUNCTION_NAME:
            raise KnowledgeStoreError(
                f"collection {collection!r} uses embedding function {persisted.get('name')!r}, "
                f"not {EMBEDDING_FUNCTION_NAME!r}; delete it or choose another collection name"
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> KnowledgeStore:
        """Store for the configured Chroma: a server when ``chroma_host`` is set, else the
        embedded store under ``settings.chroma_dir``. Telemetry is always off."""
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        client: ClientAPI
        if settings.chroma_host:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        else:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(
                path=str(settings.chroma_dir), settings=chroma_settings
            )
        return cls(client=client, collection=settings.collection,
                   answers_path=settings.chroma_dir / ANSWERS_FILE)

    @property
    def collection(self) -> Collection:
        """The underlying Chroma collection."""
        return self._collection

    def count(self) -> int:
        """Number of chunks in the collection."""
        return self._collection.count()

    def ensure_built(self, default_paths: Sequence[Path]) -> IngestReport | None:
        """Ingest ``default_paths`` when the collection is empty; otherwise do nothing."""
        if self.count() > 0:
            return None
        return self.ingest(default_paths)

    def ingest(self, paths: Sequence[Path]) -> IngestReport:
        """Index files and folders (folders recursively: ``.md``, ``.markdown``, ``.txt``).

        A folder is a root: documents ingested from it before that are gone now lose their
        chunks. A file, or a folder, inside a root that is already indexed joins that root
        (ingesting one file or a subfolder never duplicates it, and only a subfolder's own
        documents are swept); a new root that contains older ones absorbs them. Otherwise a
        single file's root is its parent folder. ``README``/``LICENSE``/``CHANGELOG`` files
        are folder notes, not guidance, and are skipped.
        """
        plan = _Plan()
        roots = self._known_roots()

        for raw_path in paths:
            path = Path(raw_path).expanduser().resolve()
            if path.is_dir():
                root = _enclosing_root(path, roots)
                if root is None:
                    root = path
                    self._absorb_roots(root, roots, plan)
                    roots.add(str(root))
                prefix = path.relative_to(root).as_posix()
                self._plan_root(
                    root,
                    list(_walk(root, path, plan.report)),
                    "" if prefix == "." else prefix,
                    plan,
                )
            elif path.is_file():
                if not is_document_path(path):
                    plan.report.skipped.append((str(path), "not a .md, .markdown or .txt file"))
                    continue
                root = _enclosing_root(path.parent, roots) or path.parent
                self._plan_root(root, [path], None, plan)
            else:
                # A named file that is gone: drop what an earlier ingest left of it.
                root = _enclosing_root(path.parent, roots) or path.parent
                source = path.relative_to(root).as_posix()
                gone = self._indexed(str(root), source=source)
                if gone:
                    plan.stale_ids.extend(gone[source].ids)
                    plan.report.removed.append(source)
                else:
                    plan.report.skipped.append((str(path), "not found"))

        # Write new chunks before dropping old ones: a failure midway leaves the old
        # version searchable rather than nothing.
        report, pending = plan.report, plan.pending
        chunks = list(pending.values())
        for start in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[start : start + EMBED_BATCH]
            vectors = encode_passages([c.context for c in batch], [c.body for c in batch])
            self._collection.upsert(
                ids=[c.id for c in batch],
                embeddings=vectors,
                documents=[c.body for c in batch],
                metadatas=[
                    cast(Mapping[str, Any], {**c.metadata(), "index_version": INDEX_VERSION})
                    for c in batch
                ],
            )
        report.chunks_written = len(chunks)
        stale = [i for i in dict.fromkeys(plan.stale_ids) if i not in pending]
        for start in range(0, len(stale), _PAGE):
            self._collection.delete(ids=stale[start : start + _PAGE])
        if (chunks or stale) and self.answers_path is not None:
            forget(self.answers_path)
        report.total_chunks = self.count()
        return report

    def search(
        self,
        query: str,
        *,
        k: int = 4,
        language: str | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[Passage]:
        """Passages most similar to ``query``, best first.

        Args:
            query: Free text in any language; retrieval works across English and Chinese.
            k: How many passages to return at most.
            language: ``"en"`` or ``"zh"`` keeps chunks in that language plus mixed ones;
                ``None`` or ``"mixed"`` applies no language filter.
            kinds: Keep only documents whose ``kind`` is one of these.
        """
        if k <= 0 or not query.strip():
            return []
        conditions: list[dict[str, Any]] = []
        if language in ("en", "zh"):
            conditions.append({"language": {"$in": [language, "mixed"]}})
        if kinds is not None:
            if not kinds:
                return []
            conditions.append({"kind": {"$in": list(kinds)}})
        where: dict[str, Any] | None
        if not conditions:
            where = None
        elif len(conditions) == 1:
            where = conditions[0]
        else:
            where = {"$and": conditions}

        result = self._collection.query(
            query_embeddings=encode([query]),
            # Room for duplicates: the same document ingested from two folders (a second
            # checkout, a copy in an HR folder) must not crowd out other passages.
            n_results=k * 3,
            where=cast("Where | None", where),
            include=["documents", "metadatas", "distances"],
        )
        ids = result["ids"][0] if result["ids"] else []
        documents = (result.get("documents") or [[]])[0]
        metadatas = (result.get("metadatas") or [[]])[0]
        distances = (result.get("distances") or [[]])[0]
        passages = [
            Passage(
                id=chunk_id,
                text=str(document or ""),
                source=str(meta.get("source", "")),
                title=str(meta.get("title", "")),
                heading=str(meta.get("heading") or "") or None,
                language=str(meta.get("language", "")),
                score=1.0 - float(distance),
                kind=str(meta.get("kind", "")),
            )
            for chunk_id, document, meta, distance in zip(
                ids, documents, metadatas, distances, strict=True
            )
        ]
        passages.sort(key=lambda p: p.score, reverse=True)
        unique: dict[tuple[str, str | None, str], Passage] = {}
        for p in passages:
            unique.setdefault((p.source, p.heading, p.text), p)
        return list(unique.values())[:k]

    def _plan_root(
        self, root: Path, files: list[Path], sweep_prefix: str | None, plan: _Plan
    ) -> None:
        """Plan writes and deletions for ``files`` of one root; nothing is written yet.

        ``sweep_prefix``: documents of the root under this folder ("" for all of them)
        that are not in ``files`` are removed; ``None`` removes nothing.
        """
        report = plan.report
        root_str = str(root)
        indexed = self._indexed(root_str)
        indexed.update(plan.adopted.pop(root_str, {}))
        seen: set[str] = set()
        for file in files:
            source = file.relative_to(root).as_posix()
            seen.add(source)
            if (root_str, source) in plan.done:
                continue
            plan.done.add((root_str, source))
            previous = indexed.get(source)
            try:
                doc = load_document(file, root)
                chunks = chunk_document(doc)
                if not chunks:
                    raise DocumentError("no text to index")
            except (DocumentError, OSError) as exc:
                report.skipped.append((source, str(exc)))
                log.warning("skipped %s: %s", file, exc)
                if previous is not None:
                    plan.stale_ids.extend(previous.ids)
                    report.removed.append(source)
                continue
            if (
                previous is not None
                and previous.doc_hash == doc.doc_hash
                and previous.index_version == INDEX_VERSION
            ):
                report.unchanged.append(source)
                continue
            (report.updated if previous is not None else report.added).append(source)
            for chunk in chunks:
                plan.pending[chunk.id] = chunk
            if previous is not None:
                plan.stale_ids.extend(previous.ids)
        if sweep_prefix is None:
            return
        for source, previous in indexed.items():
            inside = not sweep_prefix or source.startswith(sweep_prefix + "/")
            if inside and source not in seen and (root_str, source) not in plan.done:
                plan.done.add((root_str, source))
                plan.stale_ids.extend(previous.ids)
                report.removed.append(source)

    def _absorb_roots(self, root: Path, roots: set[str], plan: _Plan) -> None:
        """Hand the documents of older roots inside ``root`` over to it.

        They are re-indexed under the new root (reported as updated, or removed when gone)
        so that no document is indexed twice.
        """
        for inner in sorted(roots):
            inner_path = Path(inner)
            if inner_path == root or root not in inner_path.parents:
                continue
            prefix = inner_path.relative_to(root).as_posix()
            adopted = plan.adopted.setdefault(str(root), {})
            for source, previous in self._indexed(inner).items():
                # An empty index version never matches: the document is re-embedded under
                # its new ids, and its old ids are dropped as those of a changed document.
                adopted[f"{prefix}/{source}"] = _Indexed(previous.doc_hash, "", previous.ids)
            roots.discard(inner)

    def _known_roots(self) -> set[str]:
        """Every root folder the collection holds chunks for."""
        roots: set[str] = set()
        for _, meta in self._scan(None):
            roots.add(str(meta.get("root", "")))
        roots.discard("")
        return roots

    def _scan(self, where: dict[str, Any] | None) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """``(id, metadata)`` of every chunk matching ``where``, page by page."""
        offset = 0
        while True:
            page = self._collection.get(
                where=cast("Where | None", where),
                include=["metadatas"],
                limit=_PAGE,
                offset=offset,
            )
            metadatas = page.get("metadatas") or []
            yield from zip(page["ids"], metadatas, strict=True)
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def _indexed(self, root: str, source: str | None = None) -> dict[str, _Indexed]:
        """What the collection holds for ``root`` (or one of its documents), by source."""
        where: dict[str, Any] = {"root": root}
        if source is not None:
            where = {"$and": [{"root": root}, {"source": source}]}
        ids_by_source: dict[str, list[str]] = {}
        info: dict[str, tuple[str, str]] = {}
        for chunk_id, meta in self._scan(where):
            src = str(meta.get("source", ""))
            ids_by_source.setdefault(src, []).append(chunk_id)
            info[src] = (str(meta.get("doc_hash", "")), str(meta.get("index_version", "")))
        return {
            src: _Indexed(doc_hash=info[src][0], index_version=info[src][1], ids=tuple(ids))
            for src, ids in ids_by_source.items()
        }


@dataclass
class _Plan:
    """What one ``ingest`` call will write and delete, and its report so far."""

    report: IngestReport = field(default_factory=IngestReport)
    pending: dict[str, Chunk] = field(default_factory=dict)
    stale_ids: list[str] = field(default_factory=list)
    done: set[tuple[str, str]] = field(default_factory=set)
    adopted: dict[str, dict[str, _Indexed]] = field(default_factory=dict)
    """Per new root, documents taken over from older roots inside it."""


def _enclosing_root(path: Path, roots: set[str]) -> Path | None:
    """The innermost known root that is ``path`` or one of its ancestors."""
    best: Path | None = None
    for root in roots:
        candidate = Path(root)
        if (candidate == path or candidate in path.parents) and (
            best is None or len(candidate.parts) > len(best.parts)
        ):
            best = candidate
    return best


def _walk(root: Path, folder: Path, report: IngestReport) -> Iterator[Path]:
    """Document files under ``folder``, sorted, skipping hidden entries and folder notes."""
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if not is_document_path(path):
            continue
        if path.name.split(".", 1)[0].upper() in _SKIPPED_NAMES:
            report.skipped.append((path.relative_to(root).as_posix(), "folder notes, not guidance"))
            continue
        yield path
