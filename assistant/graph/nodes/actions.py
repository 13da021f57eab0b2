"""Node: development actions from the catalogue, with the model's tailoring if it is safe."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from ... import development, factcheck
from ..context import Context
from ..state import CoachState


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
            fields = (t.title, t.rationale, t.timeframe, t.progress_signal)
            catalogue_text = " ".join(
                (entry.title.get(lang), entry.timeframe.get(lang), entry.when.get(lang),
                 entry.progress_signal.get(lang))
            )
            # The timeframe is a proposal, not a claim about the employee: numbers are fine there.
            claims = ". ".join((t.title, t.rationale, t.progress_signal))
            if all(f.strip() for f in fields) and factcheck.check(
                claims, analysis.text, allowed=catalogue_text
            ).ok:
                action = action.model_copy(update={
                    "title": t.title.strip(), "rationale": t.rationale.strip(),
                    "timeframe": t.timeframe.strip(), "progress_signal": t.progress_signal.strip(),
                })
            else:
                rejected.append(entry.id)
        actions.append(action)
    notes = [f"actions: kept catalogue wording for {', '.join(rejected)}"] if rejected else []
    return {"development_actions": actions, "notes": notes}
