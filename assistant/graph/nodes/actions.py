"""Node: development actions from the catalogue, with the model's tailoring if it is safe."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import development, factcheck
from ..context import Context
from ..state import CoachState

if TYPE_CHECKING:
    from langgraph.runtime import Runtime


def development_actions(state: CoachState, runtime: Runtime[Context]) -> dict[str, Any]:
    """One action per chosen catalogue entry; tailored text only when it invents nothing."""
    analysis = state.analysis
    assert analysis is not None
    lang = analysis.message_language
    tailored = {t.catalogue_id: t for t in state.tailoring}
    actions = []
    rejected = []
    for entry, area in state.candidates:
        action = entry.to_action(lang, development.rationale(entry, area, lang))
        t = tailored.get(entry.id)
        if t is not None:
            # Rationale, timeframe and progress signal stay the catalogue's; the model adapts
            # the wording of the title, and only when it invents nothing.
            catalogue_text = " ".join((entry.title.get(lang), entry.when.get(lang)))
            if factcheck.check(t.title, analysis.text, allowed=catalogue_text).ok:
                action = action.model_copy(update={"title": t.title.strip()})
            else:
                rejected.append(entry.id)
        actions.append(action)
    notes = [f"actions: kept catalogue wording for {', '.join(rejected)}"] if rejected else []
    return {"development_actions": actions, "notes": notes}
