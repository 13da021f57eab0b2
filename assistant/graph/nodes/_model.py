"""Shared helpers for nodes that call the model."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ...analyzer import Analysis
from ...llm.errors import ModelError, ModelTimeout, ModelUnavailable
from ...llm.gateway import Generation
from ...schemas import Finding, GuidancePassage
from ..context import Context
from ..state import CallRecord

if TYPE_CHECKING:  # the no-model path (``direct``) never imports LangGraph
    from langgraph.runtime import Runtime

LANGUAGE_NAMES = {"en": "English", "zh": "Simplified Chinese"}
MAX_PROMPT_GUIDANCE = 3

_PROBLEM_NAMES = {
    "en": {
        "vague_language": "vague verdict", "personality_label": "labels the person",
        "biased_language": "identity-coded wording", "absolute_language": "absolute wording",
        "exhortation": "exhortation without a step", "missing_example": "no concrete example",
        "missing_impact": "no impact stated", "missing_next_step": "no concrete next step",
        "one_sided": "not balanced", "rating_mismatch": "text does not match the rating",
    },
    "zh": {
        "vague_language": "笼统评价", "personality_label": "给人贴标签",
        "biased_language": "带身份偏见的用语", "absolute_language": "绝对化用语",
        "exhortation": "只有号召没有行动", "missing_example": "缺少具体事例",
        "missing_impact": "没有说明影响", "missing_next_step": "没有具体的下一步",
        "one_sided": "不够平衡", "rating_mismatch": "文字与评分不符",
    },
}


def problems_line(findings: list[Finding], lang: str) -> str:
    """The analyzer's findings as one short line (short prompts keep the small model fast
    and stop it from echoing a structured context back)."""
    names = _PROBLEM_NAMES["zh" if lang == "zh" else "en"]
    parts: list[str] = []
    for f in findings:
        name = names.get(f.kind)
        if name is None:
            continue
        part = f'{name} "{f.text}"' if f.text else name
        if part not in parts:
            parts.append(part)
    return ("; " if lang != "zh" else "；").join(parts[:7]) or ("none" if lang != "zh" else "无")


def short_title(title: str) -> str:
    """A guidance title up to its colon ("Specific feedback: examples, numbers and
    situations" -> "Specific feedback"): enough to cite by, and every prompt token counts
    before the first one comes back."""
    head = re.split(r"\s*[:：]\s*", title, maxsplit=1)[0].strip()
    return head if len(head) >= 4 else title


def prompt_vars(analysis: Analysis, guidance: list[GuidancePassage]) -> dict[str, Any]:
    """Variables shared by every prompt. Each task's system prompt is the same for every
    draft in a language (the embedded model keeps it read, ``llm/prefix_cache``); the draft
    and everything drawn from it go in the user turn."""
    lang = analysis.message_language
    return {
        "draft": analysis.text,
        "language_name": LANGUAGE_NAMES[lang],
        "problems": problems_line(analysis.findings, lang),
        "guidance_titles": [short_title(g.title) for g in guidance[:MAX_PROMPT_GUIDANCE]],
    }


def failure(node: str, exc: ModelError) -> dict[str, Any]:
    """State update for a failed model call: degrade, and stop calling an absent model."""
    return {
        "degraded": True,
        "model_unavailable": isinstance(exc, ModelUnavailable | ModelTimeout),
        "calls": [CallRecord(node=node, ok=False, error=type(exc).__name__)],
        "notes": [f"{node}: {type(exc).__name__}: {str(exc)[:200]}"],
    }


def generate_text(
    runtime: Runtime[Context],
    *,
    event: str,
    system: str,
    user: str,
    max_tokens: int,
    visible: Callable[[str], str] | None = None,
    stop: Sequence[str] | None = None,
) -> Generation[BaseModel]:
    """One text generation. When the context asks for streaming, the reply is generated with
    ``model.stream`` and each new piece of ``visible(text so far)`` is sent to the stream
    writer as ``{"event": event, "delta": ...}``; otherwise ``model.generate`` is used.

    Streamed generations report the number of deltas as completion tokens (one per token on
    llama.cpp) and no prompt token count. ``stop`` ends the reply where the model would go
    on past the task's format (a small model adds explanations and comments that the node
    would drop anyway, at ~60 ms a token on two cores).

    Raises:
        ModelError: as the gateway's ``generate``/``stream``, possibly mid-stream;
            ``ModelUnavailable`` when ``ctx.cancel`` is set during the stream.
    """
    ctx = runtime.context
    model = ctx.model
    assert model is not None
    if not ctx.stream_text:
        return model.generate(system=system, user=user, max_tokens=max_tokens, stop=stop)
    write = runtime.stream_writer
    text, sent, deltas = "", "", 0
    stream = model.stream(system=system, user=user, max_tokens=max_tokens, stop=stop)
    try:
        for delta in stream:
            if ctx.cancel is not None and ctx.cancel.is_set():
                raise ModelUnavailable("generation stopped: the client went away")
            text += delta
            deltas += 1
            shown = visible(text) if visible is not None else text
            if len(shown) > len(sent) and shown.startswith(sent):
                write({"event": event, "delta": shown[len(sent):]})
                sent = shown
    finally:
        close = getattr(stream, "close", None)
        if callable(close):
            close()  # stops the backend's generation and frees the model at once
    return Generation(text, None, 0, deltas, getattr(model, "model_name", ""))
