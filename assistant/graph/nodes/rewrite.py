"""Node: the rewrite (model call 2), or the placeholder rewrite without a model."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ... import factcheck
from ...llm.errors import ModelError
from ...placeholder import placeholder_rewrite
from ..context import Context
from ..state import CallRecord, CoachState
from ._model import failure, generate_text, prompt_vars

if TYPE_CHECKING:
    from langgraph.runtime import Runtime

_PREAMBLE = re.compile(
    r"^\s*(here is|here's|below is|rewritten|revised|rewrite|改写后|修改后|以下是)[^\n:：]*[:：]\s*",
    re.IGNORECASE,
)


def rewrite(state: CoachState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Rewrite the draft; without a usable model, build the placeholder rewrite."""
    ctx = runtime.context
    analysis = state.analysis
    assert analysis is not None
    if state.no_llm or ctx.model is None or state.model_unavailable:
        return {"rewrite": placeholder_rewrite(analysis), "rewrite_source": "placeholder"}
    variables = prompt_vars(analysis, state.guidance)
    variables["violation"] = state.violation
    variables["facts"] = factcheck.key_facts(analysis.text)
    try:
        gen = generate_text(
            runtime,
            event="rewrite",
            system=ctx.prompts.render("system", **variables),
            user=ctx.prompts.render("rewrite", **variables),
            max_tokens=480,
        )
    except ModelError as exc:
        return {
            **failure("rewrite", exc),
            "rewrite": placeholder_rewrite(analysis),
            "rewrite_source": "placeholder",
        }
    text = clean_rewrite(gen.text)
    return {
        "rewrite": text,
        "rewrite_source": "model",
        "rewrite_attempts": state.rewrite_attempts + 1,
        "violation": None,
        "calls": [CallRecord(node="rewrite", prompt_tokens=gen.prompt_tokens,
                             completion_tokens=gen.completion_tokens)],
    }


def clean_rewrite(text: str) -> str:
    """Strip a chatty preamble and code fences the model may wrap around the text."""
    text = text.strip().strip("`").strip()
    text = _PREAMBLE.sub("", text, count=1)
    return text.strip().strip('"“”').strip()
