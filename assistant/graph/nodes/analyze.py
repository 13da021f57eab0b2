"""Node: deterministic analysis of the draft."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...analyzer import analyze
from ..context import Context
from ..state import CoachState

if TYPE_CHECKING:
    from langgraph.runtime import Runtime


def analyze_draft(state: CoachState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Verdicts, scores and findings: the judgement of record, never the model's."""
    return {"analysis": analyze(state.text, rating=state.rating,
                                verdicts=runtime.context.settings.verdicts)}
