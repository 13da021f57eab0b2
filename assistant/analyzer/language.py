"""Language detection (en / zh / mixed) and sentence segmentation with character spans."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import opencc

Language = Literal["en", "zh", "mixed"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")

# Sentence ends: Chinese full stops end a sentence at once; Latin ones need a following
# space/quote/end so "3.5" and "e.g." do not split. Newlines always end a sentence.
_SENT_END = re.compile(
    r"[。！？；!?]+[”’\"')）]*"
    r"|\.(?=[\s\"'”’)）]|$)[\"'”’)）]*"
    r"|;(?=\s)"
    r"|\n+"
)
_ABBREV_END = re.compile(r"\b(?:e\.g|i\.e|etc|vs|[Mm]rs?|[Mm]s|[Dd]r|[Ss]t|[Nn]o|approx|[A-Z])$")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of the draft with its character span (``text == draft[start:end]``)."""

    text: str
    start: int
    end: int
    language: Literal["en", "zh"]


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """``text`` in Simplified Chinese, character for character (spans stay valid).

    The lexicons are written in Simplified Chinese; drafts from Hong Kong and Taiwan are
    written in Traditional ("女強人", "執行力"). OpenCC converts by phrase; on the rare
    phrase whose conversion changes length, each character is converted on its own so
    that every position still lines up with the draft.
    """
    if _CJK.search(text) is None:
        return text
    text = _CANTONESE_HAI.sub("是", text)
    out: str = _t2s().convert(text)
    if len(out) != len(text):
        chars: list[str] = [_t2s().convert(ch) for ch in text]
        out = "".join(c if len(c) == 1 else ch for c, ch in zip(chars, text, strict=True))
    return out.translate(_CANTONESE)


# Written Cantonese (Hong Kong drafts: "佢唔太想同人 work together") uses its own function
# words; the unambiguous ones map one-for-one to their Mandarin equivalents so that the
# lexicons' "不", "他", "了", "在" patterns apply. 係 is 是 except inside 關係 and the like.
_CANTONESE = str.maketrans({
    "嘅": "的", "佢": "他", "唔": "不", "冇": "没", "咗": "了", "喺": "在", "啲": "些",
    "嚟": "来", "嗰": "那", "𠮶": "那", "哋": "们", "嘢": "事", "睇": "看", "畀": "给",
    "俾": "给", "搵": "找", "揾": "找", "諗": "想", "谂": "想", "攞": "拿", "咁": "这",
    "乜": "什",
})
_CANTONESE_HAI = re.compile(r"(?<![關关聯联體体干幹派維维連连])係")


def detect_language(text: str) -> Language:
    """Classify a draft as English, Chinese or mixed.

    Counts CJK characters against Latin words (one English word weighs about as much as
    two Chinese characters). A minority language above 15 % of the draft makes it mixed;
    short English terms inside Chinese prose ("KPI", "OKR") do not.
    """
    cjk = len(_CJK.findall(text))
    words = _LATIN_WORD.findall(text)
    # Acronyms and product names inside Chinese prose are not English prose.
    latin = sum(1 for w in words if not (w.isupper() and len(w) <= 5))
    zh_weight, en_weight = cjk / 2.0, float(latin)
    total = zh_weight + en_weight
    if total == 0:
        return "en"
    zh_share = zh_weight / total
    if zh_share >= 0.85:
        return "zh"
    if zh_share <= 0.15:
        return "en"
    # A Chinese draft with a few English phrases is still mostly Chinese prose.
    if cjk >= 6 and latin >= 4:
        return "mixed"
    return "zh" if zh_share > 0.5 else "en"


def sentence_language(text: str) -> Literal["en", "zh"]:
    """Language of one sentence: Chinese as soon as it carries a few CJK characters."""
    return "zh" if len(_CJK.findall(text)) >= 2 else "en"


def split_sentences(text: str) -> list[Sentence]:
    """Split a draft into sentences, keeping exact spans; works for mixed drafts."""
    sentences: list[Sentence] = []
    start = 0
    for match in _SENT_END.finditer(text):
        end = match.end()
        piece = text[start:match.start()]
        if match.group().startswith(".") and _ABBREV_END.search(piece):
            continue
        _append(sentences, text, start, end)
        start = end
    _append(sentences, text, start, len(text))
    return sentences


def _append(out: list[Sentence], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped or not re.search(r"\w", stripped):
        return
    lead = len(chunk) - len(chunk.lstrip())
    s = start + lead
    e = s + len(stripped)
    out.append(Sentence(text=text[s:e], start=s, end=e, language=sentence_language(stripped)))
