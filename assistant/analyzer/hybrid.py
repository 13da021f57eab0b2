"""Hybrid verdicts (opt-in, ``COACH_VERDICTS=hybrid``): the rules' signals plus sentence
embeddings, read by a small logistic regression trained on the team's labelled drafts.

Only the three draft-level judgements that hinge on what a whole draft says are decided
here: ``specific``, ``balanced`` and ``actionable``. ``behavior_focused`` and ``biased`` stay
the rules' own, because they are defined by findings with spans (a label, a coded word).

Inputs, fixed by ``RECIPE``:

- the rules' analysis: the five verdicts, the three scores, capped counts of each finding
  kind, strengths, named growth areas, steps, plans, language and length;
- the multilingual Universal Sentence Encoder (the same one the guidance store uses) over
  the whole draft, plus the element-wise max and mean over its sentences, so one sentence
  that is a step or an example can carry the draft.

Before embedding, gendered pronouns, titles and family roles are made neutral (he/she ->
they, mother/father -> parent, 他/她 -> TA, 妈妈/爸爸 -> 家长, 男生/女生 -> 学生) and every
Latin-script name the fact check finds becomes "Sam", so the regression cannot learn them
(the fairness suite checks that swapped pairs get the same verdicts).

The weights ship in ``hybrid_weights.npz`` and are rebuilt by
``python -m assistant.analyzer.train_hybrid`` from ``evals/datasets`` (a deterministic
Newton solve, no randomness). The same draft gets the same verdicts every time. A draft
costs the rules' ~2 ms plus ~5-10 ms of embedding, and the encoder (~150 MB) loads once per
process.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..factcheck import _MONTHS, _WEEKDAYS, _known_words, proper_nouns

if TYPE_CHECKING:
    from .core import Analysis

RECIPE = "rules-v1+usem3-text-max-mean/neutral-v5"
"""Names the feature recipe; weights trained on another recipe are refused."""

WEIGHTS_PATH = Path(__file__).with_name("hybrid_weights.npz")
HYBRID_LABELS = ("specific", "balanced", "actionable")
RULE_LABELS = ("specific", "balanced", "actionable", "behavior_focused")
"""The rules' verdicts, the first features (``rule_features``)."""
_KINDS = ("vague_language", "personality_label", "biased_language", "absolute_language",
          "missing_example", "missing_impact", "missing_next_step", "one_sided",
          "embedded_instruction")

_EN_NEUTRAL = {
    "he": "they", "she": "they", "him": "them", "his": "their", "her": "their",
    "hers": "theirs", "himself": "themself", "herself": "themself",
    "mr": "M", "mrs": "M", "ms": "M", "miss": "M",
    "man": "person", "woman": "person", "men": "people", "women": "people",
    "guy": "person", "gal": "person", "lady": "person", "gentleman": "person",
    "father": "parent", "mother": "parent", "dad": "parent", "mom": "parent",
    "mum": "parent", "son": "child", "daughter": "child", "sons": "children",
    "daughters": "children", "husband": "spouse", "wife": "spouse", "brother": "sibling",
    "sister": "sibling", "boyfriend": "partner", "girlfriend": "partner",
    "paternity": "parental", "maternity": "parental",
}
_EN_GENDERED = re.compile(r"\b(" + "|".join(sorted(_EN_NEUTRAL, key=len, reverse=True))
                          + r")\b", re.IGNORECASE)
_ZH_NEUTRAL = {
    "爸爸": "家长", "妈妈": "家长", "父亲": "家长", "母亲": "家长", "丈夫": "配偶",
    "妻子": "配偶", "老公": "配偶", "老婆": "配偶", "儿子": "孩子", "女儿": "孩子",
    "男同事": "同事", "女同事": "同事", "先生": "同事", "女士": "同事", "男性": "人",
    "女性": "人", "陪产假": "育儿假", "产假": "育儿假",
    "男生": "学生", "女生": "学生", "男孩子": "孩子", "女孩子": "孩子", "男孩": "孩子",
    "女孩": "孩子", "男的": "人", "女的": "人", "男人": "人", "女人": "人", "男同志": "同志",
    "女同志": "同志", "小伙子": "年轻人", "小姑娘": "年轻人",
}
_ZH_GENDERED = re.compile("|".join(sorted(_ZH_NEUTRAL, key=len, reverse=True))
                          + r"|(?<!其)[他她](?!人|乡|国|处|方)")


