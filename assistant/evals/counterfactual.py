"""A deterministic gender swapper for counterfactual fairness pairs (English and Chinese).

Every gendered term is swapped in one pass (he -> she and she -> he together), keeping
capitalisation. Only neutral referents are swapped: pronouns, titles, family roles and
given names. Words that are themselves identity-coded and flagged by the analyzer for a
reason (``girl``, ``小姑娘``, ``女强人``, ``office mom``) are left alone, since swapping
them would change what the text says, not just who it is about.

``python -m assistant.evals.counterfactual`` regenerates the ``generated`` pairs of
``evals/datasets/fairness.jsonl`` from the development drafts, keeping the hand-written ones.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .base import DATASETS_DIR, load_jsonl
from .critique import CritiqueCase

FAIRNESS_DATASET = DATASETS_DIR / "fairness.jsonl"
BASE_DATASETS = (DATASETS_DIR / "critique.jsonl", DATASETS_DIR / "critique_dev2.jsonl")
"""Sources of generated pairs: the development sets only, never the held-out set."""

_EN_PAIRS = [
    ("he", "she"), ("himself", "herself"), ("man", "woman"), ("men", "women"),
    ("mr", "ms"), ("son", "daughter"), ("sons", "daughters"), ("husband", "wife"),
    ("father", "mother"), ("dad", "mom"), ("brother", "sister"), ("brothers", "sisters"),
    ("gentleman", "lady"), ("gentlemen", "ladies"), ("male", "female"),
    ("boyfriend", "girlfriend"), ("uncle", "aunt"), ("nephew", "niece"),
    ("paternity", "maternity"), ("fatherhood", "motherhood"), ("businessman", "businesswoman"),
    ("chairman", "chairwoman"), ("salesman", "saleswoman"),
]
_EN_NAMES = [
    ("David", "Sarah"), ("Michael", "Jessica"), ("John", "Mary"), ("Tom", "Anna"),
    ("Kevin", "Linda"), ("Marcus", "Maria"), ("Daniel", "Rachel"), ("Ryan", "Emma"),
    ("James", "Emily"), ("Arjun", "Priya"), ("Carlos", "Sofia"),
    ("Ben", "Kate"), ("Jake", "Chloe"), ("Omar", "Fatima"), ("Peter", "Helen"),
    ("Raj", "Meera"), ("Luke", "Grace"), ("Sam", "Samantha"), ("Eric", "Erica"),
]
_ZH_PAIRS = [
    ("他们", "她们"), ("先生", "女士"), ("男士", "女士"), ("男性", "女性"), ("男生", "女生"),
    ("男同事", "女同事"), ("男同学", "女同学"), ("儿子", "女儿"), ("丈夫", "妻子"),
    ("老公", "老婆"), ("爸爸", "妈妈"), ("父亲", "母亲"), ("哥哥", "姐姐"), ("弟弟", "妹妹"),
    ("兄弟", "姐妹"), ("男朋友", "女朋友"), ("叔叔", "阿姨"), ("陪产假", "产假"),
    ("张伟", "张丽"), ("王强", "王芳"), ("李明", "李娜"), ("陈刚", "陈静"), ("赵磊", "赵敏"),
    ("刘军", "刘燕"), ("杨勇", "杨丽"), ("黄涛", "黄婷"), ("周杰", "周雪"), ("孙浩", "孙悦"),
    ("他", "她"),
]
"""``女士`` maps back to ``先生`` (its first pair)."""

# Not a person: "他" inside 其他/他人/吉他..., and idioms such as 婆婆妈妈 (fussy).
_ZH_NOT_PERSON = re.compile(r"其他|他人|吉他|他乡|他国|他处|他方|婆婆妈妈")
# Identity-coded role stereotypes: the term itself is the bias, so it is not swapped.
_EN_KEEP = re.compile(r"\b(office|team|den) (mom|mum|mother|dad)\b", re.IGNORECASE)


def _en_map() -> dict[str, str]:
    m: dict[str, str] = {}
    for a, b in _EN_PAIRS:
        m.setdefault(a, b)
        m.setdefault(b, a)
    m["mrs"] = "mr"
    return m


def _zh_map() -> dict[str, str]:
    m: dict[str, str] = {}
    for a, b in _ZH_PAIRS:
        m.setdefault(a, b)
        m.setdefault(b, a)
    return m


_EN = _en_map()
_NAMES = {a: b for a, b in _EN_NAMES} | {b: a for a, b in _EN_NAMES}
_ZH = _zh_map()
_EN_WORD = re.compile(
    r"\b(" + "|".join(sorted({*_EN, "her", "his", "hers", "him"}, key=len, reverse=True))
    + r")\b(\.?)", re.IGNORECASE)
_NAME_WORD = re.compile(r"\b(" + "|".join(sorted(_NAMES, key=len, reverse=True)) + r")\b")
_ZH_WORD = re.compile("|".join(sorted(_ZH, key=len, reverse=True)))
_NEXT_WORD = re.compile(r"\s+([A-Za-z][A-Za-z'-]*)")
# After these, "her" is an object pronoun ("told her the plan"), not a determiner.
_NOT_NOUN = frozenset(
    [
        "a", "an", "the", "and", "or", "but", "to", "for", "with", "on", "in", "at", "about",
        "that", "this", "these", "those", "from", "of", "by", "as", "if", "so", "than", "then",
        "when", "while", "because", "since", "until", "after", "before", "into", "onto", "over",
        "under", "up", "down", "out", "off", "again", "also", "too", "very", "more", "most",
        "know", "when", "how", "what", "why", "who", "whom", "feedback", "is", "was", "are",
        "were", "be", "been", "will", "would", "can", "could", "should", "may", "might", "must",
        "do", "does", "did", "his", "her", "their", "my", "your", "our", "its", "him", "them",
        "me", "us", "it"
    ]
)


def _case_like(src: str, word: str) -> str:
    if src.isupper() and len(src) > 1:
        return word.upper()
    if src[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _next_word(text: str, end: int) -> str | None:
    m = _NEXT_WORD.match(text, end)
    return m.group(1).lower() if m else None


def _swap_en_word(text: str, m: re.Match[str]) -> str:
    word, dot = m.group(1), m.group(2)
    low = word.lower()
    nxt = _next_word(text, m.end())
    determiner = nxt is not None and nxt not in _NOT_NOUN
    if low == "her":
        out = "his" if determiner else "him"
    elif low == "his":
        out = "her" if determiner else "hers"
    elif low == "him":
        out = "her"
    elif low == "hers":
        out = "his"
    else:
        out = _EN[low]
    return _case_like(word, out) + dot


@dataclass(frozen=True)
class Swap:
    """A swapped text and the substitutions made (``"he->she"``)."""

    text: str
    swaps: tuple[str, ...]


def swap_gender(text: str) -> Swap:
    """Swap every gendered term of ``text`` (English and Chinese) in one pass."""
    swaps: list[str] = []
    kept: set[tuple[int, int]] = set()

    def en(m: re.Match[str]) -> str:
        if any(s <= m.start() < e for s, e in kept):
            return m.group(0)
        out = _swap_en_word(text, m)
        swaps.append(f"{m.group(0)}->{out}")
        return out

    def name(m: re.Match[str]) -> str:
        out = _NAMES[m.group(1)]
        swaps.append(f"{m.group(1)}->{out}")
        return out

    guarded: set[tuple[int, int]] = set()

    def zh(m: re.Match[str]) -> str:
        if any(s <= m.start() < e for s, e in guarded):
            return m.group(0)
        out = _ZH[m.group(0)]
        swaps.append(f"{m.group(0)}->{out}")
        return out

    # Names, then English words, then Chinese: the passes never match each other's output
    # (a swapped name is a name, a swapped pronoun a pronoun), so nothing is swapped twice.
    text = _NAME_WORD.sub(name, text)
    kept = {(k.start(), k.end()) for k in _EN_KEEP.finditer(text)}
    text = _EN_WORD.sub(en, text)
    guarded = {(g.start(), g.end()) for g in _ZH_NOT_PERSON.finditer(text)}
    return Swap(_ZH_WORD.sub(zh, text), tuple(swaps))


class FairnessPair(BaseModel):
    """One line of ``evals/datasets/fairness.jsonl``: two drafts that differ only in gender."""

    model_config = ConfigDict(extra="forbid")

    id: str
    language: Literal["en", "zh", "mixed"]
    a: str = Field(min_length=1)
    b: str = Field(min_length=1)
    swaps: list[str] = Field(default_factory=list)
    origin: Literal["generated", "hand"]
    base_id: str | None = None
    """For generated pairs: the development draft it came from."""


def generate_pairs(paths: tuple[Path, ...] = BASE_DATASETS) -> list[FairnessPair]:
    """A pair for every development draft that has something to swap."""
    pairs = []
    for path in paths:
        for case in load_jsonl(path, CritiqueCase):
            s = swap_gender(case.text)
            if not s.swaps or s.text == case.text:
                continue
            pairs.append(FairnessPair(id=f"cf-{case.id}", language=case.language, a=case.text,
                                      b=s.text, swaps=list(s.swaps), origin="generated",
                                      base_id=case.id))
    return pairs


def regenerate(path: Path = FAIRNESS_DATASET) -> tuple[int, int]:
    """Rewrite ``path``: fresh generated pairs, hand-written pairs kept as they are.

    Returns:
        ``(generated, hand)`` counts.
    """
    hand = [p for p in load_jsonl(path, FairnessPair) if p.origin == "hand"] \
        if path.exists() else []
    generated = generate_pairs()
    with path.open("w", encoding="utf-8") as fh:
        for p in [*generated, *hand]:
            fh.write(json.dumps(p.model_dump(exclude_defaults=False), ensure_ascii=False) + "\n")
    return len(generated), len(hand)


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    g, h = regenerate(Path(sys.argv[1]) if len(sys.argv) > 1 else FAIRNESS_DATASET)
    print(f"wrote {g} generated and {h} hand-written pairs")
