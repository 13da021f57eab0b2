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
from re import _constants as _C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
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


_ZERO_WIDTH = (_C.AT, _C.ASSERT, _C.ASSERT_NOT)
_REPEATS = tuple(op for op in (_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", None))
                 if op is not None)


def _item_options(op: Any, av: Any, n: int) -> set[str] | None:
    """Strings (up to ``n`` characters) one regex item can start with; None if unknown."""
    if op is _C.LITERAL:
        return {chr(av).lower()}
    if op is _C.IN:
        chars: set[str] = set()
        for iop, iav in av:
            if iop is _C.LITERAL:
                chars.add(chr(iav).lower())
            elif iop is _C.RANGE and iav[1] - iav[0] <= 64:
                chars.update(chr(c).lower() for c in range(iav[0], iav[1] + 1))
            else:
                return None
        return chars
    if op is _C.SUBPATTERN:
        return _prefixes(list(av[-1]), n)
    if op is _C.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            sub = _prefixes(list(branch), n)
            if sub is None:
                return None
            out |= sub
        return out
    if op in _REPEATS:
        lo, _hi, sub_items = av
        sub = _prefixes(list(sub_items), n)
        if sub is None:
            return None
        return sub | {""} if lo == 0 else sub
    return None


def _prefixes(items: list[Any], n: int) -> set[str] | None:
    """Every match of ``items`` starts with one of the returned strings (each up to ``n``
    characters; shorter where the pattern stops being literal). None: no usable prefix."""
    results = {""}
    for op, av in items:
        if all(len(r) >= n for r in results):
            break
        if op in _ZERO_WIDTH:
            continue
        options = _item_options(op, av, n)
        if options is None or len(options) > 2000:
            return results if all(results) else None
        results = {r if len(r) >= n else (r + o)[:n] for r in results for o in options}
        # An item that matched empty leaves r as is; later items extend it.
    return results if all(results) else None


def _letter_lookbehind(item: Any) -> bool:
    """True for a leading ``(?<![A-Za-z])``-style guard, which also means a word start."""
    op, av = item
    if op is not _C.ASSERT_NOT or av[0] != -1:
        return False
    inner = list(av[1])
    return (
        len(inner) == 1
        and inner[0][0] is _C.IN
        and any(iop is _C.RANGE and iav == (ord("a"), ord("z")) for iop, iav in inner[0][1])
    )


def _starts_at_word(items: list[Any]) -> bool:
    """Whether every match must begin at a word start (leading ``\b`` or letter guard)."""
    if not items:
        return False
    op, av = items[0]
    if (op, av) == (_C.AT, _C.AT_BOUNDARY) or _letter_lookbehind(items[0]):
        return True
    if op is _C.SUBPATTERN:
        return _starts_at_word(list(av[-1]))
    if op is _C.BRANCH:
        return all(_starts_at_word(list(b)) for b in av[1])
    return False


class EntryIndex:
    """Finds labelled entries in a text.

    One big alternation of ~1,000 patterns costs milliseconds per sentence in Python's
    backtracking engine, so patterns are bucketed by the characters they can start with
    and tried only at positions holding such a character.
    """

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        # Buckets keyed by the pattern's possible 1- or 2-character prefixes, separately for
        # patterns that can only start at a word start (leading \b or letter guard).
        self._buckets: dict[tuple[bool, str], list[tuple[Entry, re.Pattern[str]]]] = {}
        self._anywhere: list[tuple[Entry, re.Pattern[str]]] = []
        for entry in entries:
            for pattern in entry.patterns:
                parsed = list(_parser.parse(pattern.pattern, pattern.flags))
                keys = _prefixes(parsed, 2)
                if keys is None or len(keys) > 120:
                    keys = _prefixes(parsed, 1)
                if not keys:
                    self._anywhere.append((entry, pattern))
                    continue
                at_word = _starts_at_word(parsed)
                for key in keys:
                    self._buckets.setdefault((at_word, key), []).append((entry, pattern))

    def find(self, text: str) -> Iterator[tuple[Entry, Hit]]:
        """Yield (entry, hit) for the first match of every entry inside ``text``."""
        seen: set[str] = set()
        for entry, pattern in self._anywhere:
            m = pattern.search(text)
            if m and m.end() > m.start() and entry.id not in seen:
                seen.add(entry.id)
                yield entry, Hit(m.start(), m.end(), m.group())
        low = text.lower()
        buckets = self._buckets
        prev_word = False
        for pos, ch in enumerate(low):
            word = ch.isascii() and (ch.isalnum() or ch == "_")
            starts = word and not prev_word
            prev_word = word
            pair = low[pos:pos + 2]
            bucket = (buckets.get((False, ch), []) + buckets.get((False, pair), []))
            if starts:
                bucket += buckets.get((True, ch), []) + buckets.get((True, pair), [])
            if not bucket:
                continue
            for entry, pattern in bucket:
                if entry.id in seen:
                    continue
                m = pattern.match(text, pos)
                if m and m.end() > m.start():
                    seen.add(entry.id)
                    yield entry, Hit(m.start(), m.end(), m.group())


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