@dataclass(frozen=True)
class Decision:
    """A learned mode's reading of one draft: ``verdicts`` (``specific``, ``balanced``,
    ``actionable``) and, for each span-finding kind it reads (the learned mode:
    ``personality_label``, ``biased_language``), whether the draft has one (``present``) and
    the clause piece that reads most like one (``where``: start, end). A kind it does not
    read keeps the rules' findings."""

    verdicts: dict[str, bool]
    present: dict[str, bool] = field(default_factory=dict)
    where: dict[str, tuple[int, int]] = field(default_factory=dict)


class HybridUnavailable(RuntimeError):
    """The weights are missing or were trained on another feature recipe."""


def _person_names(text: str) -> list[str]:
    """Capitalised Latin words of ``text`` that look like names (not months, weekdays or
    ordinary words opening a sentence), as the fact check finds them."""
    found = proper_nouns(text)
    out = []
    for w in found:
        opens_sentence = w.startswith("?")
        w = w.removeprefix("?")
        if not (w.isascii() and w.isalpha() and len(w) >= 3) or w in _MONTHS_AND_DAYS:
            continue
        if opens_sentence and w in _known_words():
            continue  # "Missed 6 stand-ups": an ordinary word opening a sentence
        out.append(w)
    return sorted(out, key=len, reverse=True)


_MONTHS_AND_DAYS = frozenset(
    [*_MONTHS, *_WEEKDAYS, *"mon tue tues wed thu thur thurs fri sat sun".split()])


# "her" as an object: followed by a preposition, a conjunction, an article or punctuation.
_HER_OBJECT = re.compile(
    r"\s*($|[.,;:!?)\]—–-]|(to|and|or|but|for|with|on|in|at|about|up|out|off|back|as|over|"
    r"through|into|from|by|that|the|a|an|this|when|if|so|know|again|too|more|less|forward|down|"
    r"ahead|across|onto|forth|aside|away|together|around|along)\b)",
    re.IGNORECASE)


def neutral_text(text: str) -> str:
    """``text`` with gendered pronouns and titles made neutral and Latin-script names
    replaced by one name, for the embedding only (a name must not move a verdict)."""
    def en(m: re.Match[str]) -> str:
        out = _EN_NEUTRAL[m.group(0).lower()]
        if m.group(0).lower() == "her" and _HER_OBJECT.match(text, m.end()):
            out = "them"  # "I'd like her to ...", "thanked her." (object, not possessive)
        return out.capitalize() if m.group(0)[0].isupper() else out

    names = _person_names(text)
    if names:
        text = re.sub(r"\b(" + "|".join(map(re.escape, names)) + r")\b", "Sam", text,
                      flags=re.IGNORECASE)
    text = _EN_GENDERED.sub(en, text)
    return _ZH_GENDERED.sub(lambda m: _ZH_NEUTRAL.get(m.group(0), "TA"), text)


def rule_features(a: Analysis) -> list[float]:
    """The rules' view of a draft as numbers in [0, 1]."""
    v = a.verdicts.model_dump()
    kinds: Counter[str] = Counter(f.kind for f in a.findings)
    out = [float(v[k]) for k in RULE_LABELS] + [float(a.biased)]
    out += [a.scores.specificity / 100, a.scores.balance / 100, a.scores.actionability / 100]
    out += [min(kinds[k], 3) / 3 for k in _KINDS]
    out += [min(len(a.strengths), 3) / 3, min(len(a.growth_areas), 3) / 3,
            float(any(c.next_step for c in a.clauses)), float(any(c.future for c in a.clauses)),
            float(a.language == "en"), float(a.language == "zh"),
            min(len(a.text), 1500) / 1500]
    return out


