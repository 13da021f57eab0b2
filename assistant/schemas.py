"""Public result types. ``CritiqueResult`` is the stable ``schema_version: 1`` contract
shared by the CLI (``--json``, ``--batch``) and the API; add fields, never rename them."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from .config import VerdictMode

SCHEMA_VERSION: Final = 1

FindingKind = Literal[
    "vague_language",
    "personality_label",
    "biased_language",
    "absolute_language",
    "missing_example",
    "missing_impact",
    "missing_next_step",
    "one_sided",
    "rating_mismatch",
    "exhortation",
    "embedded_instruction",
]

DevelopmentType = Literal[
    "training",
    "course",
    "certification",
    "mentoring",
    "coaching",
    "shadowing",
    "job_rotation",
    "stretch_assignment",
    "project",
    "peer_feedback",
    "practice",
    "reading",
    "self_review",
]


class Verdicts(BaseModel):
    """Pass/fail per quality dimension, always computed by the deterministic analyzer."""

    specific: bool
    """Describes what the person did or achieved in a particular situation."""
    balanced: bool
    """Names at least one strength and at least one area to improve."""
    actionable: bool
    """Proposes at least one concrete next step."""
    behavior_focused: bool
    """No label of the person's character, attitude or personality."""


class Scores(BaseModel):
    """0-100 graded scores behind the verdicts."""

    specificity: int = Field(ge=0, le=100)
    balance: int = Field(ge=0, le=100)
    actionability: int = Field(ge=0, le=100)


class Finding(BaseModel):
    """One problem, located in the draft when it has a span.

    Document-level findings (``missing_next_step``, ``one_sided``...) have null spans.
    """

    kind: FindingKind
    start: int | None = None
    end: int | None = None
    text: str | None = None
    message: str
    suggestion: str
    category: str | None = None
    """For ``biased_language``: gender, age, family, identity, appearance...; for a rules
    ``personality_label``: its polarity; ``learned`` for a finding the learned verdicts
    placed (``analyzer.core._learned_findings``)."""


class GuidancePassage(BaseModel):
    """A passage from the knowledge base that backs a point of the critique."""

    source: str
    title: str
    excerpt: str
    heading: str | None = None
    language: str | None = None
    for_kinds: list[str] = Field(default_factory=list)
    """The finding kinds this passage was retrieved for."""


class DevelopmentAction(BaseModel):
    """A development step tied to a gap the analyzer found."""

    title: str
    type: DevelopmentType
    rationale: str
    timeframe: str
    progress_signal: str = ""
    """How the manager and employee will see progress."""
    catalogue_id: str | None = None


class RunMeta(BaseModel):
    """How the result was produced, so two runs can be compared."""

    model: str | None = None
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elapsed_ms: int = 0
    analyzer_version: str = ""
    verdicts: VerdictMode = "rules"
    """Who decided ``specific``, ``balanced`` and ``actionable``, and in ``learned`` mode the
    label and coded-word findings too (``COACH_VERDICTS``)."""
    fabrication_retry: bool = False
    rewrite_source: Literal["model", "placeholder", "none"] = "none"
    notes: list[str] = Field(default_factory=list)


class CritiqueResult(BaseModel):
    """The coach's answer for one draft (``schema_version: 1``)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str | int | None = None
    language: Literal["en", "zh", "mixed"]
    verdicts: Verdicts
    scores: Scores
    findings: list[Finding]
    guidance: list[GuidancePassage] = Field(default_factory=list)
    development_actions: list[DevelopmentAction] = Field(default_factory=list)
    critique: str | None = None
    rewrite: str | None = None
    degraded: bool = False
    meta: RunMeta = Field(default_factory=RunMeta)


class CritiqueRequest(BaseModel):
    """One draft to critique (CLI batch line or API body)."""

    model_config = ConfigDict(extra="forbid")

    id: str | int | None = None
    text: str
    rating: int | None = Field(default=None, ge=1, le=5)
