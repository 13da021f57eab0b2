"""Node: the model's narrative critique, grounded in retrieved guidance (model call 1).

The same call tailors the wording of the chosen catalogue actions, so a full run needs
only two model calls (critique, rewrite).
"""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from ... import factcheck
from ...llm.errors import ModelError
from ..context import Context
from ..state import CallRecord, CoachState, CritiqueOutput
from ._model import failure, prompt_vars

_SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]?")


def critique(state: CoachState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the model for a critique citing guidance; keep only what passes the checks."""
    ctx = runtime.context
    analysis = state.analysis
    assert analysis is not None and ctx.model is not None
    variables = prompt_vars(analysis, state.guidance)
    variables["candidates"] = [
        {"id": e.id, "title": e.title.get(analysis.message_language), "area": area}
        for e, area in state.candidates
    ]
    try:
        gen = ctx.model.generate(
            system=ctx.prompts.render("system", **variables),
            user=ctx.prompts.render("critique", **variables),
            output=CritiqueOutput,
            max_tokens=420,
        )
    except ModelError as exc:
        return failure("critique", exc)
    out = gen.parsed
    assert out is not None
    allowed = " ".join(f"{g.title} {g.excerpt}" for g in state.guidance)
    text, dropped = clean_critique(out.critique, analysis.text, allowed, len(state.guidance))
    notes = [f"critique: dropped sentence with unsupported facts: {d}" for d in dropped]
    return {
        "critique": text or None,
        "tailoring": out.actions,
        "degraded": state.degraded or not text,
        "calls": [CallRecord(node="critique", prompt_tokens=gen.prompt_tokens,
                             completion_tokens=gen.completion_tokens)],
        "notes": notes,
    }


def clean_critique(text: str, draft: str, allowed: str, n_guidance: int) -> tuple[str, list[str]]:
    """Drop sentences that state facts absent from the draft; drop citations out of range."""
    kept, dropped = [], []
    for sent in _SENTENCE.findall(text):
        check = factcheck.check(sent, draft, allowed=allowed)
        if check.ok:
            kept.append(sent.strip())
        else:
            dropped.append(check.describe())
    cleaned = " ".join(s for s in kept if s)
    cleaned = re.sub(
        r"\[(\d+)\]", lambda m: m.group() if 1 <= int(m.group(1)) <= n_guidance else "", cleaned
    )
    return cleaned.strip(), dropped
