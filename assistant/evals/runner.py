"""Run suites, write ``results.jsonl``, ``summary.json`` and ``report.html``, check thresholds.

The CLI wraps ``run`` with a Rich progress bar; tests call it with a fixed clock and a
scripted model.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..config import REPO_ROOT, get_settings
from . import suites as registry
from . import thresholds as th
from .base import RunContext, SuiteResult, dumps

SUMMARY_SCHEMA = 1


def code_version() -> str:
    """``git describe --always --dirty`` of the checkout, else the package version."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        if out:
            return f"git:{out}"
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return f"feedback-coach {version('feedback-coach')}"
    except PackageNotFoundError:
        return "unknown"


@dataclass
class RunSummary:
    """A finished run, as written to ``summary.json``."""

    suites: dict[str, SuiteResult]
    model: str | None
    started_at: str
    finished_at: str
    wall_s: float
    code_version: str
    checks: list[th.Check] = field(default_factory=list)
    verdicts: str = "rules"
    """``COACH_VERDICTS`` of the run: the analyzer's rules alone, or the hybrid."""
    thresholds_file: str | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failed_checks(self) -> list[th.Check]:
        return [c for c in self.checks if not c.passed]

    def to_json(self) -> dict[str, Any]:
        """The ``summary.json`` document."""
        prompt = sum(s.prompt_tokens for s in self.suites.values())
        completion = sum(s.completion_tokens for s in self.suites.values())
        return {
            "schema": SUMMARY_SCHEMA,
            "model": self.model,
            "code_version": self.code_version,
            "verdicts": self.verdicts,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "wall_s": round(self.wall_s, 3),
            "tokens": {"prompt": prompt, "completion": completion, "total": prompt + completion},
            "cost_usd": round(sum(s.cost_usd for s in self.suites.values()), 6),
            "datasets": {k: v for s in self.suites.values() for k, v in s.datasets.items()},
            "suites": {
                name: {
                    "needs_model": registry.get(name).needs_model,
                    "cases": len(s.rows),
                    "metrics": s.metrics,
                    "breakdown": s.breakdown,
                    "datasets": s.datasets,
                    "tokens": {"prompt": s.prompt_tokens, "completion": s.completion_tokens},
                    "cost_usd": round(s.cost_usd, 6),
                    "notes": s.notes,
                    "charts": [c.model_dump() for c in s.charts],
                }
                for name, s in self.suites.items()
            },
            "thresholds": {
                "file": self.thresholds_file,
                "passed": self.passed,
                "checks": [c.model_dump() for c in self.checks],
            },
        }


def resolve(names: list[str]) -> list[str]:
    """Suite names to run: the given ones (validated), or every deterministic suite.

    Raises:
        registry.UnknownSuite: a name that is not registered.
    """
    if not names:
        return registry.deterministic()
    for n in names:
        registry.get(n)
    return list(dict.fromkeys(names))


def default_out_dir(ctx: RunContext, names: list[str]) -> Path:
    """``evals/runs/<UTC timestamp>-<suites>/``."""
    stamp = ctx.clock.now().strftime("%Y%m%dT%H%M%SZ")
    return REPO_ROOT / "evals" / "runs" / f"{stamp}-{'-'.join(names)}"


def run(
    names: list[str],
    ctx: RunContext,
    *,
    out_dir: Path | None = None,
    thresholds_path: Path | None = th.DEFAULT_THRESHOLDS,
    model_name: str | None = None,
) -> tuple[RunSummary, Path]:
    """Run suites and write the run folder.

    Args:
        names: Suites to run; empty means every deterministic suite.
        ctx: Dependencies (settings, clock, progress, model factory, overrides).
        out_dir: Where to write; default ``evals/runs/<timestamp>-<suites>/``.
        thresholds_path: Thresholds to check, or ``None`` to check none.
        model_name: Recorded in the summary when a model-backed suite ran.

    Returns:
        The summary and the folder written.

    Raises:
        registry.UnknownSuite, DatasetError, ThresholdError: bad input, before any output.
    """
    names = resolve(names)
    bounds = th.load(thresholds_path) if thresholds_path is not None else {}
    started = ctx.clock.now()
    t0 = ctx.clock.perf()
    results: dict[str, SuiteResult] = {}
    for name in names:
        results[name] = registry.get(name).run(ctx)
    wall = ctx.clock.perf() - t0
    finished = ctx.clock.now()
    used_model = any(registry.get(n).needs_model for n in names)
    summary = RunSummary(
        suites=results,
        model=model_name if used_model else None,
        started_at=started.isoformat(),
        finished_at=finished.isoformat(),
        wall_s=wall,
        code_version=code_version(),
        verdicts=get_settings().verdicts,  # what analyze() reads
        checks=th.check({n: r.metrics for n, r in results.items()}, bounds),
        thresholds_file=None if thresholds_path is None else _display(thresholds_path),
    )
    folder = out_dir or default_out_dir(ctx, names)
    write(summary, folder)
    return summary, folder


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def write(summary: RunSummary, folder: Path) -> None:
    """Write ``results.jsonl``, ``summary.json`` and ``report.html`` into ``folder``."""
    from .report import render_run

    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "results.jsonl").open("w", encoding="utf-8") as fh:
        for result in summary.suites.values():
            for row in result.rows:
                fh.write(dumps(row.model_dump()) + "\n")
    doc = summary.to_json()
    (folder / "summary.json").write_text(dumps(doc, indent=2) + "\n", encoding="utf-8")
    (folder / "report.html").write_text(
        render_run(doc, [r for s in summary.suites.values() for r in s.rows]), encoding="utf-8"
    )
