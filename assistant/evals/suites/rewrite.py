"""Suite ``rewrite`` (needs a model): the coach's rewrites, checked after the fact.

For each draft the full coaching graph runs with the model, then the returned rewrite is
measured: facts it adds (fabrication, ``factcheck.check``), invented events the verifier
replaced (``factcheck.unsupported_claims``), bracketed placeholders,
improvement when the analyzer re-critiques it, and how much of the draft's content and
facts it keeps (``factcheck.retention``).
"""

from __future__ import annotations

import re

from ...analyzer import analyze
from ...factcheck import check, retention
from ..base import (
    DATASETS_DIR,
    CaseRow,
    RunContext,
    SuiteResult,
    estimate_cost,
    load_jsonl,
    make_coach,
)
from ..critique import CritiqueCase
from ..scorers import mean

DATASET = DATASETS_DIR / "rewrite.jsonl"
DEFAULT_LIMIT = 4
"""Drafts coached per run by default: each takes 20-40 s on the embedded model."""

_PLACEHOLDER = re.compile(r"\[[^\[\]]{1,200}\]|【[^【】]{1,200}】")
VERDICTS = ("specific", "balanced", "actionable", "behavior_focused")


class RewriteSuite:
    """Fabrication, placeholders, improvement and meaning kept, per rewrite."""

    name = "rewrite"
    needs_model = True
    description = "model rewrites: fabrication rate, placeholders, re-critique gain, meaning kept"

    def run(self, ctx: RunContext) -> SuiteResult:
        """Coach each draft and measure its rewrite."""
        path = ctx.datasets.get(self.name, DATASET)
        cases = load_jsonl(path, CritiqueCase)[: ctx.limit or DEFAULT_LIMIT]
        result = SuiteResult(self.name)
        result.add_dataset(path)
        coach = make_coach(ctx)
        ctx.progress.start("rewrite", len(cases))
        fabricated, placeholders, improved, gains, kept, facts_lost, from_model, retried = (
            [], [], [], [], [], [], [], []
        )
        claims_replaced: list[float] = []
        for case in cases:
            t0 = ctx.clock.perf()
            res = coach.critique(case.text, rating=case.rating, id=case.id)
            latency = (ctx.clock.perf() - t0) * 1000
            text = res.rewrite or ""
            fc = check(text, case.text)
            before = analyze(case.text, rating=case.rating)
            after = analyze(text) if text.strip() else None
            passed_before = sum(getattr(before.verdicts, v) for v in VERDICTS)
            passed_after = sum(getattr(after.verdicts, v) for v in VERDICTS) if after else 0
            score_gain = (sum(after.scores.model_dump().values())
                          - sum(before.scores.model_dump().values())) / 3 if after else 0.0
            ret = retention(text, case.text)
            fabricated.append(float(not fc.ok))
            placeholders.append(float(bool(_PLACEHOLDER.search(text))))
            improved.append(float(passed_after > passed_before))
            gains.append(score_gain)
            kept.append(ret.content_kept)
            facts_lost.append(float(bool(ret.missing_facts)))
            from_model.append(float(res.meta.rewrite_source == "model"))
            retried.append(float(res.meta.fabrication_retry))
            claims = [n.split(": ", 2)[-1] for n in res.meta.notes
                      if "claims not in the draft" in n]
            claims_replaced.append(float(bool(claims)))
            result.prompt_tokens += res.meta.prompt_tokens
            result.completion_tokens += res.meta.completion_tokens
            result.rows.append(CaseRow(
                suite=self.name, dataset=path.stem, case_id=case.id, language=case.language,
                gold={"verdicts_passed": passed_before}, predicted={
                    "verdicts_passed": passed_after, "fabricated": list(fc.fabricated),
                    "rewrite_source": res.meta.rewrite_source},
                passed=fc.ok and passed_after >= passed_before,
                latency_ms=round(latency, 3),
                tokens=res.meta.prompt_tokens + res.meta.completion_tokens,
                detail={"content_kept": ret.content_kept, "missing_facts": list(ret.missing_facts),
                        "degraded": res.degraded, "model_calls": res.meta.model_calls,
                        "claims_replaced": claims, "rewrite": text},
            ))
            ctx.progress.advance()
        result.metrics = {
            "fabrication_rate": mean(fabricated),
            "placeholder_rate": mean(placeholders),
            "improved_rate": mean(improved),
            "mean_score_gain": mean(gains),
            "mean_content_kept": mean(kept),
            "facts_dropped_rate": mean(facts_lost),
            "model_rewrite_rate": mean(from_model),
            "fabrication_retry_rate": mean(retried),
            "invented_claims_replaced_rate": mean(claims_replaced),
            "n": float(len(cases)),
        }
        result.cost_usd = estimate_cost(ctx.settings.model, result.prompt_tokens,
                                        result.completion_tokens)
        result.notes.append("fabrication_rate counts returned rewrites with a fact not in the "
                            "draft; fabrication_retry_rate counts model rewrites the verifier "
                            "rejected once before the final answer; "
                            "invented_claims_replaced_rate counts rewrites in which the "
                            "verifier put a slot where the model stated an event the draft "
                            "does not mention")
        return result


SUITE = RewriteSuite()
