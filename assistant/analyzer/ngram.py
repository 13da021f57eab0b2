"""Learned verdicts (the default, ``COACH_VERDICTS=learned``): the rules' signals plus the
draft's words, read by a small logistic regression trained on the team's labelled drafts.

Like the hybrid (``hybrid.py``), it decides only the three draft-level judgements that hinge
on what a whole draft says: ``specific``, ``balanced`` and ``actionable``;
``behavior_focused`` and ``biased`` stay the rules' own (they are defined by findings with
spans). Unlike the hybrid it needs no encoder: a draft costs the rules' time plus about
0.1 ms, so it keeps the analyzer inside its 2 ms budget.

Inputs, fixed by ``RECIPE``:

- the rules' analysis as numbers (``hybrid.rule_features``: verdicts, scores, finding
  counts, strengths, areas, steps, language, length);
- the words of the draft after ``hybrid.neutral_text`` (pronouns, titles, family roles and
  names made neutral, so the regression cannot learn them): Chinese runs as character 1-3
  grams, Latin words as words and word pairs, digits as one token; hashed (CRC-32) into
  ``DIM`` buckets, log-scaled counts, unit length.

The weights ship in ``ngram_weights.npz`` and are rebuilt with the hybrid's by
``python -m assistant.analyzer.train_hybrid`` (full-batch Adam from zero, a fixed number of
steps: no randomness). The same draft gets the same verdicts every time.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .hybrid import (
    HYBRID_LABELS,
    HybridUnavailable,
    neutral_text,
    read_weights,
    rule_features,
)
from .language import to_simplified

if TYPE_CHECKING:
    from .core import Analysis

RECIPE = "rules-v1+grams-zh123-en12-crc32-65536/neutral-v5"
"""Names the feature recipe; weights trained on another recipe are refused."""

DIM = 1 << 16
"""Hash buckets for the grams (the dev group holds about 170,000 distinct grams, so rare ones
share buckets)."""

WEIGHTS_PATH = Path(__file__).with_name("ngram_weights.npz")

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


def features(analyses: list[Analysis]) -> SparseRows:
    """The feature rows of the rules' analyses of some drafts."""
    rows, cols, vals = [], [], []
    n_rules = 0
    for i, a in enumerate(analyses):
        idx, val = gram_vector(a.text)
        dense = np.asarray(rule_features(a), dtype=np.float64)
        n_rules = len(dense)
        rows.append(np.full(len(idx) + len(dense), i, dtype=np.int64))
        cols.append(np.r_[idx, DIM + np.arange(len(dense))])
        vals.append(np.r_[val, dense])
    return SparseRows(np.concatenate(rows) if rows else np.zeros(0, np.int64),
                      np.concatenate(cols) if cols else np.zeros(0, np.int64),
                      np.concatenate(vals) if vals else np.zeros(0),
                      len(analyses), DIM + n_rules)


@dataclass(frozen=True)
class NgramModel:
    """One weight vector (grams, then the rules' features) and a bias per label, with the
    dev-set mean of the rules' features the weights were trained against."""

    weights: dict[str, np.ndarray[Any, np.dtype[np.float64]]]
    bias: dict[str, float]
    rule_mean: np.ndarray[Any, np.dtype[np.float64]]

    def margins(self, x: SparseRows) -> dict[str, np.ndarray[Any, Any]]:
        """Decision values per label (> 0 means true)."""
        return {k: x.dot(w) + self.bias[k] for k, w in self.weights.items()}

    def save(self, path: Path, **meta: str) -> None:
        """Write the weights (float32) with ``RECIPE`` and ``meta`` (provenance)."""
        arrays: dict[str, Any] = {"recipe": np.array(RECIPE), "rule_mean": self.rule_mean}
        for k, w in self.weights.items():
            arrays[f"w_{k}"] = w.astype(np.float32)
            arrays[f"b_{k}"] = np.array(self.bias[k])
        arrays.update({f"meta_{k}": np.array(v) for k, v in meta.items()})
        np.savez_compressed(path, **arrays)


@lru_cache(maxsize=1)
def load_model(path: Path = WEIGHTS_PATH) -> NgramModel:
    """The shipped weights; :class:`HybridUnavailable` if missing or from another recipe."""
    z = read_weights(path, RECIPE)
    try:
        return NgramModel({k: z[f"w_{k}"].astype(np.float64) for k in HYBRID_LABELS},
                          {k: float(z[f"b_{k}"]) for k in HYBRID_LABELS}, z["rule_mean"])
    except KeyError as exc:
        raise HybridUnavailable(f"cannot read {path}: no {exc}") from exc


def fit(x: SparseRows, y: np.ndarray[Any, Any], l2: float, steps: int,
        lr: float = 0.05) -> tuple[np.ndarray[Any, Any], float]:
    """Weights and bias of an L2 logistic regression by full-batch Adam from zero."""
    w = np.zeros(x.d)
    m, v = np.zeros(x.d), np.zeros(x.d)
    b = mb = vb = 0.0
    for t in range(1, steps + 1):
        r = (1.0 / (1.0 + np.exp(-(x.dot(w) + b))) - y) / x.n
        g, gb = x.tdot(r) + l2 * w, float(r.sum())
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        mb, vb = 0.9 * mb + 0.1 * gb, 0.999 * vb + 0.001 * gb * gb
        c1, c2 = 1 - 0.9 ** t, 1 - 0.999 ** t
        w -= lr * (m / c1) / (np.sqrt(v / c2) + 1e-8)
        b -= lr * (mb / c1) / (np.sqrt(vb / c2) + 1e-8)
    return w, b


def decide(analyses: list[Analysis]) -> list[dict[str, bool]]:
    """Learned ``specific``/``balanced``/``actionable`` for each rules analysis."""
    if not analyses:
        return []
    m = load_model().margins(features(analyses))
    return [{k: bool(m[k][i] > 0) for k in HYBRID_LABELS} for i in range(len(analyses))]
