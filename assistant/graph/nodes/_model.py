"""Shared helpers for nodes that call the model."""

from __future__ import annotations

from typing import Any

from ...analyzer import Analysis
from ...llm.errors import ModelError, ModelTimeout, ModelUnavailable
from ...schemas import Finding, GuidancePassage
from ..state import CallRecord

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


def prompt_vars(analysis: Analysis, guidance: list[GuidancePassage]) -> dict[str, Any]:
    """Variables shared by every prompt. Both calls render the same prefix (system prompt,
    draft, problems, guidance) so the embedded model reuses its KV cache on the second."""
    lang = analysis.message_language
    return {
        "draft": analysis.text,
        "language_name": LANGUAGE_NAMES[lang],
        "problems": problems_line(analysis.findings, lang),
        "guidance": guidance[:MAX_PROMPT_GUIDANCE],
    }


def failure(node: str, exc: ModelError) -> dict[str, Any]:
    """State update for a failed model call: degrade, and stop calling an absent model."""
    return {
        "degraded": True,
        "model_unavailable": isinstance(exc, ModelUnavailable | ModelTimeout),
        "calls": [CallRecord(node=node, ok=False, error=type(exc).__name__)],
        "notes": [f"{node}: {type(exc).__name__}: {str(exc)[:200]}"],
    }
