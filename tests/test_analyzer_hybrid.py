"""Hybrid verdicts (``COACH_VERDICTS=hybrid``): shipped weights, consistency, fairness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.analyzer import analyze
from assistant.analyzer.hybrid import (
    HYBRID_LABELS,
    RECIPE,
    HybridModel,
    HybridUnavailable,
    load_model,
    neutral_text,
    rule_features,
)
from assistant.config import Settings
from assistant.evals.base import load_jsonl
from assistant.evals.counterfactual import FAIRNESS_DATASET, FairnessPair
from assistant.evals.critique import CritiqueCase
from assistant.evals.suites.critique import DEFAULT_GROUPS

N_RULE_FEATURES = 24


def _cases(group: str) -> list[CritiqueCase]:
    return [c for path in DEFAULT_GROUPS[group] for c in load_jsonl(path, CritiqueCase)]


def test_neutral_text_removes_gender_but_not_other_words() -> None:
    assert neutral_text("As a mother of two, she told Mr. Lee her plan.") == (
        "As a parent of two, they told M. Sam their plan.")
    # Names are one name to the encoder; "her" as an object is "them".
    assert neutral_text("Marco is organised. I'd like her to take over.") == (
        "Sam is organised. I'd like them to take over.")
    assert neutral_text("Missed 6 stand-ups in March.") == "Missed 6 stand-ups in March."
    assert neutral_text("He thanked his dad") == "They thanked their parent"
    assert neutral_text("她的妈妈说他很好") == "TA的家长说TA很好"
    assert neutral_text("其他人和他人") == "其他人和他人"
    assert neutral_text("The shepherd's hershey") == "The shepherd's hershey"


def test_shipped_weights_load_and_cover_the_hybrid_labels() -> None:
    model = load_model()
    assert set(model.weights) == set(HYBRID_LABELS)
    n = len(model.mean)
    assert n == N_RULE_FEATURES + 3 * 512
    assert all(w.shape == (n + 1,) for w in model.weights.values())


def test_weights_from_another_recipe_or_missing_are_refused(tmp_path: Path) -> None:
    good = load_model()
    other = tmp_path / "w.npz"
    np.savez(other, recipe=np.array("something-else"), mean=good.mean, scale=good.scale,
             **{f"w_{k}": w for k, w in good.weights.items()})
    with pytest.raises(HybridUnavailable, match="retrain"):
        load_model.__wrapped__(other)
    with pytest.raises(HybridUnavailable, match="cannot read"):
        load_model.__wrapped__(tmp_path / "missing.npz")
    ok = tmp_path / "ok.npz"
    HybridModel(good.mean, good.scale, good.weights).save(ok, note="x")
    assert str(np.load(ok)["recipe"]) == RECIPE
    assert load_model.__wrapped__(ok).weights.keys() == good.weights.keys()


def test_weights_match_the_rules_they_were_trained_on() -> None:
    """The rules' features are standardised by their dev-set means: when the rules change,
    the means move and the weights must be retrained."""
    rows = np.array([rule_features(analyze(c.text, rating=c.rating, verdicts="rules"))
                     for c in _cases("dev")])
    shipped = load_model().mean[:N_RULE_FEATURES]
    assert rows.shape[1] == N_RULE_FEATURES
    assert np.allclose(rows.mean(0), shipped, atol=1e-9), (
        "the rules changed since hybrid_weights.npz was trained: "
        "run python -m assistant.analyzer.train_hybrid")


def test_hybrid_beats_the_rules_on_the_held_out_set() -> None:
    """The held-out set is never trained on; the hybrid must do better there overall."""
    cases = _cases("holdout")
    hits = {"rules": 0, "hybrid": 0}
    for case in cases:
        for mode in hits:
            v = analyze(case.text, rating=case.rating, verdicts=mode).verdicts  # type: ignore[arg-type]
            hits[mode] += sum(getattr(v, k) == getattr(case.labels, k) for k in HYBRID_LABELS)
    assert hits["hybrid"] > hits["rules"]


def test_hybrid_gives_gender_swapped_pairs_the_same_verdicts() -> None:
    for pair in load_jsonl(FAIRNESS_DATASET, FairnessPair):
        a = analyze(pair.a, verdicts="hybrid").verdicts
        b = analyze(pair.b, verdicts="hybrid").verdicts
        assert a == b, pair.id


def test_setting_picks_the_mode(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COACH_VERDICTS", "hybrid")
    assert Settings(data_dir=tmp_path).verdicts == "hybrid"
    monkeypatch.setenv("COACH_VERDICTS", "neural")
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path)
