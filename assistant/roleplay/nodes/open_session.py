"""Node: set a new session up (persona state, the draft's points, the opening line)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from ..context import RoleplayContext
from ..persona import draft_points, initial_state
from ..state import Entry, RoleplayState


def open_session(state: RoleplayState, runtime: Runtime[RoleplayContext]) -> dict[str, Any]:
    """Start from the scenario's initial state; the opening line is the scenario's own."""
    ctx = runtime.context
    scenario = ctx.scenarios[state.scenario_id]
    persona = initial_state(scenario)
    opening: Entry = {
        "speaker": "persona", "text": scenario.text(state.language).opening,
        "at": ctx.clock(), "trust": persona["trust"], "stress": persona["stress"],
        "tags": [], "spans": {}, "hint": None, "stance": "push_back", "source": "opening",
    }
    return {
        "started": True,
        "persona": persona,
        "points": draft_points(state.draft, state.rating),
        "transcript": [opening],
    }
