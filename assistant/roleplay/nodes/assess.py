"""Node: tag the manager's turn, update the persona's state, decide its stance and the hint."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from ..context import RoleplayContext
from ..persona import choose_stance, hint_for, update_state
from ..state import Entry, RoleplayState
from ..tagging import tag_message


def assess(state: RoleplayState, runtime: Runtime[RoleplayContext]) -> dict[str, Any]:
    """Everything deterministic about a turn, before the model says a word."""
    ctx = runtime.context
    scenario = ctx.scenarios[state.scenario_id]
    tags = tag_message(state.message)
    persona = update_state(state.persona, tags, scenario)
    directive = choose_stance(persona, tags, state.points, state.raised)
    entry: Entry = {
        "speaker": "manager", "text": state.message, "at": ctx.clock(),
        "trust": persona["trust"], "stress": persona["stress"], "tags": list(tags.tags),
        "spans": dict(tags.spans), "hint": hint_for(tags, state.language), "stance": None,
        "source": "manager",
    }
    return {
        "persona": persona,
        "transcript": [entry],
        "stance": directive.stance,
        "quote": directive.quote,
        "point_used": directive.point_used,
        "injected": tags.has("instruction_to_ai"),
        "candidate": None,
        "violation": None,
        "attempts": 0,
        "max_attempts": ctx.max_attempts,
        "model_unavailable": False,
        "streamed": False,
        "degraded": False,
    }
