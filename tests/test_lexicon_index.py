"""The lexicon index's speed-ups (prefix buckets, shared-prefix guards) must not change what
it finds: compare with a brute-force scan of every pattern at every position."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.analyzer.lexicon import (
    _FLAGS,
    LEXICON_DIR,
    CueSet,
    Entry,
    EntryIndex,
    _Dispatch,
    _top_level_items,
    _union_source,
    ascii_lower,
    compile_dispatch,
    compile_factored,
    compile_folded,
    compile_with_tree,
    expand_trait_classes,
    load_lexicons,
)
from assistant.evals.suites.critique import DEFAULT_GROUPS

DATASETS = Path(__file__).parent.parent / "evals" / "datasets"


def _brute_force(entries: list[Entry], text: str) -> set[tuple[str, int]]:
    """Earliest non-empty match of every entry, trying every pattern everywhere."""
    found: dict[str, int] = {}
    for entry in entries:
        for pos in range(len(text)):
            if any((m := p.match(text, pos)) and m.end() > m.start() for p in entry.patterns):
                found[entry.id] = pos
                break
    return set(found.items())


def _texts() -> list[str]:
    lines = (DATASETS / "critique.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines[::6]]


@pytest.mark.parametrize("name", ["personality", "bias"])
def test_index_finds_what_brute_force_finds(name: str) -> None:
    index: EntryIndex = getattr(load_lexicons(), name)
    if name == "personality":
        assert index._guards, "the person-subject prefix should be guarded"
    for text in _texts():
        # The index reports the first match per entry in scan order; compare entry and
        # start, the part every rule downstream relies on.
        got = {(e.id, h.start) for e, h in index.find(text)}
        assert got == _brute_force(index.entries, text), text


# Mixed scripts, mid-word hits, apostrophes and names: the positions the index skips.
_TRICKY = [
    "他很lazy，她是个很 organised 的人，也是个team player。",
    "Sam's very curt; she's a know-it-all and a bit of a diva, but 小王很靠谱。",
    "Unkindness isn't the issue: the uncooperative vendor's API was flaky.",
    "老同志做事踏实，年轻人有冲劲，女孩子心细。She is vain-glorious? No: vain.",
    "I find him standoffish, and he is known for being hot-headed (3 May).",
    # A pattern that opens with a repeat ("[a-z]+ by nature"): keyed by its first letter only.
    "Lena is meticulous by nature; 你是个很 hands-on、很有 passion 的人。",
]


@pytest.mark.parametrize("name", ["personality", "bias"])
def test_index_skipping_positions_finds_what_brute_force_finds(name: str) -> None:
    index: EntryIndex = getattr(load_lexicons(), name)
    for text in _TRICKY:
        got = {(e.id, h.start) for e, h in index.find(text)}
        assert got == _brute_force(index.entries, text), text


def test_compile_with_tree_equals_re_compile() -> None:
    """The loader parses each pattern once and keeps the tree; the compiled pattern must be
    exactly what re.compile gives."""
    import yaml

    sources = []
    for name in ("personality.yaml", "bias.yaml"):
        with (LEXICON_DIR / name).open(encoding="utf-8") as fh:
            sources += [p for e in yaml.safe_load(fh) for p in e["patterns"]]
    with (LEXICON_DIR / "traits.yaml").open(encoding="utf-8") as fh:
        sources += [p for e in expand_trait_classes(yaml.safe_load(fh)) for p in e["patterns"]]
    assert len(sources) > 1000
    for source in sources[::7]:
        pattern, tree = compile_with_tree(source)
        assert pattern == re.compile(source, _FLAGS), source[:80]
        assert tree is not None


@pytest.mark.parametrize(
    ("source", "items"),
    [
        (r"\bfoo(bar)?\b", [r"\b", "f", "o", "o", "(bar)?", r"\b"]),
        (r"(?:a|b)+?[x\]y]{2,3}c", ["(?:a|b)+?", r"[x\]y]{2,3}", "c"]),
        ("a|b", []),
        (r"(a(b)c)\s+", ["(a(b)c)", r"\s+"]),
    ],
)
def test_top_level_items(source: str, items: list[str]) -> None:
    assert _top_level_items(source) == items
    if items:
        assert re.compile("".join(items)).pattern == source


def _dev_texts() -> list[str]:
    """Every development draft, each sentence, and each comma-separated piece (clauses
    start mid-sentence, where the keyed scan's ``^`` handling matters)."""
    texts: list[str] = []
    for path in DEFAULT_GROUPS["dev"]:
        lines = path.read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)["text"] for line in lines if line.strip()]
    texts += [part.strip() for t in list(texts) for part in re.split(r"[。！？.!?\n]", t)
              if part.strip()]
    texts += [part.strip() for t in list(texts) for part in re.split(r"[,，;；]", t)
              if part.strip()]
    return list(dict.fromkeys(texts + _TRICKY))


