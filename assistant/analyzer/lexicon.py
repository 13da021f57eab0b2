"""Load and compile the analyzer's lexicons (YAML data files beside this module).

Cue lists are compiled into one regex per cue covering both languages, so mixed drafts
need no language switch. Labelled entries (personality, bias) keep their own metadata
and are found with one union regex per file, then attributed to the entry that matched.
"""

from __future__ import annotations

import _sre
import gc
import hashlib
import os
import pickle
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from re import _compiler as _sre_compiler  # type: ignore[attr-defined]
from re import _constants as _C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

import yaml

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster

LEXICON_DIR = Path(__file__).parent / "lexicons"
# ASCII: CJK characters count as \w in Unicode mode, which would defeat \b around English
# words inside Chinese prose ("请update一次pipeline").
_FLAGS = re.IGNORECASE | re.ASCII
_NOCASE = int(re.IGNORECASE)  # ints: RegexFlag arithmetic in the compiler is slow


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
        if op in _REPEATS and av[1] > 1:
            # "[a-z]+ by nature": after a repeat that can match more than once the next
            # item does not follow the first repetition, so a short prefix stops here.
            return results if all(results) else None
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


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
"""Lower-case ASCII word characters: a word starts where one follows a non-word one."""

_Step = tuple["re.Pattern[str] | None", list[tuple[Entry, "re.Pattern[str]"]]]
"""A guard (or None) and the patterns tried behind it."""


