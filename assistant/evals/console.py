"""Terminal side of the eval commands: a Rich progress bar and the result tables.

Kept here so ``assistant/cli.py`` stays a thin layer of Typer parameters.
"""

from __future__ import annotations

import re
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table

from .runner import RunSummary

_LANG_SEGMENT = re.compile(r"\.(en|zh|mixed|cross|same|any|generated|hand)\.")


class BarProgress:
    """``base.Progress`` drawn as a Rich progress bar on stderr (one task per suite)."""

    def __init__(self, console: Console) -> None:
        self._bar = RichProgress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> BarProgress:
        self._bar.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._bar.stop()

    def start(self, description: str, total: int) -> None:
        """Begin a new bar."""
        self._task = self._bar.add_task(description, total=total)

    def advance(self, n: int = 1) -> None:
        """Move the current bar on."""
        if self._task is not None:
            self._bar.advance(self._task, n)


def _fmt(v: float | None) -> str:
    if v is None or v != v:
        return "–"
    return f"{v:.3f}" if v != int(v) or abs(v) < 1 else f"{v:g}"


def print_summary(out: Console, summary: RunSummary, folder: str) -> None:
    """Headline metrics per suite (per-language ones are in the report), then thresholds."""
    table = Table(title="metrics (per-language figures: see report.html)")
    table.add_column("suite")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, result in summary.suites.items():
        for metric, value in result.metrics.items():
            if not _LANG_SEGMENT.search(f".{metric}."):
                table.add_row(name, metric, _fmt(value))
    out.print(table)
    for name, result in summary.suites.items():
        for note in result.notes:
            out.print(f"[dim]{name}: {note}[/]", highlight=False)
    if summary.checks:
        failed = summary.failed_checks
        checks = Table(title="thresholds: " + ("[green]all passed[/]" if not failed else
                                               f"[red]{len(failed)} failed[/]"))
        checks.add_column("suite")
        checks.add_column("metric")
        checks.add_column("bound")
        checks.add_column("value", justify="right")
        checks.add_column("")
        for c in sorted(summary.checks, key=lambda c: c.passed):
            checks.add_row(c.suite, c.metric, c.bound, _fmt(c.value),
                           "[green]pass[/]" if c.passed else "[bold red]FAIL[/]")
        out.print(checks)
    out.print(f"wrote {folder}/results.jsonl, summary.json, report.html "
              f"({summary.wall_s:.1f} s)", highlight=False)