def test_cue_hits_are_those_of_the_plain_union() -> None:
    """Cue scans run keyed by first character on ASCII-lowered text (one scan for every
    script); the hits must be exactly those of the plain case-insensitive union of the
    cue's patterns, on every development text."""
    import yaml

    with (LEXICON_DIR / "cues.yaml").open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    cues = load_lexicons().cues
    texts = _dev_texts()
    for name, by_lang in raw.items():
        patterns = [p for lang in ("en", "zh") for p in by_lang.get(lang) or []]
        plain = re.compile("|".join(f"(?:{p})" for p in patterns), _FLAGS)
        for text in texts:
            expected = [(m.start(), m.group()) for m in plain.finditer(text) if m.end() > m.start()]
            cues._memo.clear()
            assert [(h.start, h.text) for h in cues.hits(name, text)] == expected, (name, text)


def test_every_cue_is_scanned_keyed() -> None:
    """A cue pattern the dispatch cannot key makes its whole cue fall back to the slow
    union (several times slower): keep every cue keyed."""
    cues = load_lexicons().cues
    slow = sorted({name for (name, _), scan in cues._scans.items()
                   if not isinstance(scan, _Dispatch)})
    assert slow == []


@pytest.mark.parametrize(
    ("patterns", "texts"),
    [
        # ^ alternatives and keyed ones that match at the start too: the union's order wins.
        ([r"\bareas? for growth\b", r"^\s*[-*]?\s*areas? for growth\s*:"],
         ["Areas for growth: speed", " - areas for growth:", "no areas for growth"]),
        ([r"^\s*(strengths?|wins)\s*:", r"\bstrengths?\b"],
         ["Strengths: a", "strength", "x wins:"]),
        # \b before word and non-word characters, lookbehinds moved past the first character.
        ([r"\b(can|could) (\w+ ){0,2}(be|get) better\b", r"\b-\d+", r"(?<!搜索)推荐(?!系统)"],
         ["it could really be better", "a-12 b -3", "推荐系统 搜索推荐 请推荐一本书",
          "Can be better"]),
        # Optional leading groups, repeats, small classes, case.
        ([r"(still )?needs? to\b", r"\d+(\.\d+)?\s*%", r"[-•*]\s*next\b", r"(^|[，,])\s*以后"],
         ["Still needs to. NEEDS TO", "grew 12.5 % and 3%", "• Next step", "以后，以后再说,以后"]),
        ([r"\b(ab|A|ac)\b", r"\bq[1-4]\b"], ["AC ab a Q3 q5"]),
        # ^ with leading whitespace (newlines included), lazy and bounded optional repeats.
        ([r"\bgrowth\b", r"^\s*(areas? for )?growth\s*:", r"^\s*?x{0,2}y", r"\d{0,3}%"],
         ["\n  Growth: a", "growth: b", "xxy", " xy", "y growth", "12% and %"]),
    ],
)
def test_keyed_dispatch_matches_the_plain_union(patterns: list[str], texts: list[str]) -> None:
    source = _union_source(patterns)
    dispatch = compile_dispatch(source)
    assert dispatch is not None
    cues = CueSet({"cue": {"en": patterns}})
    plain = re.compile("|".join(f"(?:{p})" for p in patterns), _FLAGS)
    for text in texts:
        cues._memo.clear()
        assert [(h.start, h.end) for h in cues.hits("cue", text)] == \
            [m.span() for m in plain.finditer(text)], (patterns, text)


def test_case_folded_union_matches_on_lowered_text() -> None:
    cases = [(r"[A-Z]+ x", "ABC X abc x"), (r"[^a-c]d", "Cd Xd"), (r"\bFoo\b", "FOO foo")]
    for source, text in cases:
        folded = compile_folded(source)
        assert folded is not None
        assert [m.span() for m in folded.finditer(ascii_lower(text))] == \
            [m.span() for m in re.finditer(source, text, _FLAGS)]
    assert compile_folded(r"(?-i:A)b") is None  # a local case flag cannot be folded
    assert ascii_lower("ÀB İx") == "Àb İx"  # only ASCII capitals; lengths unchanged


def test_hoisted_word_boundary_union_finds_the_same() -> None:
    """Cue unions hoist a shared leading \\b and are compiled factored; the hits must be
    those of the plain union."""
    import yaml

    with (LEXICON_DIR / "cues.yaml").open(encoding="utf-8") as fh:
        cues = yaml.safe_load(fh)
    texts = _texts() + _TRICKY
    for name, by_lang in cues.items():
        patterns = [p for lang in ("en", "zh") for p in by_lang.get(lang) or []]
        plain = re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)", _FLAGS)
        hoisted = compile_factored(_union_source(patterns))
        for text in texts:
            assert [m.span() for m in plain.finditer(text)] == \
                [m.span() for m in hoisted.finditer(text)], (name, text)


def test_factored_alternation_keeps_order_and_case() -> None:
    """Factoring regroups literal-first alternatives; order and case folding must hold."""
    cases = [
        (r"ab|A|ac", ["ac", "AC", "ab"]),  # 'A' and 'a' fold together: left in order
        (r"\b(attend|add|ask|a)\b", ["add it", "ask", "a", "attendance", "ADD"]),
        (r"(?-i:Ab|ab|aB)", ["ab", "Ab", "aB", "AB"]),
        (r"x(yz|y|yzz)", ["xyzz", "xy", "xyz"]),
    ]
    for source, texts in cases:
        plain, factored = re.compile(source, _FLAGS), compile_factored(source)
        for text in texts:
            assert [m.span() for m in plain.finditer(text)] == \
                [m.span() for m in factored.finditer(text)], (source, text)
