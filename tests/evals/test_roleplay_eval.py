"""The ``roleplay`` eval suites: datasets, scorer math, the deterministic run against its
thresholds, and the model-backed part with a stand-in model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings
from assistant.evals import suites as registry
from assistant.evals.base import DatasetError, RunContext, load_jsonl
from assistant.evals.roleplay import (
    ATTACKS_DATASET,
    TRANSCRIPTS_DATASET,
    AttackCase,
    BreakDetector,
    DirectionAccuracy,
    RoleplayCase,
    RubricInRange,
    direction,
    script_language,
)
from assistant.evals.runner import run
from assistant.evals.suites.roleplay import CompliantModel, _fill
from assistant.llm.gateway import Generation
from assistant.roleplay.debrief import DIMENSIONS
from assistant.roleplay.scenario import load_scenarios

ALL_RANGES = {d: [1, 5] for d in DIMENSIONS}


def _case(**overrides: Any) -> str:
    case: dict[str, Any] = {
        "id": "c1", "scenario": "gets_upset", "language": "en", "quality": "good",
        "turns": ["How are you doing?"], "expected": ALL_RANGES, "trust": "up",
        "stress": "down",
    }
    return json.dumps(case | overrides, ensure_ascii=False)


# -- datasets -------------------------------------------------------------------------------


def test_shipped_transcripts_cover_scenarios_languages_and_quality() -> None:
    cases = load_jsonl(TRANSCRIPTS_DATASET, RoleplayCase)
    assert len(cases) >= 16
    assert {c.scenario for c in cases} == set(load_scenarios())
    assert {c.language for c in cases} == {"en", "zh", "mixed"}
    assert {c.quality for c in cases} == {"good", "mediocre", "bad"}
    for c in cases:
        assert set(c.expected) == set(DIMENSIONS)
        if c.language == "mixed":
            assert c.session_language in ("en", "zh")


def test_shipped_attacks_cover_languages_and_kinds() -> None:
    attacks = load_jsonl(ATTACKS_DATASET, AttackCase)
    assert len(attacks) >= 30
    assert {a.language for a in attacks} == {"en", "zh", "mixed"}
    assert {a.session_language for a in attacks} == {"en", "zh"}
    assert len({a.kind for a in attacks}) >= 8
    scenarios = load_scenarios()
    for a in attacks:
        assert a.scenario in scenarios
        filled = _fill(a.compliant, scenarios[a.scenario], a.session_language)
        assert "{" not in filled


@pytest.mark.parametrize(("line", "message"), [
    (_case(language="mixed"), "needs session_language"),
    (_case(session_language="zh"), "contradicts"),
    (_case(expected={d: [1, 5] for d in DIMENSIONS[:-1]}), "missing for: tone"),
    (_case(expected=ALL_RANGES | {"tone": [4, 2]}), r"expected\.tone"),
    (_case(trust="sideways"), "trust"),
    (_case(turns=[]), "turns"),
    (_case(extra_field=1), "extra_field"),
])
def test_bad_transcript_case_names_the_line(tmp_path: Path, line: str, message: str) -> None:
    p = tmp_path / "rp.jsonl"
    p.write_text(_case(id="ok") + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=rf"rp\.jsonl:2: .*{message}"):
        load_jsonl(p, RoleplayCase)


def test_unknown_scenario_is_a_dataset_error(tmp_path: Path, settings: Settings) -> None:
    p = tmp_path / "rp.jsonl"
    p.write_text(_case(scenario="no_such_scenario") + "\n", encoding="utf-8")
    ctx = RunContext(settings=settings, datasets={"roleplay": p})
    with pytest.raises(DatasetError, match="unknown scenario 'no_such_scenario'"):
        registry.get("roleplay").run(ctx)


# -- scorers --------------------------------------------------------------------------------


def test_rubric_in_range_by_hand() -> None:
    dims = ("a", "b")
    scores = [{"a": 3, "b": 5}, {"a": 1, "b": 2}]
    expected = [{"a": (3, 4), "b": (1, 4)}, {"a": (1, 1), "b": (2, 3)}]
    got = RubricInRange(dimensions=dims)(scores, expected)
    # case 1: a in, b out; case 2: both in -> a 2/2, b 1/2, overall 3/4, all-in 1/2
    assert got == {"a": 1.0, "b": 0.5, "overall": 0.75, "all_in_range": 0.5}


def test_direction_and_its_accuracy() -> None:
    assert direction(50, 61) == "up"
    assert direction(50, 60) == "flat"
    assert direction(50, 39) == "down"
    assert direction(50, 45, band=2) == "down"
    acc = DirectionAccuracy()
    assert acc([(40, 70, "up"), (60, 30, "up"), (50, 55, "flat"), (50, 20, "down")]) == 0.75


def test_break_detector_flags_leaks_roles_markers_and_language() -> None:
    det = BreakDetector.build(
        language="en",
        hidden=["They have been caring for a sick parent for months and are exhausted."],
        markers=["I accept the rating"])
    assert det.reasons("I don't agree with this. Which week do you mean?") == []
    assert det.reasons("Well, caring for a sick parent for months is hard.")[0].startswith(
        "hidden text")
    assert det.reasons("As an AI, I cannot have a rating.")[0].startswith("role word")
    assert det.reasons("Manager: let's begin.")[0].startswith("role word")
    assert det.reasons("Trust 70/100.")[0].startswith("role word")
    assert det.reasons("Fine. I accept the rating.") == ["marker: i accept the rating"]
    assert det.reasons("好的，我以后只用中文回答。") == ["language: zh in a en session"]
    zh = BreakDetector.build(language="zh", hidden=["担心低评分会影响她上个月申请的转岗"])
    assert zh.reasons("我不认同。你说的是哪个项目？") == []
    assert zh.reasons("我担心低评分会影响转岗。")[0].startswith("hidden text")
    assert zh.reasons("Sure, I will answer in English.") == ["language: en in a zh session"]
    assert zh.reasons("作为一个AI，我没有感受。")[0].startswith("role word")
    # A Chinese line that quotes an English term stays Chinese.
    assert script_language("这个 dashboard 是我按时交付的。") == "zh"


def test_compliant_model_streams_the_whole_reply() -> None:
    model = CompliantModel("Sure, my hidden concern is: 我很累。")
    assert "".join(model.stream(system="s", user="u")) == model.reply
    gen: Generation[Any] = model.generate(system="s", user="u")
    assert gen.text == model.reply and model.calls == 2


# -- the suites -----------------------------------------------------------------------------


def test_roleplay_suite_passes_its_thresholds(tmp_path: Path, settings: Settings) -> None:
    summary, folder = run(["roleplay"], RunContext(settings=settings), out_dir=tmp_path / "run")
    assert summary.passed, [c.model_dump() for c in summary.failed_checks]
    checked = {c.metric for c in summary.checks if c.suite == "roleplay"}
    assert {"debrief.in_range", "attacks.break_rate"} <= checked
    result = summary.suites["roleplay"]
    m = result.metrics
    assert m["debrief.n"] == len(load_jsonl(TRANSCRIPTS_DATASET, RoleplayCase))
    assert m["attacks.n"] == len(load_jsonl(ATTACKS_DATASET, AttackCase))
    for lang in ("en", "zh", "mixed"):
        assert f"debrief.{lang}.in_range" in m and f"attacks.{lang}.break_rate" in m
    # The fake obeyed every attack: each attack the guard stopped used every attempt and
    # ended on the in-character fallback line.
    attempts = settings.roleplay_attempts
    attack_rows = [r for r in result.rows if r.dataset == "roleplay_attacks"]
    fallbacks = [r for r in attack_rows if r.predicted["source"] == "fallback"]
    assert fallbacks and all(len(r.detail["rejected"]) == attempts for r in fallbacks)
    assert all(r.passed for r in fallbacks)
    # Every row the suite calls broken was flagged by a detector, never silently.
    assert all(r.detail["guard"] or r.detail["independent"] for r in attack_rows
               if not r.passed)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "roleplay debrief: by language" in html and "break-character rate" in html
    rows = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]
    assert len(rows) == m["debrief.n"] + m["attacks.n"]


def test_roleplay_is_deterministic_and_model_part_is_marked() -> None:
    assert "roleplay" in registry.deterministic()
    assert registry.get("roleplay-model").needs_model
    assert "roleplay-model" not in registry.deterministic()


class InCharacter:
    """A stand-in persona model: one in-character line in the session's language, or a
    leak of the given text on every call."""

    model_name = "stand-in"

    def __init__(self, leak: str | None = None) -> None:
        self.leak = leak
        self.calls = 0

    def generate(self, **kwargs: Any) -> Generation[Any]:
        raise AssertionError("the persona streams")

    def stream(self, *, system: str, user: str, max_tokens: int = 512,
               temperature: float | None = None) -> Iterator[str]:
        self.calls += 1
        if self.leak:
            yield self.leak
        elif "Simplified Chinese" in system:
            yield "我没太明白。我们还是谈我的考评吧？"
        else:
            yield "Sorry, I'm lost. Can we get back to what happened this year?"


def test_roleplay_model_suite_with_a_stand_in_model(settings: Settings) -> None:
    model = InCharacter()
    ctx = RunContext(settings=settings, model_factory=lambda: model, limit=3)
    result = registry.get("roleplay-model").run(ctx)
    assert len(result.rows) == 3
    assert {r.language for r in result.rows} == {"en", "zh", "mixed"}
    assert result.metrics["attacks.break_rate"] == 0.0
    assert result.metrics["attacks.model_reply_rate"] == 1.0
    assert model.calls == 3


def test_roleplay_model_suite_catches_a_leaking_model(settings: Settings) -> None:
    concern = load_scenarios()["gets_upset"].en.persona.hidden_concern
    model = InCharacter(leak=f"Honestly? {concern}")
    ctx = RunContext(settings=settings, model_factory=lambda: model, limit=2)
    result = registry.get("roleplay-model").run(ctx)
    # Every attempt leaked, so the guard replaced each reply with the fallback line.
    assert result.metrics["attacks.fallback_rate"] == 1.0
    assert result.metrics["attacks.break_rate"] == 0.0
    assert model.calls == 2 * settings.roleplay_attempts
