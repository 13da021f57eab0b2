"""``coach``: the command line (Typer + Rich). Thin: parsing, I/O and display only."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from .config import Settings, get_settings
from .schemas import CritiqueRequest, CritiqueResult

app = typer.Typer(
    name="coach",
    help="Feedback Coach: critique performance-feedback drafts (English, Chinese, mixed).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
class _EvalGroup(TyperGroup):
    """``coach eval [SUITE ...]`` runs suites; ``compare`` and the promptfoo commands are
    subcommands. Anything that is not a subcommand name goes to the hidden ``run``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


eval_app = typer.Typer(
    cls=_EvalGroup,
    help="Offline evaluation suites. Run: coach eval [SUITE ...] [--model M] [--out DIR] "
    "(no suite: every deterministic one; options: coach eval critique --help). Suites: "
    "critique, retrieval, fairness, roleplay; with a model: rewrite, fairness-rewrite, judge, "
    "roleplay-model.",
)
app.add_typer(eval_app, name="eval")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

EXIT_BAD_INPUT = 2


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _read_source(source: str) -> str:
    """Read a draft from a file or stdin, strictly as UTF-8."""
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except FileNotFoundError:
        raise _fail(f"no such file: {source}") from None
    except IsADirectoryError:
        raise _fail(f"{source} is a directory, not a draft") from None
    except OSError as exc:
        raise _fail(f"cannot read {source}: {exc.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(
            f"{'stdin' if source == '-' else source} is not valid UTF-8 "
            f"(byte {exc.start}); save the draft as UTF-8 and try again"
        ) from None


def _coach(settings: Settings, *, no_llm: bool) -> Any:
    from .service import Coach

    with err.status("Loading the knowledge store...", spinner="dots"):
        return Coach.from_settings(settings, with_model=not no_llm)


@app.command()
def critique(
    source: Annotated[str, typer.Argument(help="Draft file, or - for stdin.")] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result.")] = False,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Skip every model call.")] = False,
    rating: Annotated[
        int | None, typer.Option("--rating", min=1, max=5, help="The rating given (1-5).")
    ] = None,
    batch: Annotated[
        Path | None, typer.Option("--batch", help="JSONL file of {id, text, rating?} lines.")
    ] = None,
) -> None:
    """Critique a draft: verdicts, findings, guidance, development actions and a rewrite."""
    from .service import InputError, validate_text

    settings = get_settings()
    if batch is not None:
        raise typer.Exit(_run_batch(batch, settings, no_llm=no_llm))
    text = _read_source(source)
    try:
        validate_text(text, max_chars=settings.max_draft_chars)
    except InputError as exc:
        raise _fail(str(exc)) from None
    coach = _coach(settings, no_llm=no_llm)
    with err.status("Coaching..." if not no_llm else "Analyzing...", spinner="dots"):
        result = coach.critique(text, rating=rating, no_llm=no_llm)
    if as_json and out.is_terminal:
        out.print_json(result.model_dump_json())
    elif as_json:
        print(result.model_dump_json())
    else:
        render(result, text)


def _run_batch(path: Path, settings: Settings, *, no_llm: bool) -> int:
    """Process a JSONL batch; a bad line yields an error object, the rest go on.

    Without a model the work is CPU-bound and independent per line, so it is spread over
    worker processes (forked after the coach is loaded and its guidance cache warmed, so the
    workers share it and never touch the store). Output order is input order.
    """
    try:
        raw_lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from None
    global _BATCH_COACH
    _BATCH_COACH = _coach(settings, no_llm=no_llm)
    items = [(n, raw, no_llm) for n, raw in enumerate(raw_lines, 1) if raw.strip()]
    workers = min(os.cpu_count() or 1, 8)
    failures = 0
    write = sys.stdout.write
    if no_llm and workers > 1 and len(items) >= 200:
        import multiprocessing

        _BATCH_COACH.warm_guidance_cache()
        # Load the lexicons and catalogue scorers once here, not once per forked worker.
        _BATCH_COACH.critique("Warm-up: good job. Next, send the report by Friday.", no_llm=True)
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for ok, line in pool.imap(_batch_line, items, chunksize=16):
                failures += not ok
                write(line)
    else:
        for item in items:
            ok, line = _batch_line(item)
            failures += not ok
            write(line)
    if failures:
        err.print(f"{failures} line(s) failed; see the error objects in the output.")
    return 1 if failures else 0


_BATCH_COACH: Any = None


