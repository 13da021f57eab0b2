"""Learned verdicts (the default, ``COACH_VERDICTS=learned``): the rules' signals plus the
draft's words, read by a small logistic regression trained on the team's labelled drafts.

Like the hybrid (``hybrid.py``), it decides the three draft-level judgements that hinge on
what a whole draft says: ``specific``, ``balanced`` and ``actionable``. Unlike the hybrid it
also reads the two defined by span findings, ``behavior_focused`` (no ``personality_label``)
and ``biased`` (a ``biased_language`` finding): per kind, a model says whether the draft has
one. Where it reads none, the rules' findings of that kind are cleared; where it reads one
the rules missed, a finding is placed on the clause piece that reads most like it (see
``core._learned_findings``). It needs no encoder: a draft costs the rules' time plus about
0.5 ms, so it keeps the analyzer inside its 2 ms budget.

Inputs, fixed by ``RECIPE``:

- the rules' analysis as numbers (``hybrid.rule_features``: verdicts, scores, finding
  counts, strengths, areas, steps, language, length);
- the words of the draft after ``hybrid.neutral_text`` (pronouns, titles, family roles and
  names made neutral, so the regression cannot learn them): Chinese runs as character 1-3
  grams, Latin words as words and word pairs, digits as one token; hashed (CRC-32) into
  ``DIM`` buckets, log-scaled counts, unit length.

``balanced`` has a second opinion, because a draft is balanced only when it has both sides
and one additive regression over a whole draft cannot see which side is missing. Two "side"
models, trained on annotators' labels of which side each unbalanced dev draft has
(``evals/datasets/critique_sides.jsonl``), each say whether the draft recognises a strength
or names an area to improve, twice over:

- over the whole draft (the features above);
- over its clauses, cut again at commas and colons (each piece's grams plus ten of the
  rules' flags for its clause), as a soft maximum: one clause that praises is enough.

The two readings of each side are averaged, and the log-odds that the draft has both sides,
times ``SIDE_WEIGHT``, are added to the balanced margin. Each finding kind of
``FINDING_KINDS`` has the same pair of models, trained on the writers' ``behavior_focused``
and ``biased`` labels; its pieces also carry whether a rules finding of that kind (or an
absolute or vague wording) lies in them.

The weights ship in ``ngram_weights.npz`` and are rebuilt with the hybrid's by
``python -m assistant.analyzer.train_hybrid`` (full-batch Adam from zero, a fixed number of
steps: no randomness). The same draft gets the same verdicts every time.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .hybrid import (
    HYBRID_LABELS,
    Decision,
    HybridUnavailable,
    neutral_text,
    read_weights,
    rule_features,
)
from .language import to_simplified

if TYPE_CHECKING:
    from .core import Analysis
    from .signals import Clause

RECIPE = "rules-v1+grams-zh123-en12-crc32-65536/neutral-v5+sides-v2+findings-v1"
"""Names the feature recipe; weights trained on another recipe are refused."""

DIM = 1 << 16
"""Hash buckets for the grams (the dev group holds about 170,000 distinct grams, so rare ones
share buckets)."""

WEIGHTS_PATH = Path(__file__).with_name("ngram_weights.npz")

SIDES = ("strength", "area")
"""The two sides of a balanced draft, each with a model over the draft and one over its
clauses."""
SIDE_WEIGHT = 2.0
"""How much the side models' log-odds of both sides add to the balanced margin (2 beat 0.5
and 1, grouped five-fold by set)."""
POOL_TEMPERATURE = 0.5
"""Softness of the maximum over clauses (0 would be the plain maximum)."""
FINDING_KINDS = ("personality_label", "biased_language")
"""The span findings the learned mode may add or clear (the verdicts ``behavior_focused``
and ``biased`` are defined by them), each with a model over the draft and one over its
clause pieces that says whether the draft has one."""
_OVERLAP_KINDS = (*FINDING_KINDS, "absolute_language", "vague_language")
CLAUSE_FLAGS = 14
"""The numbers a clause piece carries (``clause_features``): ten of the rules' flags for its
clause, then whether a rules finding of each of ``_OVERLAP_KINDS`` overlaps the piece."""
START_FLAG = {"strength": 0, "area": 2, "personality_label": 10, "biased_language": 11}
"""Each model over clause pieces starts from its own flag among them (the clause's strength,
its named area, a label or a coded word the rules found there; ``fit_pooled``)."""
_PIECE_END = re.compile(r"(?<=[，,；;：:])")

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN_OR_DIGITS = re.compile(r"[a-z']+|\d+")


def grams(text: str) -> list[str]:
    """The grams of ``text`` (already neutral): Chinese character 1-3 grams, Latin words
    and word pairs, every number as ``<num>``."""
    t = text.lower()
    out: list[str] = []
    for run in _CJK_RUN.findall(t):
        for k in (1, 2, 3):
            out.extend(run[i:i + k] for i in range(len(run) - k + 1))
    words = ["<num>" if w.isdigit() else w for w in _LATIN_OR_DIGITS.findall(t)]
    out.extend(words)
    out.extend(f"{a} {b}" for a, b in pairwise(words))
    return out


def gram_vector(text: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Bucket indices and values (log counts, unit length) of the grams of ``text`` (in
    Simplified script: the analyzer reads Traditional drafts converted)."""
    counts: dict[int, int] = {}
    for g in grams(neutral_text(to_simplified(text))):
        h = zlib.crc32(g.encode("utf-8")) % DIM
        counts[h] = counts.get(h, 0) + 1
    idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
    val = np.log1p(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
    norm = float(np.linalg.norm(val))
    return idx, (val / norm if norm else val)


@dataclass(frozen=True)
class SparseRows:
    """Rows of features as coordinates: grams in columns ``[0, DIM)``, the rules' features
    after them. Enough linear algebra for training and scoring without scipy."""

    rows: np.ndarray[Any, Any]
    cols: np.ndarray[Any, Any]
    vals: np.ndarray[Any, Any]
    n: int
    d: int

    def dot(self, w: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """``X @ w``."""
        return np.bincount(self.rows, weights=self.vals * w[self.cols], minlength=self.n)

    def tdot(self, r: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """``X.T @ r``."""
        return np.bincount(self.cols, weights=self.vals * r[self.rows], minlength=self.d)


def _stack(items: list[tuple[str, list[float]]]) -> SparseRows:
    """One row per ``(text, numbers)``: the text's grams, then the numbers."""
    rows, cols, vals = [], [], []
    n_dense = len(items[0][1]) if items else 0
    for i, (text, dense) in enumerate(items):
        idx, val = gram_vector(text)
        rows.append(np.full(len(idx) + n_dense, i, dtype=np.int64))
        cols.append(np.r_[idx, DIM + np.arange(n_dense)])
        vals.append(np.r_[val, np.asarray(dense, dtype=np.float64)])
    return SparseRows(np.concatenate(rows) if rows else np.zeros(0, np.int64),
                      np.concatenate(cols) if cols else np.zeros(0, np.int64),
                      np.concatenate(vals) if vals else np.zeros(0),
                      len(items), DIM + n_dense)


def features(analyses: list[Analysis]) -> SparseRows:
    """The feature rows of the rules' analyses of some drafts."""
    return _stack([(a.text, rule_features(a)) for a in analyses])


def _flags(c: Clause) -> list[float]:
    """The rules' ten flags of a clause that its pieces carry (``START_FLAG`` indexes them)."""
    return [float(c.strength), float(c.growth), float(c.growth_named), float(c.future),
            float(c.next_step), float(c.specific), min(len(c.exhortation), 2) / 2,
            min(len(c.vague), 2) / 2, float(c.impact), min(c.step_quality, 3) / 3]


@dataclass(frozen=True)
class Piece:
    """A clause piece: where it is in the draft, its text and its ``CLAUSE_FLAGS`` numbers."""

    start: int
    end: int
    text: str
    flags: list[float]


def pieces(a: Analysis) -> list[Piece]:
    """The rules' clauses of ``a`` cut again after commas and colons, in order; one empty
    piece when it has no clause."""
    spans = [(f.kind, f.start, f.end) for f in a.findings
             if f.kind in _OVERLAP_KINDS and f.start is not None and f.end is not None]
    out: list[Piece] = []
    for c in a.clauses:
        pos = c.start
        for p in _PIECE_END.split(c.text):
            start, pos = pos, pos + len(p)
            if p.strip():
                hits = [float(any(k == kind and s < pos and e > start for k, s, e in spans))
                        for kind in _OVERLAP_KINDS]
                out.append(Piece(start, pos, p, _flags(c) + hits))
    return out or [Piece(0, 0, "", [0.0] * CLAUSE_FLAGS)]


def clause_features(analyses: list[Analysis]) -> tuple[SparseRows, np.ndarray[Any, Any]]:
    """One row per clause piece (``pieces``): its grams, then its ``CLAUSE_FLAGS`` numbers;
    and the draft each row belongs to. Every draft gets at least one row, in order."""
    return _piece_rows([pieces(a) for a in analyses])


def _piece_rows(drafts: list[list[Piece]]) -> tuple[SparseRows, np.ndarray[Any, Any]]:
    items = [(p.text, p.flags) for ps in drafts for p in ps]
    doc = [i for i, ps in enumerate(drafts) for _ in ps]
    return _stack(items), np.asarray(doc, dtype=np.int64)


def pool(s: np.ndarray[Any, Any], doc: np.ndarray[Any, Any],
         tau: float = POOL_TEMPERATURE) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Soft maximum of the row scores ``s`` within each draft (rows grouped by ``doc``, in
    order), and each row's share of it (the gradient of the pooled score)."""
    starts = np.r_[0, np.flatnonzero(np.diff(doc)) + 1]
    top = np.maximum.reduceat(s, starts)
    e = np.exp((s - top[doc]) / tau)
    z = np.add.reduceat(e, starts)
    return top + tau * np.log(z), e / z[doc]


def both_sides(strength: np.ndarray[Any, Any], area: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Log-odds that a draft has both sides, from each side's margin."""
    p = np.clip(_sigmoid(strength) * _sigmoid(area), 1e-9, 1 - 1e-9)
    return np.asarray(np.log(p / (1 - p)))


def _sigmoid(t: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(1.0 / (1.0 + np.exp(-t)))


@dataclass(frozen=True)
class NgramModel:
    """One weight vector (grams, then the rules' features) and a bias per label, per side
    and per finding kind (``weights``), one per side and per finding kind over clause pieces
    (``clause_weights``: grams, then the piece's numbers), with the dev-set mean of the
    rules' features the weights were trained against."""

    weights: dict[str, np.ndarray[Any, np.dtype[np.float64]]]
    bias: dict[str, float]
    rule_mean: np.ndarray[Any, np.dtype[np.float64]]
    clause_weights: dict[str, np.ndarray[Any, np.dtype[np.float64]]]
    clause_bias: dict[str, float]

    def piece_scores(self, clauses: SparseRows, key: str) -> np.ndarray[Any, Any]:
        """The model over clause pieces for ``key``: one score per piece."""
        return clauses.dot(self.clause_weights[key]) + self.clause_bias[key]

    def margins(self, x: SparseRows, clauses: SparseRows,
                doc: np.ndarray[Any, Any]) -> dict[str, np.ndarray[Any, Any]]:
        """Decision values (> 0 means true) per label, the side models' view of
        ``balanced`` included, and per finding kind (> 0: the draft has one); a side or a
        finding kind is the mean of its model over the draft and its model over pieces."""
        out = {k: x.dot(w) + self.bias[k] for k, w in self.weights.items()}
        for k in (*SIDES, *FINDING_KINDS):
            out[k] = (out[k] + pool(self.piece_scores(clauses, k), doc)[0]) / 2
        out["balanced"] = out["balanced"] + SIDE_WEIGHT * both_sides(out.pop("strength"),
                                                                     out.pop("area"))
        return out

    def save(self, path: Path, **meta: str) -> None:
        """Write the weights (float32) with ``RECIPE`` and ``meta`` (provenance)."""
        arrays: dict[str, Any] = {"recipe": np.array(RECIPE), "rule_mean": self.rule_mean}
        for k, w in self.weights.items():
            arrays[f"w_{k}"] = w.astype(np.float32)
            arrays[f"b_{k}"] = np.array(self.bias[k])
        for k, w in self.clause_weights.items():
            arrays[f"cw_{k}"] = w.astype(np.float32)
            arrays[f"cb_{k}"] = np.array(self.clause_bias[k])
        arrays.update({f"meta_{k}": np.array(v) for k, v in meta.items()})
        np.savez_compressed(path, **arrays)


@lru_cache(maxsize=1)
def load_model(path: Path = WEIGHTS_PATH) -> NgramModel:
    """The shipped weights; :class:`HybridUnavailable` if missing or from another recipe."""
    z = read_weights(path, RECIPE)
    try:
        keys, pooled = (*HYBRID_LABELS, *SIDES, *FINDING_KINDS), (*SIDES, *FINDING_KINDS)
        return NgramModel({k: z[f"w_{k}"].astype(np.float64) for k in keys},
                          {k: float(z[f"b_{k}"]) for k in keys}, z["rule_mean"],
                          {k: z[f"cw_{k}"].astype(np.float64) for k in pooled},
                          {k: float(z[f"cb_{k}"]) for k in pooled})
    except KeyError as exc:
        raise HybridUnavailable(f"cannot read {path}: no {exc}") from exc


def _adam(x: SparseRows, w: np.ndarray[Any, Any], b: float,
          residual: Callable[[np.ndarray[Any, Any], float], np.ndarray[Any, Any]],
          l2: float, steps: int, lr: float) -> tuple[np.ndarray[Any, Any], float]:
    """Full-batch Adam from ``(w, b)`` on a loss whose gradient is ``X.T @ r`` (and
    ``sum(r)`` for the bias), ``r = residual(w, b)``, plus an L2 penalty on ``w``."""
    m, v = np.zeros(x.d), np.zeros(x.d)
    mb = vb = 0.0
    for t in range(1, steps + 1):
        r = residual(w, b)
        g, gb = x.tdot(r) + l2 * w, float(r.sum())
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        mb, vb = 0.9 * mb + 0.1 * gb, 0.999 * vb + 0.001 * gb * gb
        c1, c2 = 1 - 0.9 ** t, 1 - 0.999 ** t
        w -= lr * (m / c1) / (np.sqrt(v / c2) + 1e-8)
        b -= lr * (mb / c1) / (np.sqrt(vb / c2) + 1e-8)
    return w, b


def fit(x: SparseRows, y: np.ndarray[Any, Any], l2: float, steps: int,
        lr: float = 0.05) -> tuple[np.ndarray[Any, Any], float]:
    """Weights and bias of an L2 logistic regression by full-batch Adam from zero."""
    return _adam(x, np.zeros(x.d), 0.0, lambda w, b: (_sigmoid(x.dot(w) + b) - y) / x.n,
                 l2, steps, lr)


def fit_pooled(x: SparseRows, doc: np.ndarray[Any, Any], y: np.ndarray[Any, Any],
               start: int, l2: float, steps: int, lr: float = 0.05,
               tau: float = POOL_TEMPERATURE) -> tuple[np.ndarray[Any, Any], float]:
    """Weights and bias of a logistic regression on the soft maximum of row scores within
    each draft (``pool``), by full-batch Adam. Column ``start`` (the rules' own flag for the
    side or finding kind, ``START_FLAG``) starts at 2 and the bias at -1, so a draft starts
    positive where the rules found it."""
    n = int(doc[-1]) + 1 if len(doc) else 0

    def residual(w: np.ndarray[Any, Any], b: float) -> np.ndarray[Any, Any]:
        pooled, share = pool(x.dot(w) + b, doc, tau)
        return np.asarray(((_sigmoid(pooled) - y) / n)[doc] * share)

    w = np.zeros(x.d)
    w[start] = 2.0
    return _adam(x, w, -1.0, residual, l2, steps, lr)


def _stripped(p: Piece) -> tuple[int, int]:
    """Where the words of piece ``p`` are (its text without surrounding space)."""
    lead = len(p.text) - len(p.text.lstrip())
    return p.start + lead, p.start + len(p.text.rstrip())


def decide(analyses: list[Analysis]) -> list[Decision]:
    """The learned reading of each rules analysis."""
    if not analyses:
        return []
    model = load_model()
    drafts = [pieces(a) for a in analyses]
    clauses, doc = _piece_rows(drafts)
    m = model.margins(features(analyses), clauses, doc)
    top = {k: model.piece_scores(clauses, k) for k in FINDING_KINDS}
    starts = np.r_[0, np.cumsum([len(ps) for ps in drafts])]
    out = []
    for i, ps in enumerate(drafts):
        lo, hi = starts[i], starts[i + 1]
        best = {k: ps[int(np.argmax(top[k][lo:hi]))] for k in FINDING_KINDS}
        out.append(Decision({k: bool(m[k][i] > 0) for k in HYBRID_LABELS},
                            {k: bool(m[k][i] > 0) for k in FINDING_KINDS},
                            {k: _stripped(p) for k, p in best.items()}))
    return out
