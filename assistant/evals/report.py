"""``report.html`` for an eval run: tables, thresholds and inline SVG charts, no network."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..config import get_settings
from . import svg
from .base import CaseRow

if TYPE_CHECKING:
    from .audit import AuditResult

TEMPLATES = Path(__file__).parent / "templates"
_SLICE = re.compile(r"\.(en|zh|mixed|cross|same|any|generated|hand)\.")
"""Metric names of a per-language (or per-slice) breakdown, shown in their own tables."""


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The report templates (autoescaped; StrictUndefined so a missing value fails)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    return env


def _num(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value != int(value) or abs(value) < 1 else f"{value:g}"
    return str(value)


def chart_svg(chart: dict[str, Any]) -> Markup:
    """Draw one chart record (``base.Chart`` as a dict)."""
    kind, title, data = chart["kind"], chart["title"], chart["data"]
    if kind == "confusion":
        return Markup(svg.confusion(title, data["tp"], data["fp"], data["tn"], data["fn"]))
    if kind == "histogram":
        return Markup(svg.histogram(title, data["edges"], data["series"],
                                    unit=data.get("unit", "")))
    if kind == "bars":
        return Markup(svg.bars(title, data["categories"], data["series"],
                               vmax=data.get("vmax")))
    raise ValueError(f"unknown chart kind {kind!r}")


def breakdown_chart(title: str, table: dict[str, dict[str, float]]) -> Markup:
    """Bars per metric (categories) and language (series) for a per-language table."""
    langs = list(table)
    metrics = [m for m in next(iter(table.values()), {}) if m != "n"]
    series = {lang: [table[lang].get(m, float("nan")) for m in metrics] for lang in langs}
    short = [m.split(".")[-1] for m in metrics]
    finite = [v for vals in series.values() for v in vals if not math.isnan(v)]
    vmax = 1.0 if finite and max(finite) <= 1.0 else None
    return Markup(svg.bars(title, short, series, vmax=vmax))


def latency_chart(rows: Sequence[CaseRow]) -> Markup:
    """Histogram of per-case latency, one series per suite."""
    series: dict[str, list[float]] = {}
    for r in rows:
        series.setdefault(r.suite, []).append(r.latency_ms)
    values = [v for vals in series.values() for v in vals]
    if not values:
        return Markup("")
    edges = svg.latency_edges(values)
    return Markup(svg.histogram("latency per case (ms)", edges, series,
                                width=max(560, 70 * (len(edges) - 1))))


def render_run(summary: dict[str, Any], rows: Sequence[CaseRow]) -> str:
    """The run report as a standalone HTML page."""
    suites = []
    for name, s in summary["suites"].items():
        failed = [r for r in rows if r.suite == name and not r.passed]
        suites.append({
            "name": name,
            "s": s,
            "charts": [chart_svg(c) for c in s["charts"]],
            "headline": {k: v for k, v in s["metrics"].items()
                         if not _SLICE.search(f".{k}.")},
            "breakdown": [(t, tbl, breakdown_chart(t, tbl)) for t, tbl in s["breakdown"].items()],
            "failed": failed[:50],
            "n_failed": len(failed),
        })
    return environment().get_template("report.html.j2").render(
        summary=summary, suites=suites, latency=latency_chart(rows)
    )


def render_audit(result: AuditResult, *, source: str, generated_at: str) -> str:
    """The audit report as a standalone HTML page."""
    from .audit import FLAGS, RATES

    shown = result.groups[:12]
    group_chart = Markup(svg.bars(
        f"share of reviews per {result.group_by or 'group'} (largest {len(shown)})",
        [g.name for g in shown],
        {flag: [g.rate(flag) for g in shown] for flag in FLAGS},
        vmax=1.0, width=max(560, 90 * len(shown)),
    ))
    demo_chart = Markup("")
    if result.demographic_groups:
        demo_chart = Markup(svg.bars(
            f"rates by {result.demographic}", list(RATES),
            {g.name: [g.rate(f) for f in RATES.values()] for g in result.demographic_groups},
            vmax=1.0, width=720,
        ))
    return environment().get_template("audit.html.j2").render(
        r=result, source=source, generated_at=generated_at, flags=FLAGS,
        verdicts=get_settings().verdicts,  # what analyze() read for every review
        group_chart=group_chart, demo_chart=demo_chart,
    )
