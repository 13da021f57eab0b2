"""Scorers against hand-computed values."""

from __future__ import annotations

import math

import pytest

from assistant.evals.scorers import (
    Confusion,
    FlipRate,
    LabelAccuracy,
    cohen_kappa,
    histogram,
    hit_at_k,
    mean,
    percentile,
    recall_at_k,
    reciprocal_rank,
    two_proportion_z,
)


def test_confusion_counts_and_rates() -> None:
    cm = Confusion.of([(True, True), (True, False), (False, True), (False, False), (True, True)])
    assert cm.as_dict() == {"tp": 2, "fp": 1, "tn": 1, "fn": 1}
    assert cm.accuracy == pytest.approx(3 / 5)
    assert cm.precision == pytest.approx(2 / 3)
    assert cm.recall == pytest.approx(2 / 3)
    assert cm.f1 == pytest.approx(4 / 6)
    assert math.isnan(Confusion().accuracy)


def test_label_accuracy() -> None:
    gold = [{"a": True}, {"a": False}, {"a": True}, {"a": True}]
    pred = [{"a": True}, {"a": True}, {"a": True}, {"a": False}]
    assert LabelAccuracy("a")(gold, pred) == 0.5


def test_recall_hit_and_reciprocal_rank() -> None:
    ranked = ["x", "x", "b", "a", "c"]  # duplicate chunks of one document count once
    assert recall_at_k(ranked, ["a", "b"], 1) == 0.0
    assert recall_at_k(ranked, ["a", "b"], 2) == 0.5
    assert recall_at_k(ranked, ["a", "b"], 3) == 1.0
    assert hit_at_k(ranked, ["a"], 2) == 0.0 and hit_at_k(ranked, ["a"], 3) == 1.0
    assert reciprocal_rank(ranked, ["b", "a"]) == 0.5
    assert reciprocal_rank(ranked, ["zzz"]) == 0.0


def test_mrr_over_queries_hand_computed() -> None:
    runs = [(["a", "b"], ["a"]), (["b", "a"], ["a"]), (["c", "d", "a"], ["a"]), (["c"], ["a"])]
    assert mean(reciprocal_rank(r, g) for r, g in runs) == pytest.approx((1 + 0.5 + 1 / 3 + 0) / 4)


def test_cohen_kappa_hand_computed() -> None:
    # 10 items: both yes 4, both no 3, a-yes/b-no 2, a-no/b-yes 1.
    a = [True] * 4 + [False] * 3 + [True] * 2 + [False]
    b = [True] * 4 + [False] * 3 + [False] * 2 + [True]
    p_o = 0.7
    p_e = 0.6 * 0.5 + 0.4 * 0.5
    assert cohen_kappa(a, b) == pytest.approx((p_o - p_e) / (1 - p_e))  # 0.4
    assert cohen_kappa(a, a) == 1.0
    assert cohen_kappa([True, True], [True, True]) == 1.0
    assert cohen_kappa([True, False], [False, True]) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        cohen_kappa([True], [True, False])


def test_flip_rate() -> None:
    assert FlipRate[bool]()([(True, True), (True, False), (False, False), (False, True)]) == 0.5
    assert math.isnan(FlipRate[bool]()([]))


def test_two_proportion_z_hand_computed() -> None:
    t = two_proportion_z(30, 100, 15, 100)
    pooled = 45 / 200
    se = math.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert t.z == pytest.approx(0.15 / se)
    assert t.p_value == pytest.approx(math.erfc(abs(t.z) / math.sqrt(2)))
    assert t.significant
    same = two_proportion_z(0, 10, 0, 12)
    assert same.z == 0 and same.p_value == 1.0 and not same.significant


def test_histogram_and_percentile() -> None:
    assert histogram([0, 5, 10, 19.9, 20], [0, 10, 20]) == [2, 3]
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert math.isnan(percentile([], 50))
