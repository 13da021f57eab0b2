"""Shared helpers for nodes that call the model."""

from __future__ import annotations

from typing import Any

from ...analyzer import Analysis
from ...llm.errors import ModelError, ModelTimeout, ModelUnavailable
from ...schemas import GuidancePassage
from ..state import CallRecord

LANGUAGE_NAMES = {"en": "English", "zh": "Simplified Chinese"}


def prompt_vars(analysis: Analysis, guidance: list[GuidancePassage]) -> dict[str, Any]:
    """Variables shared by every prompt, rendered as one identical prefix so the embedded
    model can reuse its KV cache between the critique and rewrite calls."""
    lang = analysis.message_language
    return {
        "draft": analysis.text,
        "language_name": LANGUAGE_NAMES[lang],
        "verdicts": analysis.verdicts.model_dump(),
        "biased": analysis.biased,
        "findings": [f for f in analysis.findings if f.kind != "embedded_instruction"][:8],
        "guidance": guidance,
        "ignored": [analysis.text[s:e] for s, e in analysis.ignored_spans],
    }


def failure(node: str, exc: ModelError) -> dict[str, Any]:
    """State update for a failed model call: degrade, and stop calling an absent model."""
    return {
        "degraded": True,
        "model_unavailable": isinstance(exc, ModelUnavailable | ModelTimeout),
        "calls": [CallRecord(node=node, ok=False, error=type(exc).__name__)],
        "notes": [f"{node}: {type(exc).__name__}: {str(exc)[:200]}"],
    }
