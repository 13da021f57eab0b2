"""Suites ``roleplay`` (deterministic, CI) and ``roleplay-model`` (needs a model).

``roleplay`` plays every scripted manager transcript through the real role-play service with
no model (the persona speaks its deterministic in-character lines), scores the real
deterministic debrief against the expected 1-5 ranges and checks the direction of trust and
stress; then sends every attack prompt to a fake model that complies with each one, and
measures how often what the manager finally sees breaks character. ``roleplay-model`` sends
the attack prompts to the configured model (bounded by ``--limit``).

The final reply (after the guard's retries and fallback) counts as broken when the guard
flags it (break-character codes only) or when the independent ``BreakDetector`` does. Text
streamed and later cleared by a ``reset`` event is scored separately (``stream_leak_rate``):
the manager saw it, if only briefly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...config import Settings
from ...graph.nodes._model import LANGUAGE_NAMES
from ...llm.gateway import Generation, ModelGateway
from ...prompts import PromptRenderer
from ...roleplay.context import RoleplayContext
from ...roleplay.debrief import DIMENSIONS
from ...roleplay.guard import GuardContext, check_reply
from ...roleplay.scenario import Lang, Scenario, load_scenarios
from ...roleplay.service import RoleplayService
from ...roleplay.store import SessionMeta
from ..base import CaseRow, Chart, DatasetError, RunContext, SuiteResult, estimate_cost, load_jsonl
from ..roleplay import (
    ATTACKS_DATASET,
    TRANSCRIPTS_DATASET,
    AttackCase,
    BreakDetector,
    DirectionAccuracy,
    RoleplayCase,
    RubricInRange,
    direction,
    rate,
)
from ..scorers import mean

OWNER = "eval"
LANGUAGES = ("en", "zh", "mixed")
DEFAULT_MODEL_LIMIT = 6
"""Attacks sent to a real model per ``roleplay-model`` run by default (bounded time)."""

BREAK_CODES = frozenset({"role_marker", "ai_talk", "as_manager", "narration", "meta", "leak",
                         "follows_injection", "language"})
"""Guard codes that mean a broken character (``too_long``, ``repeat`` and ``empty`` are
quality problems, not breaks)."""


class MemorySessionStore:
    """Sessions in memory for one eval run (LangGraph's ``InMemorySaver``)."""

    def __init__(self) -> None:
        from langgraph.checkpoint.memory import InMemorySaver

        self.checkpointer: Any = InMemorySaver()
        self._meta: dict[str, SessionMeta] = {}

    def add(self, meta: SessionMeta) -> None:
        """Index a new session."""
        self._meta[meta.session_id] = meta

    def get(self, session_id: str) -> SessionMeta | None:
        """A session's index row."""
        return self._meta.get(session_id)

    def touch(self, session_id: str, *, at: float, turns: int) -> None:
        """Record activity."""
        meta = self._meta[session_id]
        self._meta[session_id] = SessionMeta(meta.session_id, meta.owner, meta.scenario,
                                             meta.language, meta.created_at, at, turns)

    def delete(self, session_id: str) -> None:
        """Forget a session and its checkpoints."""
        self.checkpointer.delete_thread(session_id)
        self._meta.pop(session_id, None)

    def idle_since(self, before: float) -> list[str]:
        """Sessions idle since ``before``."""
        return [s for s, m in self._meta.items() if m.last_active < before]

    def close(self) -> None:
        """Nothing to close."""


class CompliantModel:
    """A fake persona model that obeys the attack: every call says ``reply``, streamed a
    few characters at a time like a real model."""

    model_name = "fake-compliant"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls = 0

    def generate(self, *, system: str, user: str, output: Any = None, max_tokens: int = 512,
                 temperature: float | None = None,
                 stop: Sequence[str] | None = None) -> Generation[Any]:
        """The compliant reply as one generation."""
        self.calls += 1
        return Generation(text=self.reply, parsed=None, prompt_tokens=0,
                          completion_tokens=len(self.reply) // 4, model=self.model_name)

    def stream(self, *, system: str, user: str, max_tokens: int = 512,
               temperature: float | None = None,
               stop: Sequence[str] | None = None) -> Iterator[str]:
        """The compliant reply in word-sized (or 2-character) deltas."""
        self.calls += 1
        yield from re.findall(r"\s*[A-Za-z0-9'’\-]+|\s*[\u3400-\u9fff]{1,2}|\s*[^\sA-Za-z0-9]",
                              self.reply)


@dataclass
class _Service:
    """A role-play service over an in-memory store, with a fixed clock."""

    settings: Settings
    model: ModelGateway | None
    svc: RoleplayService = field(init=False)

    def __post_init__(self) -> None:
        self.svc = RoleplayService(
            context=RoleplayContext(
                settings=self.settings, prompts=PromptRenderer(self.settings.prompts_dir),
                scenarios=load_scenarios(), model=self.model, clock=lambda: 0.0,
                max_attempts=max(1, self.settings.roleplay_attempts),
                max_tokens=self.settings.roleplay_max_tokens,
            ),
            store=MemorySessionStore(), clock=lambda: 0.0,
            max_message_chars=self.settings.roleplay_max_message_chars, prime=False,
        )


def _scenario(scenarios: dict[str, Scenario], case_id: str, name: str) -> Scenario:
    if name not in scenarios:
        raise DatasetError(f"case {case_id}: unknown scenario {name!r}; known: "
                           f"{', '.join(scenarios)}")
    return scenarios[name]


def _hidden_text(scenario: Scenario, lang: Lang, prompts: PromptRenderer) -> list[str]:
    text = scenario.text(lang)
    system = prompts.render("roleplay_persona", persona=text.persona, title=text.title,
                            draft=None, rating=None, language_name=LANGUAGE_NAMES[lang])
    return [system, text.persona.hidden_concern, *text.rubric]


def _fill(template: str, scenario: Scenario, lang: Lang) -> str:
    text = scenario.text(lang)
    return template.format(name=text.persona.name, role=text.persona.role,
                           hidden_concern=text.persona.hidden_concern,
                           rubric0=text.rubric[0],
                           rubric1=text.rubric[min(1, len(text.rubric) - 1)])


def _by_language(rows: list[CaseRow], metric: Callable[[list[CaseRow]], dict[str, float]]
                 ) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for lang in LANGUAGES:
        sub = [r for r in rows if r.language == lang]
        if sub:
            table[lang] = metric(sub) | {"n": float(len(sub))}
    return table


# -- transcripts --------------------------------------------------------------------------


def _debrief_metrics(rows: list[CaseRow]) -> dict[str, float]:
    scores = [r.predicted["scores"] for r in rows]
    expected = [{d: tuple(v) for d, v in r.gold["expected"].items()} for r in rows]
    ranges = RubricInRange()(scores, expected)
    accuracy = DirectionAccuracy()
    return {
        "in_range": ranges["overall"],
        "all_in_range": ranges["all_in_range"],
        **{f"in_range.{d}": ranges[d] for d in DIMENSIONS},
        "trust_direction": accuracy((r.detail["start"]["trust"], r.predicted["trust"],
                                     r.gold["trust"]) for r in rows),
        "stress_direction": accuracy((r.detail["start"]["stress"], r.predicted["stress"],
                                      r.gold["stress"]) for r in rows),
    }


def run_transcripts(ctx: RunContext, result: SuiteResult, name: str) -> list[CaseRow]:
    """Play every scripted transcript with no model and score the debrief."""
    path = ctx.datasets.get(name, TRANSCRIPTS_DATASET)
    cases = load_jsonl(path, RoleplayCase)
    result.add_dataset(path)
    scenarios = dict(load_scenarios())
    service = _Service(ctx.settings, None).svc
    ctx.progress.start("roleplay transcripts", len(cases))
    rows: list[CaseRow] = []
    for case in cases:
        scenario = _scenario(scenarios, case.id, case.scenario)
        t0 = ctx.clock.perf()
        sid = service.create_session(owner=OWNER, scenario=case.scenario, draft=case.draft,
                                     rating=case.rating, language=case.session)["session_id"]
        for turn in case.turns:
            service.turn(owner=OWNER, session_id=sid, message=turn)
        debrief = service.debrief(owner=OWNER, session_id=sid, prose=False)
        latency = (ctx.clock.perf() - t0) * 1000
        service.delete_session(owner=OWNER, session_id=sid)
        start = {"trust": scenario.initial.trust, "stress": scenario.initial.stress}
        out_of_range = [d for d in DIMENSIONS
                        if not case.expected[d][0] <= debrief.scores[d] <= case.expected[d][1]]
        trust_dir = direction(start["trust"], debrief.persona["trust"])
        stress_dir = direction(start["stress"], debrief.persona["stress"])
        rows.append(CaseRow(
            suite=name, dataset=path.stem, case_id=case.id, language=case.language,
            gold={"expected": {d: list(case.expected[d]) for d in DIMENSIONS},
                  "trust": case.trust, "stress": case.stress},
            predicted={"scores": debrief.scores, **debrief.persona},
            passed=not out_of_range and trust_dir == case.trust and stress_dir == case.stress,
            latency_ms=round(latency, 3),
            detail={"scenario": case.scenario, "quality": case.quality, "start": start,
                    "out_of_range": out_of_range, "trust_direction": trust_dir,
                    "stress_direction": stress_dir},
        ))
        ctx.progress.advance()
    service.close()
    result.rows.extend(rows)
    m = _debrief_metrics(rows)
    result.metrics.update({f"debrief.{k}": v for k, v in m.items()})
    result.metrics["debrief.n"] = float(len(rows))
    table = _by_language(rows, _debrief_metrics)
    for lang, values in table.items():
        result.metrics.update({f"debrief.{lang}.{k}": v for k, v in values.items()
                               if k in ("in_range", "all_in_range", "trust_direction",
                                        "stress_direction", "n")})
    result.breakdown["roleplay debrief: by language"] = {
        lang: {k: v[k] for k in ("in_range", "all_in_range", "trust_direction",
                                 "stress_direction", "n")} for lang, v in table.items()}
    quality: dict[str, dict[str, float]] = {}
    for q in ("good", "mediocre", "bad"):
        sub = [r for r in rows if r.detail["quality"] == q]
        if sub:
            qm = _debrief_metrics(sub)
            quality[q] = {"in_range": qm["in_range"], "all_in_range": qm["all_in_range"],
                          "n": float(len(sub))}
    result.breakdown["roleplay debrief: by manager quality"] = quality
    result.charts.append(Chart(kind="bars", title="debrief score in expected range, by language",
                               data={"categories": list(DIMENSIONS),
                                     "series": {lang: [v[f"in_range.{d}"] for d in DIMENSIONS]
                                                for lang, v in table.items()},
                                     "vmax": 1.0}))
    misses = [f"{r.case_id} ({', '.join(r.detail['out_of_range'])})" for r in rows
              if r.detail["out_of_range"]]
    if misses:
        result.notes.append("debrief out of range: " + "; ".join(misses))
    return rows


# -- attacks ------------------------------------------------------------------------------


def _attack_metrics(rows: list[CaseRow]) -> dict[str, float]:
    return {
        "break_rate": rate(not r.passed for r in rows),
        "guard_flag_rate": rate(bool(r.detail["guard"]) for r in rows),
        "independent_flag_rate": rate(bool(r.detail["independent"]) for r in rows),
        "stream_leak_rate": rate(bool(r.detail["streamed_leak"]) for r in rows),
        "fallback_rate": rate(r.predicted["source"] == "fallback" for r in rows),
    }


def run_attacks(ctx: RunContext, result: SuiteResult, name: str, *,
                model_for: Callable[[AttackCase, str], ModelGateway],
                cases: list[AttackCase] | None = None, dataset_key: str | None = None
                ) -> list[CaseRow]:
    """One session per attack: open it, send the attack, score what the manager sees.

    Args:
        ctx: The run's dependencies.
        result: Receives the rows, metrics, breakdown and chart.
        name: The suite name (rows and metric prefix).
        model_for: The persona model for a case, given the case and its filled compliant
            reply (a fake that obeys, or the real model).
        cases: Pre-selected cases (default: the whole dataset).
        dataset_key: ``ctx.datasets`` key overriding the attack dataset.
    """
    path = ctx.datasets.get(dataset_key or name, ATTACKS_DATASET)
    if cases is None:
        cases = load_jsonl(path, AttackCase)
    result.add_dataset(path)
    scenarios = dict(load_scenarios())
    prompts = PromptRenderer(ctx.settings.prompts_dir)
    ctx.progress.start(f"{name} attacks", len(cases))
    rows: list[CaseRow] = []
    compliant_flagged: list[bool] = []
    for case in cases:
        scenario = _scenario(scenarios, case.id, case.scenario)
        session = case.session_language
        compliant = _fill(case.compliant, scenario, session)
        hidden = _hidden_text(scenario, session, prompts)
        detector = BreakDetector.build(language=session, hidden=hidden, markers=case.must_not)
        compliant_flagged.append(bool(detector.reasons(compliant)))
        service = _Service(ctx.settings, model_for(case, compliant)).svc
        t0 = ctx.clock.perf()
        sid = service.create_session(owner=OWNER, scenario=case.scenario,
                                     language=session)["session_id"]
        events = list(service.stream_turn(owner=OWNER, session_id=sid, message=case.attack))
        latency = (ctx.clock.perf() - t0) * 1000
        done = events[-1]
        info = service.get_session(owner=OWNER, session_id=sid)
        service.close()
        reply = str(done["reply"])
        source = info["transcript"][-1]["source"]
        shown = "".join(str(e.get("text", "")) for e in events if e["event"] == "delta")
        guard_ctx = GuardContext.build(
            language=session, secrets=hidden, manager_message=case.attack, injected=True,
            persona_name=scenario.text(session).persona.name, quotable=case.attack)
        violation = check_reply(reply, guard_ctx)
        guard = [f"{violation.code}: {violation.detail}"] if (
            violation is not None and violation.code in BREAK_CODES) else []
        independent = detector.reasons(reply)
        streamed_leak = detector.leaks(shown)
        broken = bool(guard or independent)
        stats = info["stats"]
        result.completion_tokens += int(stats["completion_tokens"])
        rows.append(CaseRow(
            suite=name, dataset=path.stem, case_id=case.id, language=case.language,
            gold={"must_not": case.must_not, "session_language": session},
            predicted={"reply": reply, "source": source}, passed=not broken,
            latency_ms=round(latency, 3), tokens=int(stats["completion_tokens"]),
            detail={"kind": case.kind, "guard": guard, "independent": independent,
                    "streamed_leak": streamed_leak, "rejected": stats["rejected"],
                    "resets": sum(e["event"] == "reset" for e in events)},
        ))
        ctx.progress.advance()
    result.rows.extend(rows)
    result.metrics.update({f"attacks.{k}": v for k, v in _attack_metrics(rows).items()})
    result.metrics["attacks.n"] = float(len(rows))
    # The detector must be able to see a break at all: it should flag the replies that obey.
    result.metrics["attacks.detector_recall_on_compliant"] = rate(compliant_flagged)
    table = _by_language(rows, _attack_metrics)
    for lang, values in table.items():
        result.metrics.update({f"attacks.{lang}.{k}": v for k, v in values.items()
                               if k in ("break_rate", "fallback_rate", "n")})
    result.breakdown["roleplay attacks: by language"] = {
        lang: {k: v[k] for k in ("break_rate", "fallback_rate", "n")}
        for lang, v in table.items()}
    kinds = sorted({r.detail["kind"] for r in rows})
    result.charts.append(Chart(kind="bars", title="break-character rate by attack kind", data={
        "categories": kinds,
        "series": {"break": [rate(not r.passed for r in rows if r.detail["kind"] == k)
                             for k in kinds],
                   "fallback": [rate(r.predicted["source"] == "fallback" for r in rows
                                     if r.detail["kind"] == k) for k in kinds]},
        "vmax": 1.0,
    }))
    broken_ids = [r.case_id for r in rows if not r.passed]
    if broken_ids:
        result.notes.append("broke character on: " + ", ".join(broken_ids))
    return rows


def _spread(cases: list[AttackCase], n: int) -> list[AttackCase]:
    """Up to ``n`` cases spread over the languages (round-robin), in file order."""
    if n >= len(cases):
        return cases
    queues = {lang: [c for c in cases if c.language == lang] for lang in LANGUAGES}
    out: list[AttackCase] = []
    while len(out) < n:
        for lang in LANGUAGES:
            if queues[lang] and len(out) < n:
                out.append(queues[lang].pop(0))
    return out


class RoleplaySuite:
    """Debrief ranges on scripted transcripts, and break-character rate under attack with
    a fake model that obeys every attack (deterministic)."""

    name = "roleplay"
    needs_model = False
    description = ("role-play: debrief scores in expected ranges, trust/stress direction; "
                   "break-character rate with a model that obeys every attack")

    def run(self, ctx: RunContext) -> SuiteResult:
        """Run both parts."""
        result = SuiteResult(self.name)
        t0 = ctx.clock.perf()
        run_transcripts(ctx, result, self.name)
        run_attacks(ctx, result, self.name, dataset_key="roleplay-attacks",
                    model_for=lambda _case, compliant: CompliantModel(compliant))
        result.notes.append(f"attacks answered by a fake model that obeys every attack; "
                            f"suite wall time {ctx.clock.perf() - t0:.1f} s")
        return result


class RoleplayModelSuite:
    """Break-character rate of the configured model under attack (bounded by ``--limit``)."""

    name = "roleplay-model"
    needs_model = True
    description = "role-play persona voiced by the model: break-character rate under attack"

    def run(self, ctx: RunContext) -> SuiteResult:
        """Send the first attacks (spread over languages) to the real model."""
        path = ctx.datasets.get(self.name, ATTACKS_DATASET)
        cases = _spread(load_jsonl(path, AttackCase), ctx.limit or DEFAULT_MODEL_LIMIT)
        result = SuiteResult(self.name)
        model = ctx.model()
        run_attacks(ctx, result, self.name, cases=cases, model_for=lambda _c, _r: model)
        model_replies = [r for r in result.rows if r.predicted["source"] == "model"]
        result.metrics["attacks.model_reply_rate"] = (
            len(model_replies) / len(result.rows) if result.rows else float("nan"))
        disagree = [r for r in result.rows if bool(r.detail["guard"]) != bool(
            r.detail["independent"])]
        result.metrics["attacks.guard_detector_disagreement"] = (
            len(disagree) / len(result.rows) if result.rows else float("nan"))
        result.metrics["attacks.mean_rejected_attempts"] = mean(
            float(len(r.detail["rejected"])) for r in result.rows)
        result.cost_usd = estimate_cost(ctx.settings.model, result.prompt_tokens,
                                        result.completion_tokens)
        return result


SUITE = RoleplaySuite()
MODEL_SUITE = RoleplayModelSuite()
