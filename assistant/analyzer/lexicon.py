"""Load and compile the analyzer's lexicons (YAML data files beside this module).

Cue lists are compiled into one regex per cue covering both languages, so mixed drafts
need no language switch. Labelled entries (personality, bias) keep their own metadata
and are found with one union regex per file, then attributed to the entry that matched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as _C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
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


def _first_chars(items: Any) -> tuple[set[str] | None, bool]:
    """Characters a parsed regex can start with (lower-cased), and whether it can match
    empty. ``None`` means "could start anywhere" (no prefilter possible)."""
    chars: set[str] = set()
    for op, av in items:
        if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            continue  # zero-width
        if op is _C.LITERAL:
            return chars | {chr(av).lower()}, False
        if op is _C.IN:
            for iop, iav in av:
                if iop is _C.LITERAL:
                    chars.add(chr(iav).lower())
                elif iop is _C.RANGE and iav[1] - iav[0] <= 64:
                    chars.update(chr(c).lower() for c in range(iav[0], iav[1] + 1))
                else:
                    return None, False
            return chars, False
        if op is _C.BRANCH:
            nullable = False
            for branch in av[1]:
                sub, sub_null = _first_chars(branch)
                if sub is None:
                    return None, False
                chars |= sub
                nullable = nullable or sub_null
            if not nullable:
                return chars, False
            continue
        if op is _C.SUBPATTERN:
            sub, sub_null = _first_chars(av[-1])
            if sub is None:
                return None, False
            chars |= sub
            if not sub_null:
                return chars, False
            continue
        if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", None)):
            lo, _hi, sub_items = av
            sub, sub_null = _first_chars(sub_items)
            if sub is None:
                return None, False
            chars |= sub
            if lo > 0 and not sub_null:
                return chars, False
            continue
        return None, False
    return chars, True


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
        self._by_char: dict[str, list[tuple[Entry, re.Pattern[str]]]] = {}
        self._word_start: dict[str, list[tuple[Entry, re.Pattern[str]]]] = {}
        self._anywhere: list[tuple[Entry, re.Pattern[str]]] = []
        for entry in entries:
            for pattern in entry.patterns:
                parsed = _parser.parse(pattern.pattern, pattern.flags)
                chars, nullable = _first_chars(parsed)
                if chars is None or nullable or not chars:
                    self._anywhere.append((entry, pattern))
                    continue
                # Patterns that open with \b can only match where a word starts.
                at_word = _starts_at_word(list(parsed))
                target = self._word_start if at_word else self._by_char
                for ch in chars:
                    target.setdefault(ch, []).append((entry, pattern))

    def find(self, text: str) -> Iterator[tuple[Entry, Hit]]:
        """Yield (entry, hit) for the first match of every entry inside ``text``."""
        seen: set[str] = set()
        for entry, pattern in self._anywhere:
            m = pattern.search(text)
            if m and m.end() > m.start() and entry.id not in seen:
                seen.add(entry.id)
                yield entry, Hit(m.start(), m.end(), m.group())
        low = text.lower()
        prev_word = False
        for pos, ch in enumerate(low):
            word = ch.isascii() and (ch.isalnum() or ch == "_")
            bucket = self._by_char.get(ch, [])
            if word and not prev_word:
                bucket = bucket + self._word_start.get(ch, [])
            prev_word = word
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
