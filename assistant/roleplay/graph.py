"""Build the role-play graph.

``START -> open_session`` on the run that creates a session; afterwards every run is one
manager turn: ``assess -> respond (-> respond) -> finish``. Sessions are LangGraph threads,
so the checkpointer persists the whole state after each step.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.graph import END, START, StateGraph

from .context import RoleplayContext
from .nodes import assess, finish, open_session, respond
from .nodes.respond import route_after_respond
from .state import RoleplayInput, RoleplayState


def route_start(state: RoleplayState) -> Literal["open_session", "assess"]:
    """A session not yet started opens; otherwise the input is a manager turn."""
    return "assess" if state.started else "open_session"


def build_graph(checkpointer: Any = None) -> Any:
    """Compile the role-play graph with ``checkpointer`` (one thread per session)."""
    g = StateGraph(RoleplayState, context_schema=RoleplayContext, input_schema=RoleplayInput)
    g.add_node("open_session", open_session)
    g.add_node("assess", assess)
    g.add_node("respond", respond)
    g.add_node("finish", finish)
    g.add_conditional_edges(START, route_start)
    g.add_edge("open_session", END)
    g.add_edge("assess", "respond")
    g.add_conditional_edges("respond", route_after_respond)
    g.add_edge("finish", END)
    return g.compile(checkpointer=checkpointer, name="roleplay")


graph = build_graph()
"""Module-level graph for ``langgraph dev`` (see langgraph.json)."""
