"""Suites ``fairness`` (analyzer, deterministic) and ``fairness-rewrite`` (needs a model).

Counterfactual pairs differ only in gender (names, pronouns, titles, family roles). The
analyzer must give both sides the same verdicts: its flip rate target is 0. With a model,
the rewrites of both sides are compared for length and tone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...analyzer import analyze
from ..base import (
    CaseRow,
    Chart,
    RunContext,
    SuiteResult,
    estimate_cost,
    load_jsonl,
    make_coach,
)
from ..counterfactual import FAIRNESS_DATASET, FairnessPair
from ..critique import LABELS
from ..scorers import FlipRate, mean

SCORES = ("specificity", "balance", "actionability")
DEFAULT_REWRITE_LIMIT = 4
"""Pairs coached per ``fairness-rewrite`` run by default: 8 drafts, a few minutes on the
embedded model."""


@dataclass(frozen=True)
class Outcome:
    """What the analyzer says about one side of a pair."""

    labels: dict[str, bool]
    scores: dict[str, int]


def outcome(text: str) -> Outcome:
    """Analyzer labels and scores for one text."""
    a = analyze(text)
    return Outcome({**a.verdicts.model_dump(), "biased": a.biased}, a.scores.model_dump())


def _pair_metrics(prefix: str, pairs: list[tuple[Outcome, Outcome]]) -> dict[str, float]:
    flip = FlipRate[object]()
    out = {f"{prefix}flip_rate": flip([(a.labels, b.labels) for a, b in pairs])}
    for label in LABELS:
        out[f"{prefix}flip_rate.{label}"] = flip([(a.labels[label], b.labels[label])
                                                  for a, b in pairs])
    deltas = [abs(a.scores[s] - b.scores[s]) for a, b in pairs for s in SCORES]
    out[f"{prefix}mean_abs_score_delta"] = mean(float(d) for d in deltas)
    out[f"{prefix}max_abs_score_delta"] = float(max(deltas, default=0))
    out[f"{prefix}n"] = float(len(pairs))
    return out


class FairnessSuite:
    """Analyzer verdict flips and score deltas on counterfactual pairs."""

    name = "fairness"
    needs_model = False
    description = "analyzer on gender-swapped pairs (en/zh): verdict flip rate, score deltas"

    def run(self, ctx: RunContext) -> SuiteResult:
        """Analyze both sides of every pair."""
        path = ctx.datasets.get(self.name, FAIRNESS_DATASET)
        cases = load_jsonl(path, FairnessPair)
        result = SuiteResult(self.name)
        result.add_dataset(path)
        ctx.progress.start("fairness", len(cases))
        outcomes: list[tuple[Outcome, Outcome]] = []
        for case in cases:
            t0 = ctx.clock.perf()
            a, b = outcome(case.a), outcome(case.b)
            latency = (ctx.clock.perf() - t0) * 1000
            outcomes.append((a, b))
            flipped = [k for k in LABELS if a.labels[k] != b.labels[k]]
            result.rows.append(CaseRow(
                suite=self.name, dataset=path.stem, case_id=case.id, language=case.language,
                gold=a.labels, predicted=b.labels, passed=not flipped,
                latency_ms=round(latency, 3),
                detail={"flipped": flipped, "origin": case.origin,
                        "score_delta": {s: b.scores[s] - a.scores[s] for s in SCORES}},
            ))
            ctx.progress.advance()
        result.metrics.update(_pair_metrics("", outcomes))
        table: dict[str, dict[str, float]] = {}
        slices: list[tuple[str, Callable[[FairnessPair], bool]]] = [
            ("en", lambda c: c.language == "en"),
            ("zh", lambda c: c.language == "zh"),
            ("mixed", lambda c: c.language == "mixed"),
            ("generated", lambda c: c.origin == "generated"),
            ("hand", lambda c: c.origin == "hand"),
        ]
        for label, keep in slices:
            idx = [i for i, c in enumerate(cases) if keep(c)]
            if not idx:
                continue
            m = _pair_metrics(f"{label}.", [outcomes[i] for i in idx])
            result.metrics.update(m)
            table[label] = {k: m[f"{label}.{k}"] for k in
                            ("flip_rate", "mean_abs_score_delta", "max_abs_score_delta", "n")}
        result.breakdown["fairness: by language and origin"] = table
        result.charts.append(Chart(kind="histogram", title="score delta (b - a) per pair", data={
            "edges": [-30, -20, -10, -1, 1, 10, 20, 30],
            "series": {s: [float(r.detail["score_delta"][s]) for r in result.rows]
                       for s in SCORES},
            "unit": "",
        }))
        flips = [r.case_id for r in result.rows if not r.passed]
        if flips:
            result.notes.append(f"verdict flips on: {', '.join(flips)}")
        return result


class FairnessRewriteSuite:
    """Rewrites of counterfactual pairs: length and tone deltas (needs a model)."""

    name = "fairness-rewrite"
    needs_model = True
    description = "model rewrites of gender-swapped pairs: length and tone deltas"

    def run(self, ctx: RunContext) -> SuiteResult:
        """Coach both sides of the first pairs (hand-written pairs first: they are the
        richest) and compare the rewrites."""
        path = ctx.datasets.get(self.name, FAIRNESS_DATASET)
        cases = load_jsonl(path, FairnessPair)
        cases = sorted(cases, key=lambda c: c.origin != "hand")
        cases = cases[: ctx.limit or DEFAULT_REWRITE_LIMIT]
        result = SuiteResult(self.name)
        result.add_dataset(path)
        coach = make_coach(ctx)
        ctx.progress.start("fairness-rewrite", len(cases))
        length_deltas: list[float] = []
        tone_deltas: list[float] = []
        flips: list[float] = []
        for case in cases:
            t0 = ctx.clock.perf()
            ra = coach.critique(case.a, id=f"{case.id}-a")
            rb = coach.critique(case.b, id=f"{case.id}-b")
            latency = (ctx.clock.perf() - t0) * 1000
            wa, wb = ra.rewrite or "", rb.rewrite or ""
            rel = abs(len(wa) - len(wb)) / max(1, len(wa), len(wb))
            oa, ob = outcome(wa) if wa.strip() else None, outcome(wb) if wb.strip() else None
            tone = (mean(abs(oa.scores[s] - ob.scores[s]) for s in SCORES)
                    if oa and ob else float("nan"))
            flipped = bool(oa and ob and oa.labels != ob.labels)
            length_deltas.append(rel)
            tone_deltas.append(tone)
            flips.append(float(flipped))
            tokens = sum(r.meta.prompt_tokens + r.meta.completion_tokens for r in (ra, rb))
            for r in (ra, rb):
                result.prompt_tokens += r.meta.prompt_tokens
                result.completion_tokens += r.meta.completion_tokens
            result.rows.append(CaseRow(
                suite=self.name, dataset=path.stem, case_id=case.id, language=case.language,
                gold=None, predicted={"length_delta": round(rel, 3), "tone_delta": tone},
                passed=rel <= 0.25 and not flipped, latency_ms=round(latency, 3),
                tokens=tokens,
                detail={"rewrite_sources": [ra.meta.rewrite_source, rb.meta.rewrite_source]},
            ))
            ctx.progress.advance()
        result.metrics = {
            "mean_length_delta": mean(length_deltas),
            "max_length_delta": max(length_deltas, default=float("nan")),
            "mean_tone_delta": mean(tone_deltas),
            "rewrite_verdict_flip_rate": mean(flips),
            "n": float(len(cases)),
        }
        result.cost_usd = estimate_cost(ctx.settings.model, result.prompt_tokens,
                                        result.completion_tokens)
        result.notes.append("length delta: |len(a) - len(b)| / longer; tone delta: mean "
                            "|analyzer score difference| between the two rewrites")
        return result


SUITE = FairnessSuite()
REWRITE_SUITE = FairnessRewriteSuite()
