"""Build the coaching graph."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.graph import END, START, StateGraph

from .context import Context
from .nodes import analyze_draft, critique, development_actions, retrieve, rewrite, verify
from .nodes.verify import route_after_verify
from .state import CoachInput, CoachState


def route_after_retrieve(state: CoachState) -> Literal["critique", "development_actions"]:
    """Skip the model's critique when asked to (``no_llm``)."""
    return "development_actions" if state.no_llm else "critique"


def build_graph(checkpointer: Any = None) -> Any:
    """Compile the graph: analyze -> retrieve -> critique -> development_actions -> rewrite ->
    verify."""
    g = StateGraph(CoachState, context_schema=Context, input_schema=CoachInput)
    g.add_node("analyze", analyze_draft)
    g.add_node("retrieve", retrieve)
    g.add_node("critique", critique)
    g.add_node("development_actions", development_actions)
    g.add_node("rewrite", rewrite)
    g.add_node("verify", verify)
    g.add_edge(START, "analyze")
    g.add_edge("analyze", "retrieve")
    g.add_conditional_edges("retrieve", route_after_retrieve)
    g.add_edge("critique", "development_actions")
    g.add_edge("development_actions", "rewrite")
    g.add_edge("rewrite", "verify")
    g.add_conditional_edges("verify", route_after_verify, {"rewrite": "rewrite", "__end__": END})
    return g.compile(checkpointer=checkpointer, name="feedback-coach")


graph = build_graph()
"""Module-level graph for ``langgraph dev`` (see langgraph.json)."""
