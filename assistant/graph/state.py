"""Typed state of the coaching graph."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ..analyzer import Analysis
from ..development import CatalogueEntry
from ..schemas import DevelopmentAction, GuidancePassage


class CallRecord(BaseModel):
    """One model call, for the result's metadata."""

    node: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ok: bool = True
    error: str | None = None


class TailoredAction(BaseModel):
    """The model's wording of one catalogue action for this draft."""

    catalogue_id: str
    """Id of one of the candidate actions."""
    title: str = Field(min_length=1, max_length=200)
    """The action, adapted to this draft's growth area."""


class CritiqueOutput(BaseModel):
    """Parsed reply of the critique call."""

    critique: str = Field(min_length=1, max_length=1500)
    """2-3 sentences citing guidance as [1], [2]."""
    actions: list[TailoredAction] = Field(default_factory=list, max_length=3)


@dataclass(kw_only=True)
class CoachInput:
    """What a caller provides."""

    text: str
    """The manager's draft, unchanged."""
    rating: int | None = None
    """Optional 1-5 rating, checked against the tone of the text."""
    no_llm: bool = False
    """Skip every model call (guidance and catalogue actions are still given)."""


@dataclass(kw_only=True)
class CoachState(CoachInput):
    """Full graph state; nodes return only the keys they change."""

    analysis: Analysis | None = None
    """Deterministic verdicts, scores and findings: the judgement of record."""
    guidance: list[GuidancePassage] = field(default_factory=list)
    """Passages retrieved for the weaknesses found, cited by the critique."""
    candidates: list[tuple[CatalogueEntry, str]] = field(default_factory=list)
    """Catalogue entries chosen for the growth areas, with the area each addresses."""
    critique: str | None = None
    """Model narrative grounded in ``guidance``; None without a model."""
    tailoring: list[TailoredAction] = field(default_factory=list)
    """Model wording for the candidates, validated before use."""
    development_actions: list[DevelopmentAction] = field(default_factory=list)
    """Final actions: catalogue entries, tailored wording where it passed the checks."""
    rewrite: str | None = None
    """Rewritten draft; placeholders mark evidence the manager must supply."""
    rewrite_source: Literal["model", "placeholder", "none"] = "none"
    rewrite_attempts: int = 0
    """Model rewrite attempts so far (one retry after a violation)."""
    violation: str | None = None
    """Why the last model rewrite was rejected, fed back on the retry."""
    degraded: bool = False
    """True when a model step failed and a fallback was used."""
    model_unavailable: bool = False
    """Set after an unavailable/timeout error so later nodes skip the model."""
    calls: Annotated[list[CallRecord], operator.add] = field(default_factory=list)
    notes: Annotated[list[str], operator.add] = field(default_factory=list)
