"""Model-backed suites with the scripted model only (no live model in tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.evals.base import RunContext
from assistant.evals.runner import run
from assistant.evals.suites.judge import JudgeVerdict
from assistant.llm.errors import ModelOutputError
from assistant.llm.fake import ScriptedModel

DRAFT = ("Priya rewrote the onboarding guide in March, cutting setup from two days to four hours. "
         "She is a natural leader. Her weekly status reports were late three times this quarter.")
GOOD_REWRITE = ("In March, Priya rewrote the onboarding guide, cutting setup from two days to four "
                "hours. Her weekly status reports were late three times this quarter. Next step: "
                "send each report by [day and time]; I will [support you will give].")
FABRICATED = "In April Priya and Jonathan cut setup by 75% on Project Falcon."
CRITIQUE = "CRITIQUE: The guide example is concrete [1].\nACTION 1: Tailored title"
LABELS = {"specific": True, "balanced": True, "actionable": False, "behavior_focused": False,
          "biased": False}


def dataset(tmp_path: Path, n: int) -> Path:
    p = tmp_path / "d.jsonl"
    p.write_text("".join(json.dumps({"id": f"c{i}", "language": "en", "text": DRAFT,
                                     "labels": LABELS}) + "\n" for i in range(n)),
                 encoding="utf-8")
    return p


def ctx_with(settings: Settings, model: ScriptedModel, retriever: object, **kw: object
             ) -> RunContext:
    return RunContext(settings=settings, model_factory=lambda: model,
                      retriever=retriever, **kw)  # type: ignore[arg-type]


def test_rewrite_suite_measures_each_rewrite(tmp_path: Path, settings: Settings,
                                             retriever: object) -> None:
    # case 1: good rewrite; case 2: fabricated twice -> placeholder fallback
    model = ScriptedModel([CRITIQUE, GOOD_REWRITE, CRITIQUE, FABRICATED, FABRICATED])
    ctx = ctx_with(settings, model, retriever, datasets={"rewrite": dataset(tmp_path, 2)})
    summary, folder = run(["rewrite"], ctx, out_dir=tmp_path / "r", thresholds_path=None,
                          model_name="scripted")
    m = summary.suites["rewrite"].metrics
    assert m["n"] == 2
    assert m["fabrication_rate"] == 0.0  # the verifier never lets a fabricated rewrite out
    assert m["fabrication_retry_rate"] == 0.5
    assert m["model_rewrite_rate"] == 0.5
    assert m["placeholder_rate"] == 1.0  # both final rewrites carry [slots]
    assert 0 < m["mean_content_kept"] <= 1
    doc = json.loads((folder / "summary.json").read_text())
    assert doc["model"] == "scripted" and doc["tokens"]["total"] > 0


def test_judge_suite_kappa_and_failures(tmp_path: Path, settings: Settings) -> None:
    agree = JudgeVerdict(rationale="r", **LABELS)
    wrong = JudgeVerdict(rationale="r", **{**LABELS, "specific": False})
    model = ScriptedModel([agree, wrong, ModelOutputError("bad json"), agree])
    ctx = ctx_with(settings, model, None, datasets={"judge": dataset(tmp_path, 4)}, limit=4)
    summary, _ = run(["judge"], ctx, out_dir=tmp_path / "j", thresholds_path=None)
    m = summary.suites["judge"].metrics
    assert m["failed_calls"] == 1 and m["n"] == 4
    assert m["accuracy.specific"] == pytest.approx(2 / 3)
    # gold is constant True for "specific": p_e = 2/3, p_o = 2/3 -> kappa 0
    assert m["kappa.specific"] == pytest.approx(0.0)
    assert m["kappa.balanced"] == 1.0
    assert "rubric" in model.calls[0].user.lower() and DRAFT in model.calls[0].user
    assert model.calls[0].output is JudgeVerdict


def test_fairness_rewrite_length_and_tone(tmp_path: Path, settings: Settings,
                                          retriever: object) -> None:
    pair = {"id": "p", "language": "en", "origin": "hand",
            "a": DRAFT, "b": DRAFT.replace("Priya", "Arjun").replace("She", "He")
            .replace("Her", "His")}
    p = tmp_path / "f.jsonl"
    p.write_text(json.dumps(pair) + "\n", encoding="utf-8")
    rewrite_b = GOOD_REWRITE.replace("Priya", "Arjun").replace("Her", "His")
    model = ScriptedModel([CRITIQUE, GOOD_REWRITE, CRITIQUE, rewrite_b])
    ctx = ctx_with(settings, model, retriever, datasets={"fairness-rewrite": p})
    summary, _ = run(["fairness-rewrite"], ctx, out_dir=tmp_path / "f", thresholds_path=None)
    m = summary.suites["fairness-rewrite"].metrics
    assert m["n"] == 1
    assert m["mean_length_delta"] == pytest.approx(
        abs(len(GOOD_REWRITE) - len(rewrite_b)) / len(GOOD_REWRITE), abs=1e-3)
    assert m["mean_tone_delta"] == 0.0 and m["rewrite_verdict_flip_rate"] == 0.0


def test_model_suites_are_not_run_by_default(settings: Settings) -> None:
    from assistant.evals.runner import resolve

    names = resolve([])
    assert {"critique", "retrieval", "fairness"} <= set(names)
    assert not {"rewrite", "judge", "fairness-rewrite"} & set(names)
