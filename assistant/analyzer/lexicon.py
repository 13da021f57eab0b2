"""Load and compile the analyzer's lexicons (YAML data files beside this module).

Cue lists are compiled into one regex per cue covering both languages, so mixed drafts
need no language switch. Labelled entries (personality, bias) keep their own metadata
and are found with one union regex per file, then attributed to the entry that matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LEXICON_DIR = Path(__file__).parent / "lexicons"
# ASCII: CJK characters count as \w in Unicode mode, which would defeat \b around English
# words inside Chinese prose ("请update一次pipeline").
_FLAGS = re.IGNORECASE | re.ASCII


@dataclass(frozen=True, slots=True)
class Hit:
    """A lexicon match inside the draft."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Entry:
    """A labelled lexicon entry (a personality label or an identity-coded term)."""

    id: str
    lang: str
    patterns: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def excluded(self, sentence: str) -> bool:
        return any(p.search(sentence) for p in self.exclude)


class EntryIndex:
    """Finds labelled entries in a text with one union-regex pass."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        alternatives = [f"(?:{p.pattern})" for e in entries for p in e.patterns]
        # A lookahead finds every start position, overlapping ones included.
        self._starts = (
            re.compile("(?=" + "|".join(alternatives) + ")", _FLAGS) if alternatives else None
        )

    def find(self, text: str) -> Iterator[tuple[Entry, Hit]]:
        """Yield (entry, hit) for every entry matching inside ``text``."""
        if self._starts is None:
            return
        positions = [m.start() for m in self._starts.finditer(text)]
        seen: set[str] = set()
        for pos in positions:
            for entry in self.entries:
                if entry.id in seen:
                    continue
                for pattern in entry.patterns:
                    m = pattern.match(text, pos)
                    if m and m.end() > m.start():
                        seen.add(entry.id)
                        yield entry, Hit(m.start(), m.end(), m.group())
                        break


class CueSet:
    """Compiled cue regexes, one per cue name (languages merged)."""

    def __init__(self, raw: dict[str, dict[str, list[str]]]) -> None:
        self._cues: dict[str, re.Pattern[str]] = {}
        self._memo: dict[tuple[str, str], list[Hit]] = {}
        for name, by_lang in raw.items():
            parts = [f"(?:{p})" for lang in ("en", "zh") for p in by_lang.get(lang, [])]
            self._cues[name] = re.compile("|".join(parts), _FLAGS)

    def pattern(self, name: str) -> re.Pattern[str]:
        return self._cues[name]

    def search(self, name: str, text: str) -> Hit | None:
        found = self.hits(name, text)
        return found[0] if found else None

    def hits(self, name: str, text: str) -> list[Hit]:
        """All non-empty matches; memoised, since clauses are scanned by several rules."""
        key = (name, text)
        cached = self._memo.get(key)
        if cached is None:
            if len(self._memo) > 50_000:
                self._memo.clear()
            cached = [
                Hit(m.start(), m.end(), m.group())
                for m in self._cues[name].finditer(text)
                if m.end() > m.start()
            ]
            self._memo[key] = cached
        return cached


def _load_yaml(name: str) -> Any:
    with (LEXICON_DIR / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _entries(name: str) -> list[Entry]:
    path = LEXICON_DIR / name
    if not path.exists():
        return []
    out = []
    for raw in _load_yaml(name) or []:
        out.append(
            Entry(
                id=raw["id"],
                lang=raw.get("lang", "en"),
                patterns=tuple(re.compile(p, _FLAGS) for p in raw["patterns"]),
                exclude=tuple(re.compile(p, _FLAGS) for p in raw.get("exclude") or []),
                meta={k: v for k, v in raw.items() if k not in {"patterns", "exclude"}},
            )
        )
    return out


@dataclass(frozen=True)
class Lexicons:
    """All lexicons the analyzer uses."""

    cues: CueSet
    personality: EntryIndex
    bias: EntryIndex


@lru_cache(maxsize=1)
def load_lexicons() -> Lexicons:
    """Load and compile once per process."""
    return Lexicons(
        cues=CueSet(_load_yaml("cues.yaml")),
        personality=EntryIndex(_entries("personality.yaml")),
        bias=EntryIndex(_entries("bias.yaml")),
    )