class EntryIndex:
    """Finds labelled entries in a text.

    One big alternation of ~1,000 patterns costs milliseconds per sentence in Python's
    backtracking engine, so patterns are bucketed by the characters they can start with
    and tried only at positions holding such a character.
    """

    def __init__(self, entries: list[Entry], trees: dict[int, Any] | None = None) -> None:
        """Index ``entries``; ``trees`` maps ``id(pattern)`` to its parse tree where the
        loader already has one (parsing ~800 long patterns twice was a third of start-up)."""
        self.entries = entries
        trees = trees or {}
        # Buckets keyed by the pattern's possible 1- or 2-character prefixes, separately for
        # patterns that can only start at a word start (leading \b or letter guard).
        self._buckets: dict[tuple[bool, str], list[tuple[Entry, re.Pattern[str]]]] = {}
        self._anywhere: list[tuple[Entry, re.Pattern[str]]] = []
        for entry in entries:
            for pattern in entry.patterns:
                tree = trees.get(id(pattern))
                if tree is None:
                    tree = _parser.parse(pattern.pattern, pattern.flags)
                parsed = list(tree)
                keys = _prefixes(parsed, 2)
                if keys is None or len(keys) > 120:
                    keys = _prefixes(parsed, 1)
                if not keys:
                    self._anywhere.append((entry, pattern))
                    continue
                at_word = _starts_at_word(parsed)
                for key in keys:
                    self._buckets.setdefault((at_word, key), []).append((entry, pattern))
        # Many English entries share one long person-subject prefix ("she is", "Sam comes
        # across as", intensifiers ...). Matching that shared prefix once per position, and
        # skipping its ~40 patterns where it fails, is most of the analyzer's speed.
        self._guards = _shared_prefix_guards([p for e in entries for p in e.patterns])
        self._plans: dict[tuple[bool, str, str], list[_Step]] = {}
        # Positions worth visiting: word starts, and characters some non-word-start pattern
        # can begin with. Every other position has an empty plan, and stepping over them
        # in Python was most of the time spent here.
        inner = sorted({key[0] for (at_word, key) in self._buckets if not at_word})
        alternatives = [r"(?<![a-z0-9_])[a-z0-9_]"]
        if inner:
            alternatives.append("[" + "".join(re.escape(c) for c in inner) + "]")
        self._scan = re.compile("|".join(alternatives))

    def __getstate__(self) -> dict[str, Any]:
        """``_guards`` is keyed by ``id(pattern)``, which pickling does not keep (the lexicon
        cache): it travels in pattern order instead, and the plans are rebuilt."""
        state = self.__dict__.copy()
        state["_guards"] = [self._guards.get(id(p)) for e in self.entries for p in e.patterns]
        state["_plans"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        guards = state.pop("_guards")
        self.__dict__.update(state)
        patterns = [p for e in self.entries for p in e.patterns]
        self._guards = {id(p): g for p, g in zip(patterns, guards, strict=True) if g is not None}

    def find(self, text: str) -> Iterator[tuple[Entry, Hit]]:
        """Yield (entry, hit) for the first match of every entry inside ``text``."""
        seen: set[str] = set()
        for entry, pattern in self._anywhere:
            m = pattern.search(text)
            if m and m.end() > m.start() and entry.id not in seen:
                seen.add(entry.id)
                yield entry, Hit(m.start(), m.end(), m.group())
        low = text.lower()
        if len(low) != len(text):  # a few characters change length when lowered
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        plans = self._plans
        for m in self._scan.finditer(low):
            pos = m.start()
            ch = low[pos]
            starts = ch in _WORD_CHARS and (pos == 0 or low[pos - 1] not in _WORD_CHARS)
            key = (starts, ch, low[pos:pos + 2])
            plan = plans.get(key)
            if plan is None:
                plan = plans[key] = self._plan(*key)
            for guard, members in plan:
                if guard is not None and guard.match(text, pos) is None:
                    continue
                for entry, pattern in members:
                    if entry.id in seen:
                        continue
                    hit = pattern.match(text, pos)
                    if hit and hit.end() > hit.start():
                        seen.add(entry.id)
                        yield entry, Hit(hit.start(), hit.end(), hit.group())

    def _plan(self, starts: bool, ch: str, pair: str) -> list[_Step]:
        """The patterns to try at a position, in bucket order, with patterns that share a
        guard gathered behind it (the guard is matched once instead of once per pattern)."""
        get = self._buckets.get
        bucket = get((False, ch), []) + get((False, pair), [])
        if starts:
            bucket += get((True, ch), []) + get((True, pair), [])
        plan: list[_Step] = []
        groups: dict[int, list[tuple[Entry, re.Pattern[str]]]] = {}
        for entry, pattern in bucket:
            guard = self._guards.get(id(pattern))
            if guard is None:
                plan.append((None, [(entry, pattern)]))
            elif id(guard) in groups:
                groups[id(guard)].append((entry, pattern))
            else:
                groups[id(guard)] = [(entry, pattern)]
                plan.append((guard, groups[id(guard)]))
        return plan


def _top_level_items(source: str) -> list[str]:
    """Split a regex source into its top-level items (group, class, escape or character,
    each with its quantifier). Returns [] for sources with a top-level alternation."""
    items: list[str] = []
    i, n = 0, len(source)
    while i < n:
        start = i
        ch = source[i]
        if ch == "\\":
            i += 2
        elif ch == "[":
            i += 1
            if i < n and source[i] == "^":
                i += 1
            if i < n and source[i] == "]":
                i += 1
            while i < n and source[i] != "]":
                i += 2 if source[i] == "\\" else 1
            i += 1
        elif ch == "(":
            depth = 0
            while i < n:
                c = source[i]
                if c == "\\":
                    i += 2
                    continue
                if c == "[":
                    i += 1
                    if i < n and source[i] == "]":
                        i += 1
                    while i < n and source[i] != "]":
                        i += 2 if source[i] == "\\" else 1
                elif c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        i += 1
                        break
                i += 1
        elif ch == "|":
            return []
        else:
            i += 1
        # quantifier, possibly lazy or possessive
        if i < n and source[i] in "*+?":
            i += 1
        elif i < n and source[i] == "{":
            close = source.find("}", i)
            if close != -1 and all(c in "0123456789," for c in source[i + 1:close]):
                i = close + 1
        if i < n and source[i] in "?+" and source[i - 1] in "*+?}":
            i += 1
        items.append(source[start:i])
    return items


def _shared_prefix_guards(patterns: list[re.Pattern[str]]) -> dict[int, re.Pattern[str]]:
    """Map patterns that share a long leading prefix (two top-level items, 40+ characters,
    5+ patterns) to a compiled regex of that prefix: if it fails at a position, so do they.
    Keyed by ``id``: hashing a compiled pattern hashes its whole program."""
    by_prefix: dict[tuple[str, int], list[re.Pattern[str]]] = {}
    for pattern in patterns:
        items = _top_level_items(pattern.pattern)
        if len(items) < 3:
            continue
        prefix = "".join(items[:2])
        if len(prefix) >= 40:
            by_prefix.setdefault((prefix, pattern.flags), []).append(pattern)
    guards: dict[int, re.Pattern[str]] = {}
    for (prefix, flags), members in by_prefix.items():
        if len(members) >= 5:
            guard = re.compile(prefix, flags)
            guards.update((id(m), guard) for m in members)
    return guards


_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _needs_letter(pattern: str) -> bool:
    """Conservatively, whether an English cue pattern can only match text with ASCII
    letters: ASCII source with no digit, wildcard or negated-class escapes in it."""
    return pattern.isascii() and not re.search(r"\\[dDWS]|0-9|\.|\[\^", pattern)


def _union_source(patterns: Any) -> str:
    """One alternation of ``patterns``, with the leading ``\\b`` of consecutive patterns
    hoisted in front of their group: inside a word the engine then fails once instead of
    once per pattern. Order is kept, and ``\\b(?:a|b)`` matches what ``\\ba|\\bb`` does."""
    parts: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            parts.append(r"\b(?:" + "|".join(f"(?:{q})" for q in run) + ")")
            run.clear()

    for p in patterns:
        items = _top_level_items(p)
        if len(items) > 1 and items[0] == r"\b":
            run.append(p[2:])
        else:
            flush()
            parts.append(f"(?:{p})")
    flush()
    return "|".join(parts) or r"(?!)"


def _factor(sub: Any) -> Any:
    """Factor every alternation of a parse tree by its leading literal, recursively
    (``attend|add|ask`` becomes ``a(?:ttend|dd|sk)``): Python's engine tries alternatives one
    by one, so a cue list of 250 verbs cost 250 checks at every word. Only runs of adjacent
    literal-first alternatives are regrouped, and two alternatives that start with different
    characters cannot both match at one position, so the matches are unchanged (tested)."""
    data = sub.data
    for i, (op, av) in enumerate(data):
        if op is _C.BRANCH:
            for alt in av[1]:
                _factor(alt)
            data[i] = (_C.BRANCH, (None, _factor_alternatives(av[1], sub.state)))
        elif op is _C.SUBPATTERN:
            _factor(av[-1])
        elif op in _REPEATS:
            _factor(av[2])
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            _factor(av[1])
    return sub


def _factor_alternatives(alts: list[Any], state: Any) -> list[Any]:
    out: list[Any] = []
    i = 0
    while i < len(alts):
        if not (alts[i].data and alts[i].data[0][0] is _C.LITERAL):
            out.append(alts[i])
            i += 1
            continue
        start = i
        groups: dict[int, list[Any]] = {}
        while i < len(alts) and alts[i].data and alts[i].data[0][0] is _C.LITERAL:
            groups.setdefault(alts[i].data[0][1], []).append(alts[i])
            i += 1
        if len({chr(c).lower() for c in groups}) != len(groups):
            # "ab|A|ac" ignoring case: "A" and "a" may match at one position; keep the order.
            out.extend(alts[start:i])
            continue
        for char, members in groups.items():
            if len(members) == 1:
                out.append(members[0])
                continue
            rests = [_parser.SubPattern(state, list(m.data[1:])) for m in members]
            branch = _parser.SubPattern(
                state, [(_C.BRANCH, (None, _factor_alternatives(rests, state)))])
            out.append(_parser.SubPattern(
                state, [(_C.LITERAL, char), (_C.SUBPATTERN, (None, 0, 0, branch))]))
    return out


def _compile_tree(source: str, tree: Any, flags: int) -> re.Pattern[str]:
    """What ``re._compiler.compile`` does with a parse tree (raises AttributeError or
    TypeError where another Python's private API differs)."""
    code = _sre_compiler._code(tree, flags)
    state = tree.state
    indexgroup: list[str | None] = [None] * state.groups
    for name, index in state.groupdict.items():
        indexgroup[index] = name
    args = (source, flags | state.flags, code, state.groups - 1, state.groupdict,
            tuple(indexgroup))
    pattern: re.Pattern[str] = _sre.compile(*args)
    if _compiled_code is not None:  # opcodes are named ints: plain ones pickle
        _compiled_code[id(pattern)] = (pattern, (*args[:2], [int(c) for c in code], *args[3:]))
    return pattern


_compiled_code: dict[int, tuple[re.Pattern[str], tuple[Any, ...]]] | None = None
"""While ``load_lexicons`` compiles: each pattern's arguments to ``_sre.compile`` (the
compiled code), so the loaded lexicons can be cached with their code (see ``_LexiconCache``)."""


def compile_factored(source: str, flags: int = _FLAGS) -> re.Pattern[str]:
    """``re.compile(source, flags)`` with the alternations factored (see :func:`_factor`)."""
    flags = int(flags)
    try:
        return _compile_tree(source, _factor(_parser.parse(source, flags)), flags)
    except (AttributeError, TypeError):  # pragma: no cover - another Python's internals
        return re.compile(source, flags)


class _NotFoldable(Exception):
    """A construct whose case-insensitive meaning is not kept by :func:`_fold_case`."""


_UPPER = frozenset(range(ord("A"), ord("Z") + 1))
_ASCII_LOWER = {c: c + 32 for c in _UPPER}
"""``str.translate`` table: ASCII letters only, so the length never changes."""


def ascii_lower(text: str) -> str:
    """``text`` with only its ASCII capitals lowered (what ``re.IGNORECASE | re.ASCII``
    folds); positions are unchanged."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _fold_code(c: int) -> int:
    return c + 32 if c in _UPPER else c


def _fold_class(items: list[Any]) -> list[Any]:
    """A class that, on ASCII-lowered text, accepts what ``items`` accepts ignoring case:
    the items plus the lower-case form of every capital they hold (a negated class then
    rejects both cases too)."""
    out = list(items)
    for op, av in items:
        if op is _C.LITERAL and av in _UPPER:
            out.append((_C.LITERAL, av + 32))
        elif op is _C.RANGE:
            lo, hi = max(av[0], 65), min(av[1], 90)
            out.extend((_C.LITERAL, c + 32) for c in range(lo, hi + 1))
        elif op not in (_C.LITERAL, _C.RANGE, _C.NEGATE, _C.CATEGORY):
            raise _NotFoldable(op)
    return out


def _fold_case(sub: Any) -> Any:
    """Rewrite a parse tree compiled with ``IGNORECASE | ASCII`` so that, compiled without
    ``IGNORECASE``, it matches ASCII-lowered text exactly where the original matched the
    text. Case-sensitive literals are what the engine's alternation fast path can skip
    with one comparison; ignore-case ones it has to enter one by one."""
    data = sub.data
    for i, (op, av) in enumerate(data):
        if op in (_C.LITERAL, _C.NOT_LITERAL):
            data[i] = (op, _fold_code(av))
        elif op is _C.IN:
            data[i] = (op, _fold_class(av))
        elif op is _C.SUBPATTERN:
            if (av[1] | av[2]) & _NOCASE:
                raise _NotFoldable("local case flag")
            _fold_case(av[-1])
        elif op is _C.BRANCH:
            for alt in av[1]:
                _fold_case(alt)
        elif op in _REPEATS:
            _fold_case(av[2])
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            _fold_case(av[1])
        elif op is getattr(_C, "ATOMIC_GROUP", None):
            _fold_case(av)
        elif op not in (_C.AT, _C.ANY, _C.CATEGORY):
            raise _NotFoldable(op)  # group references and anything new
    return sub


def _folded_tree(source: str, flags: int) -> Any:
    """Parse ``source`` and fold it for ASCII-lowered text (raises _NotFoldable)."""
    if not flags & _NOCASE or flags & int(re.LOCALE | re.VERBOSE):
        raise _NotFoldable("flags")
    tree = _fold_case(_parser.parse(source, flags))
    tree.state.flags = int(tree.state.flags) & ~_NOCASE
    return tree


def compile_folded(source: str, flags: int = _FLAGS) -> re.Pattern[str] | None:
    """``compile_factored(source, flags)`` for ASCII-lowered text (see :func:`ascii_lower`):
    the same spans, found faster. None where the pattern cannot be folded."""
    flags = int(flags)
    try:
        tree = _folded_tree(source, flags)
        return _compile_tree(source, _factor(tree), flags & ~_NOCASE)
    except (_NotFoldable, AttributeError, TypeError):
        return None


# First-character dispatch. Python's engine tries a union's alternatives one after another
# at every position, and can skip an alternative cheaply only when it begins with a literal
# (one comparison, in C). Most cue patterns begin with \b and a group of words, so every
# alternative was entered at every word. Rewritten so each alternative begins with its
# first character, the union becomes one alternation keyed by first character: a position
# costs a comparison or two, and the search skips characters no cue can start with.

_MAX_DISPATCH = 3000
"""Most alternatives a union may expand into (compile time grows with the count)."""
_SMALL_CLASS = 12
"""A class of at most this many characters is spelt out as one alternative per character."""
_WORD_CODES = frozenset(range(ord("a"), ord("z") + 1)) | frozenset(range(ord("0"), ord("9") + 1)) \
    | {ord("_")} | _UPPER
_CATEGORY_CODES = {
    _C.CATEGORY_DIGIT: frozenset(range(ord("0"), ord("9") + 1)),
    _C.CATEGORY_SPACE: frozenset([9, 10, 11, 12, 13, 32]),
    _C.CATEGORY_WORD: _WORD_CODES,
}


class _NoDispatch(Exception):
    """A union that cannot be keyed by first character (it is scanned as it is)."""


def _class_codes(items: list[Any]) -> frozenset[int]:
    """The characters a positive class accepts (raises for negated or other classes)."""
    codes: set[int] = set()
    for op, av in items:
        if op is _C.LITERAL:
            codes.add(av)
        elif op is _C.RANGE:
            codes.update(range(av[0], av[1] + 1))
        elif op is _C.CATEGORY and av in _CATEGORY_CODES:
            codes |= _CATEGORY_CODES[av]
        else:
            raise _NoDispatch(op)
    return frozenset(codes)


def _first_codes(item: Any) -> frozenset[int]:
    return frozenset([item[1]]) if item[0] is _C.LITERAL else _class_codes(item[1])


_ANY_CHAR = (_C.IN, [(_C.CATEGORY, _C.CATEGORY_SPACE), (_C.CATEGORY, _C.CATEGORY_NOT_SPACE)])
"""``[\\s\\S]``: one character of any kind, newline included (``.`` is not)."""


def _after_first(state: Any, first: Any, assertion: Any) -> list[Any]:
    """``assertion`` (a zero-width test made before ``first``) re-stated after it."""
    if assertion == (_C.AT, _C.AT_BOUNDARY):
        words = {c in _WORD_CODES for c in _first_codes(first)}
        if len(words) != 1:
            raise _NoDispatch("boundary before a mixed class")
        # \b before a word character: none just before it; before another: one there.
        op = _C.ASSERT_NOT if words.pop() else _C.ASSERT
        body = [(_C.IN, [(_C.CATEGORY, _C.CATEGORY_WORD)]), _ANY_CHAR]
        return [first, (op, (-1, _parser.SubPattern(state, body)))]
    op, (direction, sub) = assertion
    return [first, (op, (direction, _parser.SubPattern(state, [*sub.data, _ANY_CHAR])))]


def _by_first_char(items: list[Any], state: Any, budget: list[int]) -> list[list[Any]]:
    """Alternatives, in the engine's order of preference, that together match what
    ``items`` matches; each begins with a literal or a class (its key) or with ``^``."""
    if not items:
        raise _NoDispatch("empty")
    (op, av), rest = items[0], items[1:]
    if (op is _C.AT and av is _C.AT_BOUNDARY) or (op in (_C.ASSERT, _C.ASSERT_NOT) and av[0] == -1):
        return [alt if alt[0][0] is _C.AT else _after_first(state, alt[0], items[0]) + alt[1:]
                for alt in _by_first_char(rest, state, budget)]
    if op is _C.LITERAL or (op is _C.AT and av is _C.AT_BEGINNING):
        budget[0] += 1
        if budget[0] > _MAX_DISPATCH:
            raise _NoDispatch("too many alternatives")
        return [items]
    if op is _C.SUBPATTERN and not (av[1] or av[2]):
        return _branch_by_first_char([av[-1]], rest, state, budget)
    if op is _C.BRANCH:
        return _branch_by_first_char(av[1], rest, state, budget)
    if op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
        lo, hi, body = av
        if lo >= 1:  # x{m,n} is x x{m-1,n-1}, preferences kept
            more = [] if hi == 1 else [(op, (lo - 1, hi if hi == _C.MAXREPEAT else hi - 1, body))]
            return _by_first_char([*body.data, *more, *rest], state, budget)
        if rest:
            # x{0,n} rest: x{1,n} rest, then rest alone (greedy; the reverse when lazy).
            more = body.data if hi == 1 else [(op, (1, hi, body))]
            once = _by_first_char([*more, *rest], state, budget)
            never = _by_first_char(rest, state, budget)
            return once + never if op is _C.MAX_REPEAT else never + once
        raise _NoDispatch("optional repeat at the end")
    if op is _C.IN:
        codes = _class_codes(av)
        if len(codes) > _SMALL_CLASS or any(iop is _C.CATEGORY for iop, _ in av):
            budget[0] += 1
            return [items]
        return _group_by_key(state, [[(_C.LITERAL, c)] for c in sorted(codes)], rest)
    raise _NoDispatch(op)


def _branch_by_first_char(branches: list[Any], rest: list[Any], state: Any,
                          budget: list[int]) -> list[list[Any]]:
    """``(a|b|...)rest``: the alternatives are keyed on their own and ``rest`` follows each
    key's group once (copying ``rest`` into every alternative made the code several times
    larger); where an alternative cannot be keyed without ``rest``, ``rest`` is copied."""
    spent = budget[0]
    try:
        inner = [alt for branch in branches
                 for alt in _by_first_char(list(branch.data), state, budget)]
        if not any(alt[0][0] is _C.AT for alt in inner):
            return _group_by_key(state, inner, rest)
    except _NoDispatch:
        pass
    budget[0] = spent
    return [alt for branch in branches
            for alt in _by_first_char([*branch.data, *rest], state, budget)]


def _group_by_key(state: Any, alts: list[list[Any]], rest: list[Any]) -> list[list[Any]]:
    """Gather keyed alternatives by key (``key (?:tail1|tail2) rest``). Alternatives with
    different first characters never both match at one position, so only the order of
    alternatives whose first characters overlap has to be (and is) kept."""
    groups: list[tuple[Any, frozenset[int], list[list[Any]]]] = []
    for alt in alts:
        codes = _first_codes(alt[0])
        last = next((g for g in reversed(groups) if g[1] & codes), None)
        if last is None or repr(last[0]) != repr(alt[0]):
            fresh: list[list[Any]] = []
            last = (alt[0], codes, fresh)
            groups.append(last)
        last[2].append(alt[1:])
    out: list[list[Any]] = []
    for key, _codes, tails in groups:
        tails = _shared_assertions(state, tails)
        if len(tails) == 1:
            out.append([key, *tails[0], *rest])
        else:
            branch = _parser.SubPattern(
                state, [(_C.BRANCH, (None, [_parser.SubPattern(state, t) for t in tails]))])
            out.append([key, (_C.SUBPATTERN, (None, 0, 0, branch)), *rest])
    return out


def _shared_assertions(state: Any, rests: list[list[Any]]) -> list[list[Any]]:
    """Adjacent alternatives that begin with the same assertion test it once."""
    out: list[list[Any]] = []
    i = 0
    while i < len(rests):
        head = rests[i][0] if rests[i] else None
        j = i + 1
        if head is not None and head[0] in (_C.ASSERT, _C.ASSERT_NOT):
            key = repr(head)
            while j < len(rests) and rests[j] and repr(rests[j][0]) == key:
                j += 1
        if j - i > 1:
            inner = [_parser.SubPattern(state, r[1:]) for r in rests[i:j]]
            branch = _parser.SubPattern(state, [(_C.BRANCH, (None, inner))])
            out.append([head, (_C.SUBPATTERN, (None, 0, 0, branch))])
        else:
            out.append(rests[i])
        i = j
    return out


class _Dispatch:
    """A union rewritten by first character, for ASCII-lowered text: ``keyed`` holds the
    alternatives that begin with a character, ``anchored`` those that begin with ``^``
    (tried at the text's start only). Where both match at the start, which one the union
    prefers is settled by the whole union, compiled the first time that happens."""

    __slots__ = ("_source", "_whole", "anchored", "keyed")

    def __init__(self, keyed: re.Pattern[str], anchored: re.Pattern[str] | None,
                 source: str) -> None:
        self.keyed = keyed
        self.anchored = anchored
        self._source = source
        self._whole: re.Pattern[str] | None = None

    def whole(self) -> re.Pattern[str]:
        """The plain union, folded (see :func:`compile_folded`)."""
        if self._whole is None:
            self._whole = compile_folded(self._source) or re.compile(self._source, _FLAGS)
        return self._whole


def compile_dispatch(source: str, flags: int = _FLAGS) -> _Dispatch | None:
    """Compile a union of cue patterns keyed by first character (see :func:`_by_first_char`);
    :meth:`CueSet.hits` returns exactly the spans of ``re.compile(source, flags)``. None
    where some alternative cannot be keyed (it is scanned as a plain union then)."""
    flags = int(flags)
    try:
        tree = _folded_tree(source, flags)
        state = tree.state
        if tree.getwidth()[0] == 0:
            raise _NoDispatch("empty match")  # finditer's empty-match rules: not modelled
        alts = _by_first_char(list(tree.data), state, [0])
        keyed_alts = [alt for alt in alts if alt[0][0] is not _C.AT]
        if not keyed_alts:
            raise _NoDispatch("anchored only")
        branches = [_parser.SubPattern(state, alt) for alt in _group_by_key(state, keyed_alts, [])]
        top = [(_C.BRANCH, (None, branches))] if len(branches) > 1 else list(branches[0].data)
        plain = flags & ~_NOCASE
        keyed = _compile_tree(source, _factor(_parser.SubPattern(state, top)), plain)
        anchored = None
        if len(keyed_alts) < len(alts):
            begins = [_parser.SubPattern(state, a) for a in alts if a[0][0] is _C.AT]
            anchored = _compile_tree(source, _factor(_parser.SubPattern(
                state, [(_C.BRANCH, (None, begins))] if len(begins) > 1 else list(begins[0].data))),
                plain)
        return _Dispatch(keyed, anchored, source)
    except (_NotFoldable, _NoDispatch, AttributeError, TypeError, RecursionError):
        return None


class CueSet:
    """Compiled cue regexes, one per cue name (languages merged)."""

    def __init__(self, raw: dict[str, dict[str, list[str]]]) -> None:
        self._sources: dict[str, str] = {}
        self._cues: dict[str, re.Pattern[str]] = {}  # compiled on demand, see pattern()
        # Per cue and script, the scan: a first-character dispatch where the union allows
        # one, else the union. Per script, the alternation leaves out the patterns that
        # cannot match a text with no Chinese characters (resp. no ASCII letters): a
        # Chinese clause scanned against hundreds of English alternatives was most of the
        # analyzer's time. Conservative: a Chinese pattern with any ASCII letter in it
        # stays in the Latin set, and vice versa.
        self._scans: dict[tuple[str, str], _Dispatch | re.Pattern[str]] = {}
        self._memo: dict[tuple[str, str], list[Hit]] = {}
        self._lowered = ("", "")
        for name, by_lang in raw.items():
            tagged = [(lang, p) for lang in ("en", "zh") for p in by_lang.get(lang, [])]
            self._sources[name] = _union_source(p for _, p in tagged)
            scripts = {
                "all": self._sources[name],
                "latin": _union_source(p for lang, p in tagged
                                       if lang == "en" or _ASCII_LETTER.search(p)),
                "cjk": _union_source(p for lang, p in tagged
                                     if lang == "zh" or not _needs_letter(p)),
            }
            dispatch = compile_dispatch(self._sources[name])
            for script, source in scripts.items():
                # Keyed by first character, English alternatives are never tried on Chinese
                # text nor Chinese ones on English: one dispatch serves every script.
                self._scans[(name, script)] = dispatch or compile_factored(source)

    def pattern(self, name: str) -> re.Pattern[str]:
        """The union of one cue's patterns, for matching the original text."""
        found = self._cues.get(name)
        if found is None:
            found = self._cues[name] = compile_factored(self._sources[name])
        return found

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
            if not _CJK_CHAR.search(text):
                script = "latin"
            elif not _ASCII_LETTER.search(text):
                script = "cjk"
            else:
                script = "all"
            scan = self._scans[(name, script)]
            if not isinstance(scan, _Dispatch):
                cached = [Hit(m.start(), m.end(), m.group())
                          for m in scan.finditer(text) if m.end() > m.start()]
            else:
                cached = self._dispatch_hits(scan, text)
            self._memo[key] = cached
        return cached

    def _dispatch_hits(self, scan: _Dispatch, text: str) -> list[Hit]:
        if self._lowered[0] == text:  # the same clause, scanned for the next cue
            lowered = self._lowered[1]
        else:
            lowered = ascii_lower(text)
            self._lowered = (text, lowered)
        out: list[Hit] = []
        pos = 0
        if scan.anchored is not None:
            first = scan.anchored.match(lowered)
            if first is not None:
                if scan.keyed.match(lowered) is not None:
                    first = scan.whole().match(lowered) or first
                out.append(Hit(0, first.end(), text[:first.end()]))
                pos = first.end()
        out.extend(Hit(m.start(), m.end(), text[m.start():m.end()])
                   for m in scan.keyed.finditer(lowered, pos))
        return out


def _load_yaml(name: str) -> Any:
    with (LEXICON_DIR / name).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_YAML_LOADER)


