"""``coach eval compare RUN_A RUN_B``: per-metric deltas and the cases that flipped."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


class CompareError(ValueError):
    """A run folder that cannot be read."""


@dataclass(frozen=True)
class MetricDelta:
    """One metric in both runs."""

    suite: str
    metric: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        if self.a is None or self.b is None:
            return None
        return self.b - self.a


@dataclass(frozen=True)
class Flip:
    """A case whose outcome differs between the runs."""

    suite: str
    dataset: str
    case_id: str
    passed_a: bool
    passed_b: bool
    predicted_a: Any
    predicted_b: Any

    @property
    def kind(self) -> str:
        """``fixed``, ``broken`` or ``changed`` (prediction differs, pass/fail does not)."""
        if self.passed_a == self.passed_b:
            return "changed"
        return "fixed" if self.passed_b else "broken"


@dataclass
class Comparison:
    """Two runs side by side."""

    a: dict[str, Any]
    b: dict[str, Any]
    deltas: list[MetricDelta] = field(default_factory=list)
    flips: list[Flip] = field(default_factory=list)
    only_a: int = 0
    only_b: int = 0
    """Cases present in one run only."""
    dataset_changes: list[str] = field(default_factory=list)
    """Datasets whose hash differs: their deltas mix data and code changes."""


def _folder(path: Path) -> Path:
    return path.parent if path.name == "summary.json" else path


def load_run(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``summary.json`` and the rows of ``results.jsonl`` of a run folder.

    Raises:
        CompareError: missing or unreadable files.
    """
    folder = _folder(path)
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CompareError(f"{folder}: no summary.json (is it a run folder?)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CompareError(f"{folder}/summary.json: unreadable ({exc})") from None
    rows = []
    try:
        lines = (folder / "results.jsonl").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise CompareError(f"{folder}: no results.jsonl") from None
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CompareError(f"{folder}/results.jsonl:{n}: {exc.msg}") from None
    return summary, rows


def _value(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else f


def compare(run_a: Path, run_b: Path) -> Comparison:
    """Compare two run folders (``run_a`` is the baseline)."""
    a, rows_a = load_run(run_a)
    b, rows_b = load_run(run_b)
    cmp = Comparison(a, b)
    for suite in list(dict.fromkeys([*a.get("suites", {}), *b.get("suites", {})])):
        ma = a.get("suites", {}).get(suite, {}).get("metrics", {})
        mb = b.get("suites", {}).get(suite, {}).get("metrics", {})
        for metric in list(dict.fromkeys([*ma, *mb])):
            cmp.deltas.append(MetricDelta(suite, metric, _value(ma.get(metric)),
                                          _value(mb.get(metric))))
    da, db = a.get("datasets", {}), b.get("datasets", {})
    cmp.dataset_changes = sorted(k for k in set(da) & set(db) if da[k] != db[k])

    def key(r: dict[str, Any]) -> tuple[str, str, str]:
        return (r["suite"], r["dataset"], str(r["case_id"]))

    index_a = {key(r): r for r in rows_a}
    index_b = {key(r): r for r in rows_b}
    for k, ra in index_a.items():
        rb = index_b.get(k)
        if rb is None:
            continue
        if ra["passed"] != rb["passed"] or ra.get("predicted") != rb.get("predicted"):
            cmp.flips.append(Flip(k[0], k[1], k[2], ra["passed"], rb["passed"],
                                  ra.get("predicted"), rb.get("predicted")))
    cmp.only_a = len(set(index_a) - set(index_b))
    cmp.only_b = len(set(index_b) - set(index_a))
    return cmp


def _fmt(v: float | None, signed: bool = False) -> str:
    if v is None:
        return "–"
    return f"{v:+.3f}" if signed else f"{v:.3f}"


def print_comparison(out: Console, cmp: Comparison, *, max_cases: int = 50) -> None:
    """Rich tables: changed metrics first, then the flipped cases."""
    out.print(f"A: {cmp.a.get('started_at')} model={cmp.a.get('model')} "
              f"code={cmp.a.get('code_version')} verdicts={cmp.a.get('verdicts', 'rules')}\n"
              f"B: {cmp.b.get('started_at')} model={cmp.b.get('model')} "
              f"code={cmp.b.get('code_version')} verdicts={cmp.b.get('verdicts', 'rules')}",
              highlight=False)
    for name in cmp.dataset_changes:
        out.print(f"[yellow]dataset changed between runs:[/] {name}", highlight=False)
    table = Table(title="metric deltas (B - A)")
    for col in ("suite", "metric", "A", "B", "delta"):
        table.add_column(col, justify="right" if col in ("A", "B", "delta") else "left")
    changed = [d for d in cmp.deltas if d.delta is None or abs(d.delta) > 1e-12]
    unchanged = len(cmp.deltas) - len(changed)
    for d in changed:
        delta = d.delta
        style = "" if delta is None else ("green" if delta > 0 else "red")
        table.add_row(d.suite, d.metric, _fmt(d.a), _fmt(d.b),
                      f"[{style}]{_fmt(delta, signed=True)}[/]" if style else "–")
    out.print(table)
    out.print(f"{unchanged} metric(s) unchanged.")
    flips = Table(title=f"cases that flipped ({len(cmp.flips)})")
    for col in ("suite", "dataset", "case", "A", "B", "kind"):
        flips.add_column(col)
    for f in cmp.flips[:max_cases]:
        flips.add_row(f.suite, f.dataset, f.case_id, "pass" if f.passed_a else "fail",
                      "pass" if f.passed_b else "fail", f.kind)
    out.print(flips)
    if len(cmp.flips) > max_cases:
        out.print(f"... and {len(cmp.flips) - max_cases} more")
    if cmp.only_a or cmp.only_b:
        out.print(f"cases only in A: {cmp.only_a}; only in B: {cmp.only_b}")
