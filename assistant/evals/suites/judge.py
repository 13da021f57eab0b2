"""Suite ``judge`` (optional, needs a model): an LLM-as-judge with a rubric, itself evaluated.

Any LiteLLM model judges labelled drafts against the rubric in ``prompts/judge.j2``; its
answers are validated as ``JudgeVerdict`` through the gateway, and its agreement with the
gold labels is reported as Cohen's kappa per label, so the judge is measured before anyone
relies on it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ...llm.errors import ModelError
from ...prompts import PromptRenderer
from ..base import DATASETS_DIR, CaseRow, RunContext, SuiteResult, estimate_cost, load_jsonl
from ..critique import LABELS, CritiqueCase
from ..scorers import Confusion, cohen_kappa

DATASET = DATASETS_DIR / "critique.jsonl"
DEFAULT_LIMIT = 10
"""Drafts judged per run by default (bounded time on the embedded model)."""


class JudgeVerdict(BaseModel):
    """The judge's answer for one draft."""

    model_config = ConfigDict(extra="forbid")

    rationale: str
    """One sentence on the main reason."""
    specific: bool
    balanced: bool
    actionable: bool
    behavior_focused: bool
    biased: bool


def _spread(cases: list[CritiqueCase], n: int) -> list[CritiqueCase]:
    """Up to ``n`` cases taken evenly across the file, so a short run still covers both
    languages and many label combinations."""
    if n >= len(cases):
        return cases
    step = len(cases) / n
    return [cases[int(i * step)] for i in range(n)]


class JudgeSuite:
    """LLM-as-judge agreement with gold labels (Cohen's kappa per label)."""

    name = "judge"
    needs_model = True
    description = "LLM-as-judge with a rubric: Cohen's kappa against gold, per label"

    def run(self, ctx: RunContext) -> SuiteResult:
        """Ask the model to judge each draft; failed calls are counted, not hidden."""
        path = ctx.datasets.get(self.name, DATASET)
        cases = _spread(load_jsonl(path, CritiqueCase), ctx.limit or DEFAULT_LIMIT)
        result = SuiteResult(self.name)
        result.add_dataset(path)
        model = ctx.model()
        prompts = PromptRenderer(ctx.settings.prompts_dir)
        ctx.progress.start("judge", len(cases))
        gold: list[dict[str, bool]] = []
        judged: list[dict[str, bool]] = []
        failures = 0
        for case in cases:
            variables = {"text": case.text, "language": case.language}
            t0 = ctx.clock.perf()
            try:
                gen = model.generate(
                    system=prompts.render("judge", part="system", **variables),
                    user=prompts.render("judge", part="user", **variables),
                    output=JudgeVerdict, max_tokens=200, temperature=0.0,
                )
            except ModelError as exc:
                failures += 1
                result.rows.append(CaseRow(
                    suite=self.name, dataset=path.stem, case_id=case.id,
                    language=case.language, gold=case.labels.model_dump(), predicted=None,
                    passed=False, latency_ms=round((ctx.clock.perf() - t0) * 1000, 3),
                    detail={"error": f"{type(exc).__name__}: {exc}"[:300]},
                ))
                ctx.progress.advance()
                continue
            latency = (ctx.clock.perf() - t0) * 1000
            assert gen.parsed is not None
            verdict = gen.parsed.model_dump(exclude={"rationale"})
            g = case.labels.model_dump()
            gold.append(g)
            judged.append(verdict)
            result.prompt_tokens += gen.prompt_tokens
            result.completion_tokens += gen.completion_tokens
            result.rows.append(CaseRow(
                suite=self.name, dataset=path.stem, case_id=case.id, language=case.language,
                gold=g, predicted=verdict, passed=g == verdict, latency_ms=round(latency, 3),
                tokens=gen.prompt_tokens + gen.completion_tokens,
                detail={"rationale": gen.parsed.rationale},
            ))
            ctx.progress.advance()
        for label in LABELS:
            a = [g[label] for g in gold]
            b = [j[label] for j in judged]
            result.metrics[f"kappa.{label}"] = cohen_kappa(a, b)
            result.metrics[f"accuracy.{label}"] = Confusion.of(zip(a, b, strict=True)).accuracy
        result.metrics["failed_calls"] = float(failures)
        result.metrics["n"] = float(len(cases))
        result.cost_usd = estimate_cost(ctx.settings.model, result.prompt_tokens,
                                        result.completion_tokens)
        return result


SUITE = JudgeSuite()
