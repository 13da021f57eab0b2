"""``coach audit``: the state of feedback across a whole review cycle (analyzer only, no model).

Reads a CSV or JSONL export, analyzes every review, and reports per group (manager,
team...) the share that is specific, balanced, actionable and behaviour-focused, the
personality-label rate and the bias flags. With a demographic column it compares the rates
across its values (two-proportion z-test of each value against the rest), the pattern
published research finds for personality feedback by gender.

Bad rows (empty text, too long, broken JSON, wrong field count) are reported with their
line numbers and skipped, never silently dropped.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ..analyzer import analyze
from .base import NullProgress, Progress
from .scorers import two_proportion_z

FLAGS = ("specific", "balanced", "actionable", "behavior_focused", "personality_label",
         "biased")
"""Per review: the four verdicts, whether it labels personality, whether it is biased."""
RATES = {
    "share_specific": "specific",
    "share_balanced": "balanced",
    "share_actionable": "actionable",
    "share_behavior_focused": "behavior_focused",
    "personality_rate": "personality_label",
    "bias_rate": "biased",
}
PARALLEL_MIN = 400
"""Below this many reviews, worker start-up costs more than it saves."""
NO_GROUP = "(all)"
MISSING = "(missing)"


class AuditError(ValueError):
    """Input the audit cannot use at all (the message says why and what to do)."""


@dataclass(frozen=True)
class Review:
    """One usable row."""

    line: int
    text: str
    group: str
    demographic: str | None


@dataclass
class AuditInput:
    """Rows read from the file, and the ones skipped with their reason."""

    reviews: list[Review]
    skipped: list[tuple[int, str]]
    columns: list[str]


def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AuditError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise AuditError(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise AuditError(f"cannot read {path}: {exc.strerror}") from None
    if not raw.strip():
        raise AuditError(f"{path} is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AuditError(
            f"{path} is not valid UTF-8 (byte {exc.start}); export it as UTF-8 "
            "(in Excel: Save As > CSV UTF-8) and try again"
        ) from None


def _check_columns(columns: Sequence[str], needed: dict[str, str | None], path: Path) -> None:
    for option, name in needed.items():
        if name is not None and name not in columns:
            found = ", ".join(repr(c) for c in columns) or "none"
            raise AuditError(f"{path}: no column {name!r} (for {option}); columns found: {found}")


def _row(line: int, values: dict[str, Any], text_column: str, group_by: str | None,
         demographic: str | None, max_chars: int) -> Review | str:
    """A review, or the reason the row is skipped."""
    text = values.get(text_column)
    if text is None:
        return f"no {text_column!r} value"
    if not isinstance(text, str):
        return f"{text_column!r} is not text"
    if not text.strip():
        return "empty text"
    if len(text) > max_chars:
        return f"text has {len(text):,} characters; the limit is {max_chars:,}"
    if "\x00" in text:
        return "text contains NUL characters"

    def cell(col: str | None) -> str | None:
        if col is None:
            return None
        v = values.get(col)
        return MISSING if v is None or str(v).strip() == "" else str(v).strip()

    return Review(line, text, cell(group_by) or NO_GROUP, cell(demographic))


def read_reviews(path: Path, *, text_column: str = "text", group_by: str | None = None,
                 demographic: str | None = None, max_chars: int = 20_000) -> AuditInput:
    """Read ``path`` (``.csv``, or ``.jsonl``/``.ndjson``/``.json`` lines).

    Raises:
        AuditError: missing file, not UTF-8, empty, no data rows, or a named column that
            does not exist (the columns found are listed).
    """
    text = _decode(path)
    needed = {"--text-column": text_column, "--group-by": group_by,
              "--demographic": demographic}
    reviews: list[Review] = []
    skipped: list[tuple[int, str]] = []
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        columns: list[str] = []
        rows: list[tuple[int, dict[str, Any]]] = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                skipped.append((n, f"not valid JSON: {exc.msg} (column {exc.colno})"))
                continue
            if not isinstance(obj, dict):
                skipped.append((n, "not a JSON object"))
                continue
            columns.extend(k for k in obj if k not in columns)
            rows.append((n, obj))
        if not rows and not skipped:
            raise AuditError(f"{path} has no rows")
        if rows:
            _check_columns(columns, needed, path)
        for n, obj in rows:
            r = _row(n, obj, text_column, group_by, demographic, max_chars)
            (reviews.append(r) if isinstance(r, Review) else skipped.append((n, r)))
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
            raise AuditError(f"{path} has no header row") from None
        columns = [h.strip() for h in header]
        _check_columns(columns, needed, path)
        got_rows = False
        while True:
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                skipped.append((reader.line_num, f"bad CSV: {exc}"))
                continue
            n = reader.line_num
            if not any(v.strip() for v in values):
                continue
            got_rows = True
            if len(values) != len(columns):
                skipped.append((n, f"{len(values)} fields, the header has {len(columns)}"))
                continue
            r = _row(n, dict(zip(columns, values, strict=True)), text_column, group_by,
                     demographic, max_chars)
            (reviews.append(r) if isinstance(r, Review) else skipped.append((n, r)))
        if not got_rows:
            raise AuditError(f"{path} has a header but no rows")
    skipped.sort()
    return AuditInput(reviews, skipped, columns)


def flags_of(text: str) -> tuple[bool, ...]:
    """The ``FLAGS`` of one review."""
    a = analyze(text)
    v = a.verdicts
    personality = any(f.kind == "personality_label" for f in a.findings)
    return (v.specific, v.balanced, v.actionable, v.behavior_focused, personality, a.biased)


def _flags_chunk(texts: list[str]) -> list[tuple[bool, ...]]:
    return [flags_of(t) for t in texts]


@dataclass
class GroupStats:
    """Counts for one group."""

    name: str
    n: int = 0
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FLAGS, 0))

    def add(self, flags: Sequence[bool]) -> None:
        self.n += 1
        for name, value in zip(FLAGS, flags, strict=True):
            self.hits[name] += int(value)

    def rate(self, flag: str) -> float:
        return self.hits[flag] / self.n if self.n else float("nan")

    def row(self) -> dict[str, Any]:
        """One line of ``audit.csv``."""
        out: dict[str, Any] = {"group": self.name, "n": self.n}
        for metric, flag in RATES.items():
            out[metric] = round(self.rate(flag), 4)
        out["personality_count"] = self.hits["personality_label"]
        out["bias_count"] = self.hits["biased"]
        return out


@dataclass(frozen=True)
class DemographicRate:
    """One metric for one value of the demographic column, against all other values."""

    metric: str
    value: str
    n: int
    hits: int
    rate: float
    rest_rate: float
    z: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05


@dataclass
class AuditResult:
    """Per-group and per-demographic-value statistics."""

    total: GroupStats
    groups: list[GroupStats]
    group_by: str | None
    demographic: str | None
    demographic_groups: list[GroupStats]
    comparisons: list[DemographicRate]
    skipped: list[tuple[int, str]]


def run_audit(data: AuditInput, *, group_by: str | None = None,
              demographic: str | None = None, progress: Progress | None = None,
              workers: int = 2) -> AuditResult:
    """Analyze every review and aggregate.

    Args:
        data: What ``read_reviews`` returned.
        group_by: Column name the reviews were grouped by (for the report).
        demographic: Column whose values are compared.
        progress: Progress sink.
        workers: Processes; more than one forks a pool for large inputs (the analyzer is
            CPU-bound, about 2-3 ms per review).
    """
    progress = progress or NullProgress()
    reviews = data.reviews
    progress.start("audit", len(reviews))
    texts = [r.text for r in reviews]
    flags: list[tuple[bool, ...]] = []
    chunk = 100
    chunks = [texts[i:i + chunk] for i in range(0, len(texts), chunk)]
    if workers > 1 and len(texts) >= PARALLEL_MIN:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for part in pool.imap(_flags_chunk, chunks):
                flags.extend(part)
                progress.advance(len(part))
    else:
        for c in chunks:
            flags.extend(_flags_chunk(c))
            progress.advance(len(c))
    return aggregate(reviews, flags, group_by=group_by, demographic=demographic,
                     skipped=data.skipped)


def aggregate(reviews: Sequence[Review], flags: Sequence[Sequence[bool]], *,
              group_by: str | None, demographic: str | None,
              skipped: Iterable[tuple[int, str]] = ()) -> AuditResult:
    """Group counts and demographic comparisons from per-review flags."""
    total = GroupStats(NO_GROUP)
    groups: dict[str, GroupStats] = {}
    demo: dict[str, GroupStats] = {}
    for r, f in zip(reviews, flags, strict=True):
        total.add(f)
        groups.setdefault(r.group, GroupStats(r.group)).add(f)
        if demographic is not None and r.demographic is not None:
            demo.setdefault(r.demographic, GroupStats(r.demographic)).add(f)
    comparisons: list[DemographicRate] = []
    if len(demo) >= 2:
        for metric, flag in RATES.items():
            for value, g in sorted(demo.items()):
                rest_n = sum(o.n for k, o in demo.items() if k != value)
                rest_hits = sum(o.hits[flag] for k, o in demo.items() if k != value)
                t = two_proportion_z(g.hits[flag], g.n, rest_hits, rest_n)
                comparisons.append(DemographicRate(metric, value, g.n, g.hits[flag], t.rate_a,
                                                   t.rate_b, t.z, t.p_value))
    return AuditResult(
        total=total,
        groups=sorted(groups.values(), key=lambda g: (-g.n, g.name)),
        group_by=group_by,
        demographic=demographic,
        demographic_groups=sorted(demo.values(), key=lambda g: (-g.n, g.name)),
        comparisons=comparisons,
        skipped=list(skipped),
    )


def write_audit(result: AuditResult, folder: Path, *, source: str, generated_at: str) -> None:
    """Write ``audit.csv`` (per group), ``demographic.csv`` (when compared), ``skipped.csv``
    and ``report.html`` into ``folder``."""
    from .report import render_audit

    folder.mkdir(parents=True, exist_ok=True)
    rows = [g.row() for g in [*result.groups, result.total]]
    with (folder / "audit.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    if result.comparisons:
        with (folder / "demographic.csv").open("w", encoding="utf-8", newline="") as fh:
            w2 = csv.writer(fh)
            w2.writerow(["metric", "value", "n", "hits", "rate", "rest_rate", "z", "p_value",
                         "significant"])
            for c in result.comparisons:
                w2.writerow([c.metric, c.value, c.n, c.hits, round(c.rate, 4),
                             round(c.rest_rate, 4), round(c.z, 3), f"{c.p_value:.4g}",
                             c.significant])
    with (folder / "skipped.csv").open("w", encoding="utf-8", newline="") as fh:
        w3 = csv.writer(fh)
        w3.writerow(["line", "reason"])
        w3.writerows(result.skipped)
    (folder / "report.html").write_text(
        render_audit(result, source=source, generated_at=generated_at), encoding="utf-8")


def print_audit(out: Console, err: Console, result: AuditResult, folder: str) -> None:
    """Per-group table on stdout; skipped rows summarised on stderr."""
    t = Table(title=f"audit by {result.group_by or 'all reviews'}")
    for col in ("group", "n", "specific", "balanced", "actionable", "behaviour", "personality",
                "biased"):
        t.add_column(col, justify="left" if col == "group" else "right")
    for g in [*result.groups[:30], result.total]:
        t.add_row(g.name, str(g.n), *(f"{g.rate(f):.0%}" for f in FLAGS))
    out.print(t)
    if len(result.groups) > 30:
        out.print(f"... {len(result.groups) - 30} more groups in audit.csv")
    for c in result.comparisons:
        if c.significant:
            out.print(f"[bold]{result.demographic}={c.value}[/]: {c.metric} {c.rate:.1%} vs "
                      f"{c.rest_rate:.1%} for the others (n={c.n}, p={c.p_value:.3g})",
                      highlight=False)
    if result.skipped:
        err.print(f"[yellow]skipped {len(result.skipped)} row(s)[/] (listed in skipped.csv and "
                  "the report):", highlight=False)
        for line, why in result.skipped[:10]:
            err.print(f"  line {line}: {why}", highlight=False)
        if len(result.skipped) > 10:
            err.print(f"  ... and {len(result.skipped) - 10} more", highlight=False)
    out.print(f"wrote {folder}/report.html, audit.csv", highlight=False)