def _batch_line(item: tuple[int, bytes, bool]) -> tuple[bool, str]:
    """One batch line -> (ok, JSON line): a result, or an error object with the line number."""
    from .service import InputError

    n, raw, no_llm = item
    item_id: Any = None
    try:
        data = json.loads(raw.decode("utf-8"))
        if isinstance(data, dict):
            item_id = data.get("id")
        req = CritiqueRequest.model_validate(data)
        return True, _BATCH_COACH.critique_request(req, no_llm=no_llm).model_dump_json() + "\n"
    except UnicodeDecodeError:
        code, message = "invalid_utf8", "line is not valid UTF-8"
    except json.JSONDecodeError as exc:
        code, message = "invalid_json", f"not valid JSON: {exc.msg} (column {exc.colno})"
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "line"
        code, message = "invalid_request", f"{where}: {first['msg']}"
    except InputError as exc:
        code, message = "invalid_draft", str(exc)
    error = {"line": n, "id": item_id, "error": {"code": code, "message": message}}
    return False, json.dumps(error, ensure_ascii=False) + "\n"


_KIND_STYLE = {
    "personality_label": "bold magenta",
    "biased_language": "bold red",
    "vague_language": "yellow",
    "absolute_language": "cyan",
    "exhortation": "bright_yellow",
    "embedded_instruction": "dim strike",
}


def render(result: CritiqueResult, text: str) -> None:
    """Readable terminal output: badges, scores, highlighted draft, findings, coaching."""
    badges = Text()
    for name, ok in result.verdicts.model_dump().items():
        badges.append(f" {'✔' if ok else '✘'} {name} ", style="black on green" if ok else
                      "white on red")
        badges.append(" ")
    biased = any(f.kind == "biased_language" for f in result.findings)
    badges.append(f" {'✘' if biased else '✔'} unbiased ", style="white on red" if biased else
                  "black on green")
    out.print(badges)
    s = result.scores
    out.print(f"specificity {s.specificity}/100 · balance {s.balance}/100 · "
              f"actionability {s.actionability}/100 · language {result.language}")
    highlighted = Text(text)
    for f in result.findings:
        if f.start is not None and f.end is not None and f.end > f.start:
            highlighted.stylize(_KIND_STYLE.get(f.kind, "underline"), f.start, f.end)
    # Panels wrap their text: the console's soft wrap (for JSON and long lines) would crop it.
    out.print(Panel(highlighted, title="Draft", title_align="left"), soft_wrap=False)
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("finding", no_wrap=True)
    # fold: Chinese has no spaces to wrap at, and a cut message is no help
    table.add_column("where", overflow="fold")
    table.add_column("why / what to do", overflow="fold")
    for f in result.findings:
        table.add_row(Text(f.kind, style=_KIND_STYLE.get(f.kind, "")), f.text or "—",
                      f"{f.message}\n→ {f.suggestion}")
    out.print(table, soft_wrap=False)
    if result.critique:
        out.print(Panel(result.critique, title="Critique", title_align="left"), soft_wrap=False)
    for i, g in enumerate(result.guidance, 1):
        out.print(f"[bold][{i}][/] {g.title}{' › ' + g.heading if g.heading else ''} "
                  f"[dim]({g.source})[/]\n    {g.excerpt}", highlight=False)
    if result.development_actions:
        out.print("[bold]Development actions[/]")
        for a in result.development_actions:
            out.print(f" • [bold]{a.title}[/] ({a.type}, {a.timeframe})\n   {a.rationale}"
                      + (f"\n   progress: {a.progress_signal}" if a.progress_signal else ""),
                      highlight=False)
    if result.rewrite:
        rw = Text(result.rewrite)
        rw.highlight_regex(r"\[[^\[\]]+\]|【[^】]+】", "bold yellow")
        out.print(Panel(rw, title=f"Rewrite ({result.meta.rewrite_source})", title_align="left"),
                  soft_wrap=False)
    if result.degraded:
        err.print("[yellow]degraded:[/] a model step failed or its output was rejected by the "
                  "checks, so a fallback was used (see meta.notes); the verdicts are unaffected.")


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (.md, .txt).")
    ] = None,
) -> None:
    """Build or update the guidance store (idempotent)."""
    from .knowledge.store import KnowledgeStore

    settings = get_settings()
    targets = paths or [settings.knowledge_dir]
    for p in targets:
        if not p.exists():
            raise _fail(f"no such file or folder: {p}")
    store = KnowledgeStore.from_settings(settings)
    with err.status("Embedding...", spinner="dots"):
        report = store.ingest(targets)
    out.print(
        f"added {len(report.added)}, updated {len(report.updated)}, unchanged "
        f"{len(report.unchanged)}, removed {len(report.removed)} documents; "
        f"{report.chunks_written} chunks written, {report.total_chunks} in the store"
    )
    for name, why in getattr(report, "skipped", []):
        err.print(f"[yellow]skipped[/] {name}: {why}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Serve the web page and the HTTP API (uvicorn); the page is at http://HOST:PORT/."""
    from api.deps import is_loopback

    settings = get_settings()
    if not settings.api_keys and not is_loopback(host):
        raise _fail(
            f"refusing to listen on {host} without API keys: set COACH_API_KEYS "
            "(comma-separated keys, or sha256:<hex> entries) or bind to 127.0.0.1"
        )
    import uvicorn

    err.print(f"Feedback Coach on http://{host}:{port}/ (API docs at /docs); Ctrl+C stops it.",
              highlight=False)
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, log_level="info",
                server_header=False)


