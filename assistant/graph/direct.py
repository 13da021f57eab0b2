"""The ``no_llm`` path of the graph, run without LangGraph's scheduler.

``graph.invoke(..., no_llm=True)`` visits analyze -> retrieve -> development_actions ->
rewrite (the placeholder rewrite) -> verify (nothing to check) and ends. For batch and API
traffic that costs more in scheduling (and importing LangGraph) than the analyzer itself,
so this module calls the same nodes in the same order with the same state and reducers.
``tests/test_graph.py`` keeps the two paths equal.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args, get_type_hints

from .context import Context
from .nodes import analyze_draft, development_actions, retrieve, rewrite, verify
from .nodes.critique import critique_prompts
from .state import CoachInput, CoachState

NO_MODEL_PATH = (analyze_draft, retrieve, development_actions, rewrite, verify)
"""The nodes a ``no_llm`` run visits, in order."""


@dataclass(frozen=True)
class DirectRuntime:
    """The part of ``langgraph.runtime.Runtime`` the nodes use."""

    context: Context
    stream_writer: Callable[[Any], None] = lambda _chunk: None


def _appending_fields() -> frozenset[str]:
    hints = get_type_hints(CoachState, include_extras=True)
    return frozenset(
        name for name, hint in hints.items() if operator.add in get_args(hint)[1:]
    )


_APPEND = _appending_fields()


def run_without_model(inp: CoachInput, context: Context) -> CoachState:
    """Run the ``no_llm`` path: same nodes, state and reducers as the graph."""
    return _run(NO_MODEL_PATH, dataclasses.replace(inp, no_llm=True), context)


def first_prompts(inp: CoachInput, context: Context) -> tuple[str, str]:
    """The system prompt and user message of a model run's first call (the critique), built
    by the same nodes the graph runs before it (analyze, retrieve)."""
    return critique_prompts(_run((analyze_draft, retrieve), inp, context), context)


def _run(nodes: tuple[Callable[..., dict[str, Any]], ...], inp: CoachInput,
         context: Context) -> CoachState:
    """Run ``nodes`` in order on a state built from ``inp``, with the graph's reducers."""
    state = CoachState(**{f.name: getattr(inp, f.name) for f in dataclasses.fields(CoachInput)})
    runtime: Any = DirectRuntime(context)
    for node in nodes:
        for key, value in node(state, runtime).items():
            setattr(state, key, getattr(state, key) + value if key in _APPEND else value)
    return state
