"""Critique accuracy: the analyzer's verdicts against a labelled dataset."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..analyzer import analyze

LABELS = ("specific", "balanced", "actionable", "behavior_focused", "biased")


class Labels(BaseModel):
    """Gold labels for one draft (the five verdicts of the spec)."""

    model_config = ConfigDict(extra="forbid")

    specific: bool
    balanced: bool
    actionable: bool
    behavior_focused: bool
    biased: bool


class CritiqueCase(BaseModel):
    """One line of ``evals/datasets/critique*.jsonl``."""

    model_config = ConfigDict(extra="forbid")

    id: str
    language: Literal["en", "zh", "mixed"]
    text: str
    rating: int | None = None
    labels: Labels
    tags: list[str] = []
    note: str = ""


@dataclass
class CaseResult:
    case: CritiqueCase
    predicted: dict[str, bool]

    @property
    def errors(self) -> list[str]:
        gold = self.case.labels.model_dump()
        return [k for k in LABELS if gold[k] != self.predicted[k]]


@dataclass
class CritiqueReport:
    dataset: str
    sha256: str
    results: list[CaseResult] = field(default_factory=list)

    def accuracy(self, label: str, language: str | None = None) -> float:
        rows = [r for r in self.results if language is None or r.case.language == language]
        if not rows:
            return float("nan")
        return sum(label not in r.errors for r in rows) / len(rows)

    def by_language(self) -> dict[str, dict[str, float]]:
        langs = sorted({r.case.language for r in self.results})
        return {lang: {k: self.accuracy(k, lang) for k in LABELS} for lang in langs}

    def confusion(self, label: str) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for r in self.results:
            gold = getattr(r.case.labels, label)
            pred = r.predicted[label]
            counts[("t" if gold == pred else "f") + ("p" if pred else "n")] += 1
        return dict(counts)


def load_cases(path: Path) -> list[CritiqueCase]:
    """Read and validate a JSONL dataset; a bad line raises with its line number."""
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            cases.append(CritiqueCase.model_validate_json(line))
        except ValueError as exc:
            raise ValueError(f"{path}:{n}: {exc}") from exc
    return cases


def predict(text: str, rating: int | None = None) -> dict[str, bool]:
    a = analyze(text, rating=rating)
    return {**a.verdicts.model_dump(), "biased": a.biased}


def evaluate(path: Path) -> CritiqueReport:
    """Run the analyzer on every case of ``path``."""
    report = CritiqueReport(str(path), hashlib.sha256(path.read_bytes()).hexdigest())
    for case in load_cases(path):
        report.results.append(CaseResult(case, predict(case.text, case.rating)))
    return report


def report_json(report: CritiqueReport) -> str:
    return json.dumps(
        {
            "dataset": report.dataset,
            "sha256": report.sha256,
            "n": len(report.results),
            "accuracy": {k: report.accuracy(k) for k in LABELS},
            "by_language": report.by_language(),
        },
        ensure_ascii=False,
        indent=2,
    )
