"""Charts as inline SVG strings: no JavaScript, no fonts or files to fetch, opens offline."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#3b6ea5", "#d08c2f", "#4c9a5b", "#b5475b", "#7a5aa6", "#5f8f9b")
_FONT = 'font-family="sans-serif" font-size="11"'


def _fmt(v: float) -> str:
    if math.isnan(v):
        return "–"
    return f"{v:.2f}" if abs(v) < 10 and v != int(v) else f"{v:g}"


def confusion(title: str, tp: int, fp: int, tn: int, fn: int) -> str:
    """A 2x2 confusion matrix, rows gold, columns predicted, shaded by count."""
    total = max(1, tp + fp + tn + fn)
    cells = [(0, 0, tp, "TP"), (0, 1, fn, "FN"), (1, 0, fp, "FP"), (1, 1, tn, "TN")]
    size, x0, y0 = 56, 70, 34
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart confusion" width="200" '
             f'height="160" role="img" aria-label="{escape(title)}">',
             f'<text x="100" y="14" text-anchor="middle" {_FONT} font-weight="bold">'
             f"{escape(title)}</text>",
             f'<text x="{x0 + size}" y="28" text-anchor="middle" {_FONT}>predicted</text>',
             f'<text x="{x0 + size // 2}" y="{y0 + 2 * size + 14}" text-anchor="middle" '
             f"{_FONT}>yes</text>",
             f'<text x="{x0 + size + size // 2}" y="{y0 + 2 * size + 14}" text-anchor="middle" '
             f"{_FONT}>no</text>",
             f'<text x="{x0 - 6}" y="{y0 + size // 2}" text-anchor="end" {_FONT}>gold yes</text>',
             f'<text x="{x0 - 6}" y="{y0 + size + size // 2}" text-anchor="end" {_FONT}>'
             "gold no</text>"]
    for row, col, count, name in cells:
        correct = name in ("TP", "TN")
        alpha = 0.15 + 0.85 * count / total
        colour = PALETTE[2] if correct else PALETTE[3]
        x, y = x0 + col * size, y0 + row * size
        parts.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{colour}" '
                     f'fill-opacity="{alpha:.2f}" stroke="#fff"/>')
        parts.append(f'<text x="{x + size // 2}" y="{y + size // 2 + 4}" text-anchor="middle" '
                     f'{_FONT}>{name} {count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars(title: str, categories: Sequence[str], series: Mapping[str, Sequence[float]],
         *, vmax: float | None = None, width: int = 560) -> str:
    """Grouped vertical bars: one group per category, one bar per series."""
    height, top, bottom, left = 220, 28, 46, 36
    finite = [v for vals in series.values() for v in vals if not math.isnan(v)]
    hi = vmax if vmax is not None else max(finite or [1.0])
    hi = hi or 1.0
    plot_w, plot_h = width - left - 10, height - top - bottom
    group_w = plot_w / max(1, len(categories))
    bar_w = max(2.0, (group_w - 8) / max(1, len(series)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" width="{width}" '
             f'height="{height}" role="img" aria-label="{escape(title)}">',
             f'<text x="{width // 2}" y="14" text-anchor="middle" {_FONT} font-weight="bold">'
             f"{escape(title)}</text>",
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
             'stroke="#888"/>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" {_FONT}>{_fmt(hi)}</text>',
             f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" {_FONT}>0</text>']
    for ci, cat in enumerate(categories):
        gx = left + ci * group_w + 4
        for si, (_name, vals) in enumerate(series.items()):
            v = vals[ci] if ci < len(vals) else float("nan")
            h = 0.0 if math.isnan(v) else plot_h * min(1.0, max(0.0, v / hi))
            x = gx + si * bar_w
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                         f'height="{h:.1f}" fill="{PALETTE[si % len(PALETTE)]}">'
                         f"<title>{escape(_name)} / {escape(cat)}: {_fmt(v)}</title></rect>")
        parts.append(f'<text x="{gx + group_w / 2 - 4:.1f}" y="{top + plot_h + 14}" '
                     f'text-anchor="middle" {_FONT}>{escape(cat[:18])}</text>')
    parts.append(_legend(list(series), height - 14, left))
    parts.append("</svg>")
    return "".join(parts)


def histogram(title: str, edges: Sequence[float], series: Mapping[str, Sequence[float]],
              *, unit: str = "", width: int = 560) -> str:
    """A histogram of raw values per series over shared bins."""
    from .scorers import histogram as counts_of

    labels = [f"{_fmt(edges[i])}–{_fmt(edges[i + 1])}{unit}" for i in range(len(edges) - 1)]
    counted = {name: [float(c) for c in counts_of(vals, edges)] for name, vals in series.items()}
    return bars(title, labels, counted, width=width)


def _legend(names: list[str], y: int, x0: int) -> str:
    parts = []
    x = x0
    for i, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 14}" y="{y}" {_FONT}>{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return "".join(parts)


def latency_edges(values: Sequence[float]) -> list[float]:
    """Bin edges for latencies on a 1-2-5 scale (ms), so one slow first case does not
    squash every other bar into the first bin. The first bin is ``[0, e)`` with ``e`` the
    largest 1-2-5 step not above the smallest value; the last edge passes the maximum."""
    finite = [v for v in values if not math.isnan(v)] or [1.0]
    lo, hi = max(min(finite), 0.1), max(finite)

    def step(i: int) -> float:
        return float((1, 2, 5)[i % 3] * 10.0 ** (i // 3 - 1))

    i = 0
    while step(i + 1) <= lo:
        i += 1
    edges = [0.0, step(i)]
    while edges[-1] <= hi:
        i += 1
        edges.append(step(i))
    return edges