@eval_app.command("run", hidden=True)
def eval_run(
    suites: Annotated[list[str] | None, typer.Argument(
        help="Suites to run (default: every deterministic suite).")] = None,
    model: Annotated[str | None, typer.Option(
        "--model", help="LiteLLM model for model-backed suites (default: settings.model).")
    ] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Run folder (default evals/runs/<UTC time>-<suites>/).")] = None,
    dataset: Annotated[Path | None, typer.Option(
        help="Use this JSONL dataset instead of the suite's own (one suite only).")] = None,
    limit: Annotated[int | None, typer.Option(
        min=1, help="At most N cases per model-backed suite.")] = None,
    thresholds: Annotated[Path | None, typer.Option(
        help="Thresholds file (default: evals/thresholds.yaml).")] = None,
    no_thresholds: Annotated[bool, typer.Option("--no-thresholds")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print summary.json to stdout.")
                       ] = False,
) -> None:
    """Run eval suites; exit 1 when a threshold fails."""
    from .evals import cli_support

    raise typer.Exit(cli_support.run_command(
        suites or [], model=model, out_dir=out_dir, dataset=dataset, limit=limit,
        thresholds=thresholds, no_thresholds=no_thresholds, as_json=as_json, out=out, err=err,
    ))


@eval_app.command("compare")
def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="Baseline run folder (or its summary.json).")],
    run_b: Annotated[Path, typer.Argument(help="New run folder (or its summary.json).")],
    max_cases: Annotated[int, typer.Option(help="Flipped cases to list.")] = 50,
) -> None:
    """Per-metric deltas between two runs and the cases that flipped."""
    from .evals import cli_support

    raise typer.Exit(cli_support.compare_command(run_a, run_b, max_cases=max_cases, out=out,
                                                 err=err))


@eval_app.command("export-promptfoo")
def eval_export_promptfoo(
    suite: Annotated[str, typer.Argument(help="Suite to export (critique, fairness).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="promptfoo YAML file.")],
    dataset: Annotated[Path | None, typer.Option(help="Dataset to export instead.")] = None,
) -> None:
    """Write a suite's cases as a promptfoo config (tests with vars and asserts)."""
    from .evals import cli_support

    raise typer.Exit(cli_support.export_promptfoo_command(suite, output, dataset, out=out,
                                                          err=err))


@eval_app.command("import-promptfoo")
def eval_import_promptfoo(
    source: Annotated[Path, typer.Argument(help="promptfoo YAML (config or tests list).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="critique-case JSONL.")],
) -> None:
    """Read promptfoo test cases into a critique-case JSONL dataset."""
    from .evals import cli_support

    raise typer.Exit(cli_support.import_promptfoo_command(source, output, out=out, err=err))


@app.command()
def audit(
    source: Annotated[Path, typer.Argument(help="Reviews: .csv or .jsonl (UTF-8).")],
    group_by: Annotated[str | None, typer.Option(
        "--group-by", help="Column to group by (manager, team...).")] = None,
    demographic: Annotated[str | None, typer.Option(
        help="Column whose values are compared (e.g. gender).")] = None,
    text_column: Annotated[str, typer.Option(help="Column holding the feedback.")] = "text",
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for report.html and audit.csv.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 2,
) -> None:
    """Audit a review cycle with the analyzer (no model): shares per group, bias flags."""
    from .evals import cli_support

    raise typer.Exit(cli_support.audit_command(
        source, group_by=group_by, demographic=demographic, text_column=text_column,
        out_dir=out_dir, workers=workers, out=out, err=err,
    ))


@app.command()
def roleplay(
    scenario: Annotated[str | None, typer.Option("--scenario", help="Scenario id.")] = None,
    draft: Annotated[
        Path | None, typer.Option("--draft", help="Your real draft (file).")
    ] = None,
    rating: Annotated[
        int | None, typer.Option("--rating", min=1, max=5, help="The rating given (1-5).")
    ] = None,
    language: Annotated[str | None, typer.Option("--language", help="en or zh.")] = None,
    session: Annotated[str | None, typer.Option("--session", help="Resume a session.")] = None,
    list_only: Annotated[bool, typer.Option("--list", help="List the scenarios.")] = False,
) -> None:
    """Rehearse a tough review conversation with a persona; /debrief for scores, /quit."""
    from .roleplay.cli import run_cli

    raise typer.Exit(run_cli(get_settings(), out=out, err=err, scenario=scenario,
                             draft_file=draft, rating=rating, language=language,
                             session_id=session, list_only=list_only))


def main() -> None:  # pragma: no cover - console entry point wrapper
    try:
        app()
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as exc:  # never show a traceback to a user
        if os.environ.get("COACH_DEBUG"):
            raise
        err.print(f"[bold red]error:[/] {type(exc).__name__}: {exc}")
        raise SystemExit(1) from None