def _entries(name: str, trees: dict[int, Any] | None = None) -> list[Entry]:
    path = LEXICON_DIR / name
    if not path.exists():
        return []
    return [_entry(raw, trees) for raw in _load_yaml(name) or []]


_MACRO = re.compile(r"\{\{(\w+)\}\}")


def _word_regex(word: str) -> str:
    """A literal trait word as regex: a hyphen also matches a space or nothing, and a
    space any run of whitespace ("hot-headed", "hot headed", "hotheaded")."""
    return re.escape(word).replace("\\-", "[- ]?").replace("\\ ", "\\s+")


def _expand(template: str, values: dict[str, str], depth: int = 0) -> str:
    """Replace ``{{name}}`` placeholders (macros may use macros), failing on unknown names."""
    if depth > 5:
        raise ValueError(f"macro nesting too deep in {template[:60]!r}")

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in values:
            raise KeyError(f"unknown placeholder {{{{{key}}}}}")
        return _expand(values[key], values, depth + 1)

    return _MACRO.sub(sub, template)


def expand_trait_classes(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Expand ``traits.yaml`` (word classes x person frames) into personality entries.

    Args:
        raw: The parsed file: ``macros``, ``frames``, ``thing_frames`` and ``classes``.

    Returns:
        Entries in the personality.yaml shape (id, lang, polarity, kind, patterns, exclude,
        plus ``source``), one per class, one pattern per frame and word group.
    """
    macros: dict[str, str] = dict(raw.get("macros") or {})
    frames: dict[str, str] = dict(raw.get("frames") or {})
    default_thing_frames: list[str] = list(raw.get("thing_frames") or [])
    out: list[dict[str, Any]] = []
    for cls in raw.get("classes") or []:
        as_regex = bool(cls.get("regex"))
        values = {**macros, "guard": cls.get("guard") or ""}
        groups = ((cls.get("words") or [], cls.get("frames") or []),
                  (cls.get("thing_words") or [], cls.get("thing_frames") or default_thing_frames))
        # One pattern per frame, holding every word of the class that the frame applies to
        # (fewer, longer patterns: the shared subject prefix is parsed once per frame).
        by_frame: dict[str, list[str]] = {}
        for words, frame_names in groups:
            alts = [w if as_regex else _word_regex(w) for w in words]
            for frame_name in frame_names if alts else []:
                by_frame.setdefault(frame_name, []).extend(alts)
        patterns: list[str] = []
        for frame_name, alts in by_frame.items():
            # Longest first, so "rock star" is tried before "rock".
            alternation = "|".join(sorted(dict.fromkeys(alts), key=len, reverse=True))
            patterns.append(_expand(frames[frame_name], {**values, "words": alternation}))
        out.append({
            "id": cls["id"], "lang": cls.get("lang", "en"),
            "polarity": cls.get("polarity", "negative"),
            "kind": "phrase" if as_regex else "adjective",
            "patterns": patterns, "exclude": list(cls.get("exclude") or []),
            "source": cls.get("source", ""),
        })
    return out


def _trait_entries(name: str, trees: dict[int, Any] | None = None) -> list[Entry]:
    if not (LEXICON_DIR / name).exists():
        return []
    return [_entry(raw, trees) for raw in expand_trait_classes(_load_yaml(name) or {})]


def compile_with_tree(source: str, flags: int = _FLAGS) -> tuple[re.Pattern[str], Any]:
    """Compile a regex and return its parse tree as well, parsing it only once.

    Does what ``re.compile`` does (``re._compiler.compile``) but keeps the tree for
    :class:`EntryIndex`. Falls back to ``re.compile`` plus a second parse if the private
    API differs. The result equals ``re.compile(source, flags)`` (tested).
    """
    flags = int(flags)  # as re.compile does: RegexFlag arithmetic in the compiler is slow
    tree = _parser.parse(source, flags)
    try:
        return _compile_tree(source, tree, flags), tree
    except (AttributeError, TypeError):  # pragma: no cover - another Python's internals
        return re.compile(source, flags), _parser.parse(source, flags)


def _entry(raw: dict[str, Any], trees: dict[int, Any] | None = None) -> Entry:
    patterns = []
    for source in raw["patterns"]:
        pattern, tree = compile_with_tree(source)
        patterns.append(pattern)
        if trees is not None:
            trees[id(pattern)] = tree
    return Entry(
        id=raw["id"],
        lang=raw.get("lang", "en"),
        patterns=tuple(patterns),
        exclude=tuple(re.compile(p, _FLAGS) for p in raw.get("exclude") or []),
        meta={k: v for k, v in raw.items() if k not in {"patterns", "exclude"}},
    )


_COPULA_EN = (r"(?:is|was|are|were|has been|have been|had been|has always been|seems|seemed|"
              r"looks|looked|feels|felt|gets|got|became|becomes|has become|remains|remained|"
              r"proved|proves|can be|could be|is being|was being|[\'’]s|[\'’]re)")
_MODS_EN = (r"(?:\s+(?:so|very|really|quite|extremely|incredibly|a bit|a little|rather|too|"
            r"pretty|increasingly|notoriously|still|always|super|unusually|particularly|"
            r"especially|somewhat|fairly|frankly|honestly|just|also|often|sometimes|and|not)\b,?)*")
_ENDS_WITH_PREPOSITION = re.compile(r"\b(?:with|at|to|of|for|about|in|on|as|by|around)\s*$", _FLAGS)
_PAST_COPULA = re.compile(r"\b(?:was|were|got|became|seemed)\b", _FLAGS)
_PERSON_ZH = re.compile(
    r"(?:小|老|阿)[\u4e00-\u9fff]|[他她你]|同事|员工|[\u4e00-\u9fff](?:总|工|姐|哥)")


class NonPersonHeads:
    """Whether a trait word describes a thing or another party rather than the employee:
    its subject or head noun is in ``heads.yaml`` ("the build was flaky", "a stubborn bug",
    "客户这次非常难缠")."""

    def __init__(self, raw: dict[str, list[str]]) -> None:
        nouns = sorted({*raw.get("things", []), *raw.get("parties", [])}, key=len, reverse=True)
        en = "|".join(_word_regex(w) for w in nouns)
        tools = "|".join(_word_regex(w) for w in raw.get("tools", []))
        subject = rf"(?:\b(?:{en})(?:e?s)?|(?-i:\b(?:{tools}))(?:[\'’]s)?)"
        self._before_en = re.compile(
            rf"{subject}(?:\s+[a-z]+)?\s+{_COPULA_EN}{_MODS_EN}\s*$", _FLAGS)
        self._after_en = re.compile(rf"\s*(?:\b(?:{en})(?:e?s)?\b|(?-i:(?:{tools})\b))", _FLAGS)
        zh = "|".join(re.escape(w) for w in
                      sorted({*raw.get("zh_things", []), *raw.get("zh_parties", [])},
                             key=len, reverse=True))
        occasions = "|".join(_word_regex(w) for w in raw.get("occasions", []))
        self._occasion = re.compile(
            rf"\s+(?:in|during|at|on)\s+(?:the|this|that|our|last|yesterday[\'’]s|today[\'’]s|"
            rf"his|her|their|a)\s+(?:[\w-]+\s+){{0,3}}?(?:{occasions})s?\b", _FLAGS)
        # Mixed drafts name the thing in English, then a Chinese degree word ("这个 test
        # 太 flaky", "client 非常 difficult").
        self._before_zh = re.compile(
            rf"(?:(?:{zh})|\b(?:{en})(?:e?s)?\s*(?=[\u4e00-\u9fff]))"
            rf"(?P<gap>[^，。！？；,;:：\n]{{0,8}})$", _FLAGS)

    def describes_occasion(self, text: str, start: int, end: int) -> bool:
        """True when a past-tense trait hit is tied to one particular occasion ("Aaliyah was
        assertive in the supplier negotiation"): conduct in a situation, not a trait."""
        return bool(_PAST_COPULA.search(text, start, end)) and bool(self._occasion.match(text, end))

    def describes_other(self, text: str, start: int, end: int) -> bool:
        """True when the hit ``text[start:end]`` has a non-person subject right before it
        or a non-person head noun right after it."""
        before = text[max(0, start - 60):start]
        if self._before_en.search(before):
            return True
        # "a stubborn bug": the noun right after the trait word is its head; after a
        # preposition ("hopeless with numbers") it is only the object.
        if not _ENDS_WITH_PREPOSITION.search(text, start, end) and self._after_en.match(text, end):
            return True
        m = self._before_zh.search(before)
        return m is not None and _PERSON_ZH.search(m.group("gap")) is None


@dataclass(frozen=True)
class Lexicons:
    """All lexicons the analyzer uses."""

    cues: CueSet
    personality: EntryIndex
    bias: EntryIndex
    heads: NonPersonHeads


@lru_cache(maxsize=1)
def load_lexicons() -> Lexicons:
    """Load and compile once per process: from the compiled cache when it matches the
    lexicon files and this Python (see :class:`_LexiconCache`), else from the YAML files
    (~1.5 s of regex compilation), writing the cache for the next process."""
    cache = _LexiconCache.for_settings()
    if cache is not None and (cached := cache.read()) is not None:
        return cached
    global _compiled_code
    _compiled_code = {} if cache is not None else None  # the code is kept only to cache it
    try:
        lexicons = _compile_lexicons()
        if cache is not None and _compiled_code is not None:
            cache.write(lexicons, _compiled_code)
    finally:
        _compiled_code = None
    return lexicons


def _compile_lexicons() -> Lexicons:
    # Compiling builds millions of short-lived parser objects; the cyclic collector would
    # rescan them all many times over (a third of the load time), and none form cycles
    # that outlive the load.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        trees: dict[int, Any] = {}  # parse trees, used by the indexes and then dropped
        personality = _entries("personality.yaml", trees) + _trait_entries("traits.yaml", trees)
        bias = _entries("bias.yaml", trees)
        return Lexicons(
            cues=CueSet(_load_yaml("cues.yaml")),
            personality=EntryIndex(personality, trees),
            bias=EntryIndex(bias, trees),
            heads=NonPersonHeads(_load_yaml("heads.yaml")),
        )
    finally:
        if was_enabled:
            gc.enable()


class _CodePickler(pickle.Pickler):
    """Pickles a compiled pattern as its ``_sre.compile`` arguments (the compiled code), so
    unpickling skips Python's regex parser and compiler; other objects as usual."""

    def __init__(self, file: Any, code: dict[int, tuple[re.Pattern[str], tuple[Any, ...]]]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._code = code

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, re.Pattern):
            known = self._code.get(id(obj))
            if known is not None and known[0] is obj:
                return _sre.compile, known[1]
        return NotImplemented


@dataclass(frozen=True)
class _LexiconCache:
    """The compiled lexicons in the data directory (``cache/lexicons-<key>.pickle``).

    The key hashes every lexicon file, this module's source and the Python build, so an
    edit or an upgrade compiles afresh. Any failure to read or write falls back to
    compiling: the cache only saves start-up time (CLI runs, batch, server start).
    """

    path: Path

    @classmethod
    def for_settings(cls) -> _LexiconCache | None:
        if os.environ.get("COACH_LEXICON_CACHE", "1") == "0":
            return None
        try:
            from ..config import get_settings

            directory = get_settings().data_dir / "cache"
            return cls(directory / f"lexicons-{cache_key()}.pickle")
        except Exception:  # no usable settings or lexicon files: just compile
            return None

    def read(self) -> Lexicons | None:
        try:
            with self.path.open("rb") as f:
                lexicons = pickle.load(f)
        except Exception:  # missing, truncated or unreadable: compile instead
            return None
        return lexicons if isinstance(lexicons, Lexicons) else None

    def write(self, lexicons: Lexicons,
              code: dict[int, tuple[re.Pattern[str], tuple[Any, ...]]]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            try:
                with tmp.open("wb") as f:
                    _CodePickler(f, code).dump(lexicons)
                os.replace(tmp, self.path)  # atomic: readers see the old file or the new
            finally:
                tmp.unlink(missing_ok=True)
            for old in self.path.parent.glob("lexicons-*.pickle"):  # earlier lexicons
                if old != self.path:
                    old.unlink(missing_ok=True)
        except Exception:  # read-only or full disk: no cache, nothing else changes
            return


def cache_key(lexicon_dir: Path = LEXICON_DIR) -> str:
    """Hash of the lexicon files, this module and the Python build the cache depends on."""
    digest = hashlib.sha256()
    digest.update(f"{sys.version}|{_sre.MAGIC}|{sys.implementation.cache_tag}".encode())
    digest.update(Path(__file__).read_bytes())
    for path in sorted(lexicon_dir.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
