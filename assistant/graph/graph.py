"""Build the coaching graph."""

from __future__ import annotations

import dataclasses
import operator
from typing import Any, Literal, get_args, get_type_hints

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from .context import Context
from .nodes import analyze_draft, critique, development_actions, retrieve, rewrite, verify
from .nodes.verify import route_after_verify
from .state import CoachInput, CoachState


def route_after_retrieve(state: CoachState) -> Literal["critique", "development_actions"]:
    """Skip the model's critique when asked to (``no_llm``)."""
    return "development_actions" if state.no_llm else "critique"


def build_graph(checkpointer: Any = None) -> Any:
    """Compile the graph: analyze -> retrieve -> critique -> development_actions -> rewrite -> verify."""
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

NO_MODEL_PATH = (analyze_draft, retrieve, development_actions, rewrite, verify)
"""The nodes a ``no_llm`` run visits: route_after_retrieve skips the critique, rewrite builds
the placeholder rewrite, and verify has nothing to check, so route_after_verify ends."""


def _appending_fields() -> frozenset[str]:
    hints = get_type_hints(CoachState, include_extras=True)
    return frozenset(
        name for name, hint in hints.items() if operator.add in get_args(hint)[1:]
    )


_APPEND = _appending_fields()


def run_without_model(inp: CoachInput, context: Context) -> CoachState:
    """Run the ``no_llm`` path by calling its nodes in order, without the Pregel scheduler.

    Same nodes, same state and reducers as ``graph.invoke`` with ``no_llm=True`` (a test
    keeps the two equal); it exists because the scheduler costs more per draft than the
    analyzer itself, and batch and API ``no_llm`` traffic is all about throughput.
    """
    state = CoachState(**{f.name: getattr(inp, f.name) for f in dataclasses.fields(CoachInput)})
    state.no_llm = True
    runtime = Runtime(context=context)
    for node in NO_MODEL_PATH:
        for key, value in node(state, runtime).items():
            setattr(state, key, getattr(state, key) + value if key in _APPEND else value)
    return state
