"""The ``coach roleplay`` terminal session (Rich). Works interactively and with piped
stdin (one manager line per input line), so it is scriptable and testable."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..config import Settings
from ..service import InputError
from .service import RoleplayService, ScenarioNotFound, SessionNotFound

LOCAL_OWNER = "local"
"""Owner of sessions created from the command line."""


def run_cli(
    settings: Settings,
    *,
    out: Console,
    err: Console,
    scenario: str | None,
    draft_file: Path | None,
    rating: int | None,
    language: str | None,
    session_id: str | None,
    list_only: bool,
    read_line: Callable[[], str | None] | None = None,
    service: RoleplayService | None = None,
) -> int:
    """Run one terminal session; returns the exit code (0 ok, 2 bad input)."""
    svc = service or RoleplayService.from_settings(settings)
    try:
        return _session(svc, out=out, err=err, scenario=scenario, draft_file=draft_file,
                        rating=rating, language=language, session_id=session_id,
                        list_only=list_only, read_line=read_line)
    finally:
        if service is None:
            svc.close()


def _session(
    svc: RoleplayService,
    *,
    out: Console,
    err: Console,
    scenario: str | None,
    draft_file: Path | None,
    rating: int | None,
    language: str | None,
    session_id: str | None,
    list_only: bool,
    read_line: Callable[[], str | None] | None,
) -> int:
    if list_only or (scenario is None and session_id is None):
        table = Table(title="Role-play scenarios")
        for col in ("id", "language", "title", "persona"):
            table.add_column(col)
        for s in svc.list_scenarios(language=language):
            table.add_row(s.id, s.language, s.title, s.persona)
        out.print(table)
        if not list_only:
            out.print("Start one with: coach roleplay --scenario ID [--draft FILE] [--language zh]")
        return 0
    try:
        if session_id is not None:
            session = svc.get_session(owner=LOCAL_OWNER, session_id=session_id)
            out.print(f"Resuming session [bold]{session_id}[/] ({session['scenario']}, "
                      f"{session['language']})", highlight=False)
            for e in session["transcript"]:
                who = "you" if e["speaker"] == "manager" else "them"
                out.print(f"[dim]{who}:[/] {e['text']}", highlight=False)
        else:
            draft = _read_draft(draft_file)
            created = svc.create_session(owner=LOCAL_OWNER, scenario=scenario or "",
                                         draft=draft, rating=rating, language=language)
            session_id = created["session_id"]
            out.print(f"Session [bold]{session_id}[/] (resume with --session {session_id}); "
                      "type /debrief for your scores, /quit to leave.", highlight=False)
            out.print(f"[bold cyan]them:[/] {created['opening']}", highlight=False)
            _state(out, created["state"])
    except (SessionNotFound, ScenarioNotFound) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        return 2
    except (InputError, OSError, UnicodeDecodeError) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        return 2
    read = read_line or _reader(out)
    while True:
        line = read()
        if line is None or line.strip() in ("/quit", "/exit"):
            out.print(f"Saved. Resume with: coach roleplay --session {session_id}")
            return 0
        if not line.strip():
            continue
        if line.strip() == "/debrief":
            _debrief(out, svc, session_id)
            continue
        try:
            events = svc.stream_turn(owner=LOCAL_OWNER, session_id=session_id, message=line)
            out.print("[bold cyan]them:[/] ", end="")
            for event in events:
                if event["event"] == "turn":
                    hint = event["hint"]
                elif event["event"] == "delta":
                    out.print(event["text"], end="", highlight=False)
                elif event["event"] == "reset":
                    out.print(" [dim](rephrasing)[/]\n[bold cyan]them:[/] ", end="")
                elif event["event"] == "done":
                    out.print()
                    out.print(f"[yellow]hint:[/] {hint}", highlight=False)
                    _state(out, event["state"], tags=event["tags"])
        except InputError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
        except SessionNotFound:
            err.print("[bold red]error:[/] the session expired or was deleted")
            return 2


def _read_draft(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not valid UTF-8") from None


def _reader(out: Console) -> Callable[[], str | None]:
    interactive = sys.stdin.isatty()

    def read() -> str | None:
        try:
            if interactive:
                return out.input("[bold green]you:[/] ")
            line = sys.stdin.readline()
            if not line:
                return None
            out.print(f"[bold green]you:[/] {line.rstrip()}", highlight=False)
            return line.rstrip("\n")
        except EOFError:
            return None

    return read


def _state(out: Console, state: dict[str, int], tags: list[str] | None = None) -> None:
    shown = f" · moves: {', '.join(tags)}" if tags else ""
    out.print(f"[dim]trust {state['trust']}/100 · stress {state['stress']}/100{shown}[/]",
              highlight=False)


def _debrief(out: Console, svc: RoleplayService, session_id: str) -> None:
    d = svc.debrief(owner=LOCAL_OWNER, session_id=session_id)
    table = Table(title="Debrief", expand=True)
    table.add_column("dimension")
    table.add_column("score", justify="right")
    table.add_column("evidence")
    for r in d.rubric:
        quotes = "\n".join(f"{q.effect} \"{q.text}\"" for q in r.evidence) or "—"
        table.add_row(r.name, f"{r.score}/5", quotes)
    out.print(table)
    out.print("[bold]Do differently[/]")
    for i, tip in enumerate(d.do_differently, 1):
        out.print(f" {i}. {tip}", highlight=False)
    if d.summary:
        out.print(d.summary, highlight=False)
    out.print("[bold]Revised draft[/]")
    out.print(d.revised_draft, highlight=False, markup=False)
    out.print("[bold]Development plan[/]")
    for item in d.development_plan:
        out.print(f" • {item}", highlight=False, markup=False)
