"""Suite ``critique``: the analyzer's five labels against gold, per label and per language.

Datasets: ``dev`` (``critique.jsonl`` + the ``critique_devN.jsonl`` sets of ``DEV_SETS``,
which the rules were tuned on and the learned verdicts trained on), ``holdout``
(``critique_holdout.jsonl``) and ``blind`` (``BLIND_SETS``): both scored and reported, never
read for tuning or training. Rows carry ids and labels only, never the drafts' text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...analyzer import analyze
from ..base import DATASETS_DIR, CaseRow, Chart, RunContext, SuiteResult, load_jsonl
from ..critique import LABELS, CritiqueCase
from ..scorers import Confusion, mean

DEV_SETS: tuple[int, ...] = (*range(2, 35), *range(39, 47))
"""Numbers of the ``critique_devN.jsonl`` sets in the dev group: the rules were tuned on
dev2 ... dev30, and the learned verdicts are trained on all of them."""

BLIND_SETS: tuple[int, ...] = tuple(range(35, 39))
"""Sets nobody on the team has read: scored and reported, never tuned or trained on."""

DEFAULT_GROUPS: dict[str, tuple[Path, ...]] = {
    "dev": (DATASETS_DIR / "critique.jsonl",
            *(DATASETS_DIR / f"critique_dev{n}.jsonl" for n in DEV_SETS)),
    "holdout": (DATASETS_DIR / "critique_holdout.jsonl",),
    "blind": tuple(DATASETS_DIR / f"critique_dev{n}.jsonl" for n in BLIND_SETS),
}

SCORE_FOR_LABEL = {"specific": "specificity", "balanced": "balance", "actionable": "actionability"}
SCORE_EDGES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]


@dataclass(frozen=True)
class Prediction:
    """The analyzer's five labels and three scores for one draft."""

    labels: dict[str, bool]
    scores: dict[str, int]


def predict(case: CritiqueCase) -> Prediction:
    """Run the analyzer on one case."""
    a = analyze(case.text, rating=case.rating)
    return Prediction({**a.verdicts.model_dump(), "biased": a.biased}, a.scores.model_dump())


def label_metrics(prefix: str, gold: list[dict[str, bool]], pred: list[dict[str, bool]]
                  ) -> dict[str, float]:
    """Accuracy, precision, recall and F1 per label plus the exact-match rate."""
    out: dict[str, float] = {}
    for label in LABELS:
        cm = Confusion.of((g[label], p[label]) for g, p in zip(gold, pred, strict=True))
        out[f"{prefix}accuracy.{label}"] = cm.accuracy
        out[f"{prefix}f1.{label}"] = cm.f1
    out[f"{prefix}exact_match"] = mean(
        float(g == p) for g, p in zip(gold, pred, strict=True)
    )
    out[f"{prefix}n"] = float(len(gold))
    return out


class CritiqueSuite:
    """Analyzer verdicts against gold labels."""

    name = "critique"
    needs_model = False
    description = "analyzer labels vs gold, per label and language (dev, held-out and blind sets)"

    def groups(self, ctx: RunContext) -> dict[str, tuple[Path, ...]]:
        """Dataset groups to score: the defaults, or the ``--dataset`` override."""
        override = ctx.datasets.get(self.name)
        if override is not None:
            return {override.stem: (override,)}
        return DEFAULT_GROUPS

    def run(self, ctx: RunContext) -> SuiteResult:
        """Score every case of every group."""
        result = SuiteResult(self.name)
        groups = {g: [(p, load_jsonl(p, CritiqueCase)) for p in paths]
                  for g, paths in self.groups(ctx).items()}
        total = sum(len(cases) for parts in groups.values() for _, cases in parts)
        ctx.progress.start("critique", total)
        for group, parts in groups.items():
            gold: list[dict[str, bool]] = []
            pred: list[dict[str, bool]] = []
            langs: list[str] = []
            scores: list[dict[str, int]] = []
            for path, cases in parts:
                result.add_dataset(path)
                for case in cases:
                    t0 = ctx.clock.perf()
                    p = predict(case)
                    latency = (ctx.clock.perf() - t0) * 1000
                    g = case.labels.model_dump()
                    gold.append(g)
                    pred.append(p.labels)
                    langs.append(case.language)
                    scores.append(p.scores)
                    result.rows.append(CaseRow(
                        suite=self.name, dataset=group, case_id=case.id, language=case.language,
                        gold=g, predicted=p.labels, passed=g == p.labels,
                        latency_ms=round(latency, 3),
                        detail={"scores": p.scores,
                                "errors": [k for k in LABELS if g[k] != p.labels[k]]},
                    ))
                    ctx.progress.advance()
            result.metrics.update(label_metrics(f"{group}.", gold, pred))
            table: dict[str, dict[str, float]] = {}
            for lang in sorted(set(langs)):
                idx = [i for i, x in enumerate(langs) if x == lang]
                m = label_metrics(f"{group}.{lang}.", [gold[i] for i in idx],
                                  [pred[i] for i in idx])
                result.metrics.update(m)
                table[lang] = {
                    **{f"accuracy.{k}": m[f"{group}.{lang}.accuracy.{k}"] for k in LABELS},
                    "n": float(len(idx)),
                }
            result.breakdown[f"critique / {group}: accuracy by language"] = table
            result.charts.extend(self._charts(group, gold, pred, scores))
        return result

    @staticmethod
    def _charts(group: str, gold: list[dict[str, bool]], pred: list[dict[str, bool]],
                scores: list[dict[str, int]]) -> list[Chart]:
        charts = []
        for label in LABELS:
            cm = Confusion.of((g[label], p[label]) for g, p in zip(gold, pred, strict=True))
            charts.append(Chart(kind="confusion", title=f"{group}: {label}", data=cm.as_dict()))
        for label, score in SCORE_FOR_LABEL.items():
            series = {
                f"gold {label}": [s[score] for s, g in zip(scores, gold, strict=True) if g[label]],
                f"gold not {label}": [
                    s[score] for s, g in zip(scores, gold, strict=True) if not g[label]
                ],
            }
            charts.append(Chart(kind="histogram", title=f"{group}: {score} score by gold label",
                                data={"edges": SCORE_EDGES, "series": series, "unit": ""}))
        return charts


SUITE = CritiqueSuite()
