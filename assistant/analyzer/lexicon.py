"""Load and compile the analyzer's lexicons (YAML data files beside this module).

Cue lists are compiled into one regex per cue covering both languages, so mixed drafts
need no language switch. Labelled entries (personality, bias) keep their own metadata
and are found with one union regex per file, then attributed to the entry that matched.
"""

from __future__ import annotations

import _sre
import gc
import re
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
    pattern: re.Pattern[str] = _sre.compile(source, flags | state.flags, code,
                                            state.groups - 1, state.groupdict,
                                            tuple(indexgroup))
    return pattern


def compile_factored(source: str, flags: int = _FLAGS) -> re.Pattern[str]:
    """``re.compile(source, flags)`` with the alternations factored (see :func:`_factor`)."""
    flags = int(flags)
    try:
        return _compile_tree(source, _factor(_parser.parse(source, flags)), flags)
    except (AttributeError, TypeError):  # pragma: no cover - another Python's internals
        return re.compile(source, flags)


def _union(patterns: Any) -> re.Pattern[str]:
    return compile_factored(_union_source(patterns))


class CueSet:
    """Compiled cue regexes, one per cue name (languages merged)."""

    def __init__(self, raw: dict[str, dict[str, list[str]]]) -> None:
        self._cues: dict[str, re.Pattern[str]] = {}
        # Per cue, the alternation without the patterns that cannot match a text with no
        # Chinese characters (resp. no ASCII letters). Python's engine tries every
        # alternative at every position, so a Chinese clause scanned against hundreds of
        # English alternatives was most of the analyzer's time. Conservative: a Chinese
        # pattern with any ASCII letter in it stays in the Latin set, and vice versa.
        self._latin: dict[str, re.Pattern[str]] = {}
        self._cjk: dict[str, re.Pattern[str]] = {}
        self._memo: dict[tuple[str, str], list[Hit]] = {}
        for name, by_lang in raw.items():
            tagged = [(lang, p) for lang in ("en", "zh") for p in by_lang.get(lang, [])]
            self._cues[name] = _union(p for _, p in tagged)
            self._latin[name] = _union(p for lang, p in tagged
                                       if lang == "en" or _ASCII_LETTER.search(p))
            self._cjk[name] = _union(p for lang, p in tagged
                                     if lang == "zh" or not _needs_letter(p))

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
            if not _CJK_CHAR.search(text):
                pattern = self._latin[name]
            elif not _ASCII_LETTER.search(text):
                pattern = self._cjk[name]
            else:
                pattern = self._cues[name]
            cached = [
                Hit(m.start(), m.end(), m.group())
                for m in pattern.finditer(text)
                if m.end() > m.start()
            ]
            self._memo[key] = cached
        return cached


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


@dataclass(frozen=True)
class Lexicons:
    """All lexicons the analyzer uses."""

    cues: CueSet
    personality: EntryIndex
    bias: EntryIndex


@lru_cache(maxsize=1)
def load_lexicons() -> Lexicons:
    """Load and compile once per process."""
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
        )
    finally:
        if was_enabled:
            gc.enable()
