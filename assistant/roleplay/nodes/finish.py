"""Node: commit the persona's reply (the model's, or the in-character fallback line)."""

from __future__ import annotations

from typing import Any

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from ..context import RoleplayContext
from ..persona import Directive, fallback_line
from ..state import Entry, RoleplayState


def finish(state: RoleplayState, runtime: Runtime[RoleplayContext]) -> dict[str, Any]:
    """Append the reply to the transcript; a fallback marks the turn degraded."""
    ctx = runtime.context
    scenario = ctx.scenarios[state.scenario_id]
    update: dict[str, Any] = {}
    if state.candidate is not None:
        text, source = state.candidate, "model"
    else:
        directive = Directive(state.stance, state.quote)  # type: ignore[arg-type]
        text, source = fallback_line(scenario, state.language, directive,
                                     len(state.transcript)), "fallback"
        get_stream_writer()({"event": "delta", "text": text})
        update |= {"degraded": True, "fallbacks": state.fallbacks + 1}
    entry: Entry = {
        "speaker": "persona", "text": text, "at": ctx.clock(),
        "trust": state.persona["trust"], "stress": state.persona["stress"], "tags": [],
        "spans": {}, "hint": None, "stance": state.stance, "source": source,  # type: ignore[typeddict-item]
    }
    raised = state.raised
    if state.point_used is not None and state.point_used not in raised:
        raised = [*raised, state.point_used]
    return update | {"transcript": [entry], "raised": raised, "message": ""}
