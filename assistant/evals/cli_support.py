"""The bodies of the ``coach eval`` and ``coach audit`` commands.

Each function takes parsed arguments and two consoles and returns an exit code:
0 success, 1 a threshold failed (eval only), 2 bad input (clear message, no traceback).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from ..config import get_settings

if TYPE_CHECKING:
    from ..llm.gateway import ModelGateway

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _error(err: Console, message: str) -> int:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return EXIT_BAD_INPUT


def run_command(
    suites: list[str],
    *,
    model: str | None,
    out_dir: Path | None,
    dataset: Path | None,
    limit: int | None,
    thresholds: Path | None,
    no_thresholds: bool,
    as_json: bool,
    out: Console,
    err: Console,
) -> int:
    """``coach eval [SUITE ...]``."""
    from . import suites as registry
    from .base import DatasetError, RunContext, dumps
    from .console import BarProgress, print_summary
    from .runner import resolve, run
    from .thresholds import DEFAULT_THRESHOLDS, ThresholdError

    thresholds_path = None if no_thresholds else (thresholds or DEFAULT_THRESHOLDS)
    settings = get_settings()
    if model:
        settings = settings.model_copy(update={"model": model})
    try:
        names = resolve(suites)
    except registry.UnknownSuite as exc:
        return _error(err, str(exc.args[0]))
    if dataset is not None:
        if len(names) != 1:
            return _error(err, "--dataset needs exactly one suite")
        if not dataset.is_file():
            return _error(err, f"no such dataset: {dataset}")

    def model_factory() -> ModelGateway:
        from ..llm.gateway import LiteLLMGateway

        return LiteLLMGateway(settings)

    with BarProgress(err) as progress:
        ctx = RunContext(
            settings=settings,
            progress=progress,
            model_factory=model_factory,
            datasets={names[0]: dataset} if dataset is not None else {},
            limit=limit,
        )
        try:
            summary, folder = run(names, ctx, out_dir=out_dir, thresholds_path=thresholds_path,
                                  model_name=settings.model)
        except (DatasetError, ThresholdError) as exc:
            return _error(err, str(exc))
    if as_json:
        print(dumps(summary.to_json(), indent=2))
    else:
        print_summary(out, summary, str(folder))
    if not summary.passed:
        err.print(f"[bold red]{len(summary.failed_checks)} threshold(s) failed[/]")
        return EXIT_FAILED
    return EXIT_OK


def compare_command(run_a: Path, run_b: Path, *, max_cases: int, out: Console,
                    err: Console) -> int:
    """``coach eval compare RUN_A RUN_B``."""
    from .compare import CompareError, compare, print_comparison

    try:
        comparison = compare(run_a, run_b)
    except CompareError as exc:
        return _error(err, str(exc))
    print_comparison(out, comparison, max_cases=max_cases)
    return EXIT_OK


def export_promptfoo_command(suite: str, output: Path, dataset: Path | None, *, out: Console,
                             err: Console) -> int:
    """``coach eval export-promptfoo SUITE -o FILE.yaml``."""
    from .base import DatasetError
    from .promptfoo import PromptfooError, export_suite

    try:
        n = export_suite(suite, output, dataset=dataset)
    except (PromptfooError, DatasetError) as exc:
        return _error(err, str(exc))
    out.print(f"wrote {n} promptfoo tests to {output}", highlight=False)
    return EXIT_OK


def import_promptfoo_command(source: Path, output: Path, *, out: Console, err: Console) -> int:
    """``coach eval import-promptfoo FILE.yaml -o FILE.jsonl``."""
    from .promptfoo import PromptfooError, import_tests

    try:
        n, skipped = import_tests(source, output)
    except PromptfooError as exc:
        return _error(err, str(exc))
    for why in skipped:
        err.print(f"[yellow]skipped[/] {why}", highlight=False)
    out.print(f"wrote {n} cases to {output}" + (f"; skipped {len(skipped)}" if skipped else ""),
              highlight=False)
    return EXIT_OK


def audit_command(
    source: Path,
    *,
    group_by: str | None,
    demographic: str | None,
    text_column: str,
    out_dir: Path | None,
    workers: int,
    out: Console,
    err: Console,
) -> int:
    """``coach audit FILE.csv|FILE.jsonl``."""
    from .audit import AuditError, print_audit, read_reviews, run_audit, write_audit
    from .base import Clock
    from .console import BarProgress

    settings = get_settings()
    try:
        reviews = read_reviews(source, text_column=text_column, group_by=group_by,
                               demographic=demographic, max_chars=settings.max_draft_chars)
    except AuditError as exc:
        return _error(err, str(exc))
    clock = Clock()
    with BarProgress(err) as progress:
        result = run_audit(reviews, group_by=group_by, demographic=demographic,
                           progress=progress, workers=workers)
    folder = out_dir or Path("audit-" + clock.now().strftime("%Y%m%dT%H%M%SZ"))
    write_audit(result, folder, source=str(source), generated_at=clock.now().isoformat())
    print_audit(out, err, result, str(folder))
    return EXIT_OK