def embedding_features(analyses: list[Analysis]) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Whole-draft vector, then max and mean over sentence vectors: ``(n, 1536)``.

    All drafts' texts and sentences go to the encoder in one call (it batches by tokens).
    """
    from ..knowledge.embeddings import DIMENSION, encode

    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for a in analyses:
        sents = [s.text for s in a.sentences if s.text.strip()] or [a.text]
        start = len(texts)
        texts.append(neutral_text(a.text))
        texts.extend(neutral_text(s) for s in sents)
        spans.append((start, len(texts)))
    vecs = encode(texts)
    out = np.empty((len(analyses), 3 * DIMENSION), dtype=np.float32)
    for i, (s, e) in enumerate(spans):
        sent = vecs[s + 1:e]
        out[i] = np.concatenate([vecs[s], sent.max(0), sent.mean(0)])
    return out


def features(analyses: list[Analysis]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The full feature matrix for the rules' analyses of some drafts."""
    rules = np.array([rule_features(a) for a in analyses], dtype=np.float64)
    return np.concatenate([rules, embedding_features(analyses).astype(np.float64)], axis=1)


@dataclass(frozen=True)
class HybridModel:
    """Standardisation and one weight vector (bias last) per label."""

    mean: np.ndarray[Any, np.dtype[np.float64]]
    scale: np.ndarray[Any, np.dtype[np.float64]]
    weights: dict[str, np.ndarray[Any, np.dtype[np.float64]]]

    def margins(self, x: np.ndarray[Any, np.dtype[np.float64]]) -> dict[str, np.ndarray[Any, Any]]:
        """Decision values per label for rows of ``x`` (> 0 means true)."""
        z = (x - self.mean) / self.scale
        return {k: z @ w[:-1] + w[-1] for k, w in self.weights.items()}

    def save(self, path: Path, **meta: str) -> None:
        """Write the weights with ``RECIPE`` and ``meta`` (provenance) beside them."""
        arrays: dict[str, Any] = {"recipe": np.array(RECIPE), "mean": self.mean,
                                  "scale": self.scale}
        arrays.update({f"w_{k}": w for k, w in self.weights.items()})
        arrays.update({f"meta_{k}": np.array(v) for k, v in meta.items()})
        np.savez_compressed(path, **arrays)


def read_weights(path: Path, recipe: str) -> dict[str, np.ndarray[Any, Any]]:
    """The arrays of a weights file trained on ``recipe``; :class:`HybridUnavailable` if it
    is missing, unreadable or from another recipe."""
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = dict(z)
    except (OSError, ValueError) as exc:
        raise HybridUnavailable(f"cannot read {path}: {exc}") from exc
    if str(arrays.get("recipe")) != recipe:
        raise HybridUnavailable(
            f"{path.name} was trained on recipe {arrays.get('recipe')}, not {recipe}: "
            "retrain with python -m assistant.analyzer.train_hybrid")
    return arrays


@lru_cache(maxsize=1)
def load_model(path: Path = WEIGHTS_PATH) -> HybridModel:
    """The shipped weights; :class:`HybridUnavailable` if missing or from another recipe."""
    z = read_weights(path, RECIPE)
    try:
        return HybridModel(z["mean"], z["scale"], {k: z[f"w_{k}"] for k in HYBRID_LABELS})
    except KeyError as exc:
        raise HybridUnavailable(f"cannot read {path}: no {exc}") from exc


def decide(analyses: list[Analysis]) -> list[Decision]:
    """Hybrid ``specific``/``balanced``/``actionable`` for each rules analysis (the span
    findings stay the rules')."""
    if not analyses:
        return []
    m = load_model().margins(features(analyses))
    return [Decision({k: bool(m[k][i] > 0) for k in HYBRID_LABELS})
            for i in range(len(analyses))]
