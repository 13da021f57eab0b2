"""Small typed scorers: each takes plain values and returns a number or a small record.

They know nothing about suites or files, so they are tested with hand-computed values.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


def _nan_if_empty(num: float, den: float) -> float:
    return num / den if den else float("nan")


@dataclass(frozen=True)
class Confusion:
    """A binary confusion matrix (the positive class is ``True``)."""

    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0

    @classmethod
    def of(cls, pairs: Iterable[tuple[bool, bool]]) -> Confusion:
        """Count ``(gold, predicted)`` pairs."""
        tp = fp = tn = fn = 0
        for gold, pred in pairs:
            if gold and pred:
                tp += 1
            elif pred:
                fp += 1
            elif gold:
                fn += 1
            else:
                tn += 1
        return cls(tp, fp, tn, fn)

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def accuracy(self) -> float:
        return _nan_if_empty(self.tp + self.tn, self.n)

    @property
    def precision(self) -> float:
        return _nan_if_empty(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return _nan_if_empty(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        return _nan_if_empty(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    def as_dict(self) -> dict[str, int]:
        """``{"tp", "fp", "tn", "fn"}``."""
        return {"tp": self.tp, "fp": self.fp, "tn": self.tn, "fn": self.fn}


@dataclass(frozen=True)
class LabelAccuracy:
    """Accuracy of one boolean label: the share of cases whose prediction equals gold."""

    label: str

    def __call__(self, gold: Sequence[dict[str, bool]], predicted: Sequence[dict[str, bool]]
                 ) -> float:
        """Args: per-case label dicts, aligned."""
        pairs = [(g[self.label], p[self.label]) for g, p in zip(gold, predicted, strict=True)]
        return Confusion.of(pairs).accuracy


def recall_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """Share of the relevant items found in the first ``k`` of ``ranked``.

    Duplicates in ``ranked`` (several chunks of one document) count once, at their first rank.
    """
    rel = set(relevant)
    if not rel:
        return float("nan")
    top = list(dict.fromkeys(ranked))[:k]
    return len(rel.intersection(top)) / len(rel)


def hit_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """1.0 when any relevant item is in the first ``k`` distinct items, else 0.0."""
    rel = set(relevant)
    return 1.0 if rel.intersection(list(dict.fromkeys(ranked))[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Iterable[str]) -> float:
    """1/rank of the first relevant distinct item (0.0 when none is ranked)."""
    rel = set(relevant)
    for i, item in enumerate(dict.fromkeys(ranked), 1):
        if item in rel:
            return 1.0 / i
    return 0.0


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean ignoring NaN; NaN when nothing is left."""
    vals = [v for v in values if not math.isnan(v)]
    return sum(vals) / len(vals) if vals else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, ``q`` in [0, 100]; NaN for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    pos = (len(s) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


@dataclass(frozen=True)
class FlipRate(Generic[K]):
    """Share of counterfactual pairs whose outcome differs between the two sides."""

    def __call__(self, pairs: Sequence[tuple[K, K]]) -> float:
        return _nan_if_empty(sum(a != b for a, b in pairs), len(pairs))


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa between two raters' labels for the same items.

    ``(p_o - p_e) / (1 - p_e)``; 1.0 when both raters always agree on a single class
    (``p_e == 1``), NaN for no items.
    """
    if len(a) != len(b):
        raise ValueError("raters must label the same items")
    n = len(a)
    if n == 0:
        return float("nan")
    p_o = sum(x == y for x, y in zip(a, b, strict=True)) / n
    classes = set(a) | set(b)
    p_e = sum((list(a).count(c) / n) * (list(b).count(c) / n) for c in classes)
    if p_e == 1.0:
        return 1.0
    return (p_o - p_e) / (1 - p_e)


@dataclass(frozen=True)
class ProportionTest:
    """Two-proportion z-test result."""

    rate_a: float
    rate_b: float
    z: float
    p_value: float
    """Two-sided p-value from the normal approximation."""

    @property
    def significant(self) -> bool:
        """Whether p < 0.05."""
        return self.p_value < 0.05


def two_proportion_z(hits_a: int, n_a: int, hits_b: int, n_b: int) -> ProportionTest:
    """Compare ``hits_a/n_a`` with ``hits_b/n_b`` (pooled two-proportion z-test).

    With a zero pooled variance (both rates 0 or both 1) the z is 0 and p is 1.
    """
    rate_a = _nan_if_empty(hits_a, n_a)
    rate_b = _nan_if_empty(hits_b, n_b)
    if not n_a or not n_b:
        return ProportionTest(rate_a, rate_b, 0.0, 1.0)
    pooled = (hits_a + hits_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return ProportionTest(rate_a, rate_b, 0.0, 1.0)
    z = (rate_a - rate_b) / se
    p = math.erfc(abs(z) / math.sqrt(2))
    return ProportionTest(rate_a, rate_b, z, p)


def histogram(values: Sequence[float], edges: Sequence[float]) -> list[int]:
    """Counts per bin ``[edges[i], edges[i+1])``; the last bin includes its right edge."""
    counts = [0] * (len(edges) - 1)
    for v in values:
        for i in range(len(edges) - 1):
            last = i == len(edges) - 2
            if edges[i] <= v < edges[i + 1] or (last and v == edges[-1]):
                counts[i] += 1
                break
    return counts
