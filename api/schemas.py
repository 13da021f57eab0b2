"""Request and response bodies of the HTTP API, named by role. Results reuse the CLI's
``CritiqueResult`` (``schema_version: 1``) and the role-play ``Debrief`` unchanged."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.roleplay.debrief import Debrief
from assistant.schemas import CritiqueResult

from .errors import ErrorBody


class CritiqueCreate(BaseModel):
    """One draft to critique."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The draft (at most 20,000 characters).")
    rating: int | None = Field(default=None, ge=1, le=5, description="The rating given, 1-5.")
    no_llm: bool = Field(default=False, description="Skip every model call.")


class PrimeCreate(BaseModel):
    """A draft the manager is looking at, likely to be critiqued next."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The draft (at most 20,000 characters).")
    rating: int | None = Field(default=None, ge=1, le=5, description="The rating given, 1-5.")


class PrimePublic(BaseModel):
    """Whether the draft's prompt is being read into the model's cache."""

    accepted: bool
    reason: Literal["model_keeps_no_cache", "model_busy"] | None = Field(
        default=None, description="Why not, when not accepted.")


class BatchItemCreate(BaseModel):
    """One draft of a batch."""

    model_config = ConfigDict(extra="forbid")

    id: str | int | None = None
    text: str
    rating: int | None = Field(default=None, ge=1, le=5)


class BatchCreate(BaseModel):
    """Up to 500 drafts, critiqued in order."""

    model_config = ConfigDict(extra="forbid")

    items: list[BatchItemCreate] = Field(min_length=1, max_length=500)
    no_llm: bool = False


class BatchItemError(BaseModel):
    """In place of a result: why one item of a batch failed."""

    index: int
    """Position of the item in the request, from 0."""
    id: str | int | None = None
    error: ErrorBody


class BatchPublic(BaseModel):
    """Results in the order of the items; a failed item has an error object instead."""

    results: list[CritiqueResult | BatchItemError]
    failed: int


class GuidancePassagePublic(BaseModel):
    """A passage of the knowledge base, with where it comes from."""

    text: str
    source: str
    title: str
    heading: str | None = None
    language: str
    score: float


class GuidanceSearchPublic(BaseModel):
    query: str
    results: list[GuidancePassagePublic]


class HealthPublic(BaseModel):
    status: Literal["ok"] = "ok"


class ReadinessPublic(BaseModel):
    status: Literal["ready"] = "ready"
    store: bool
    model: bool
    model_load_s: float | None = None
    startup: dict[str, float] = Field(default_factory=dict)
    """Seconds into start-up at the end of each step (store, guidance cache, warm-up...)."""


# -- role-play -------------------------------------------------------------------------------

RoleplayLanguage = Literal["en", "zh"]


class RoleplayScenarioPublic(BaseModel):
    """A scenario in one language (each scenario is listed once per language)."""

    id: str
    title: str
    language: RoleplayLanguage
    persona: str
    """``name, role`` of the employee, for display."""


class RoleplayStatePublic(BaseModel):
    """The persona's state, 0-100, moved in code by the manager's moves."""

    trust: int
    stress: int


class RoleplaySessionCreate(BaseModel):
    """Start a practice conversation."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(min_length=1, max_length=100,
                          description="A scenario id from GET /v1/roleplay/scenarios.")
    draft: str | None = Field(default=None, max_length=20_000,
                              description="Your written feedback for this employee; the "
                                          "persona challenges its labels and vague verdicts.")
    rating: int | None = Field(default=None, ge=1, le=5, description="The rating given, 1-5.")
    language: RoleplayLanguage | None = Field(default=None,
                                              description="en (default) or zh.")


class RoleplaySessionPublic(BaseModel):
    """A new session: its id (keep it; only your API key can use it) and the opening line."""

    session_id: str
    scenario: str
    language: RoleplayLanguage
    opening: str
    """The persona's first line."""
    state: RoleplayStatePublic


class RoleplayTurnCreate(BaseModel):
    """What the manager says next."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(description="Not empty; at most COACH_ROLEPLAY_MAX_MESSAGE_CHARS "
                                     "(2,000) characters.")


class RoleplayTurnPublic(BaseModel):
    """The persona's reply and the coaching on the manager's move."""

    reply: str
    hint: str | None
    """One line of coaching on what the manager just said."""
    tags: list[str]
    """The moves found in the manager's message (``open_question``, ``cites_evidence``...)."""
    state: RoleplayStatePublic
    degraded: bool
    """True when the model failed or was rejected and an in-character fallback line was used."""


class RoleplayLinePublic(BaseModel):
    """One line of the transcript."""

    speaker: Literal["manager", "persona"]
    text: str
    at: float
    """Unix time."""
    state: RoleplayStatePublic
    """The persona's state after this line."""
    tags: list[str] | None = None
    """Manager lines: the moves found."""
    hint: str | None = None
    """Manager lines: the hint shown for it."""
    stance: str | None = None
    """Persona lines: what the persona did (``push_back``, ``open_up``...)."""
    source: str | None = None
    """Persona lines: ``opening``, ``model`` or ``fallback``."""


class RoleplayStatsPublic(BaseModel):
    """Model use over the session."""

    regenerations: int
    fallbacks: int
    model_calls: int
    completion_tokens: int
    rejected: list[str]


class RoleplayTranscriptPublic(BaseModel):
    """A session as stored: settings, the whole transcript, the current state."""

    session_id: str
    scenario: str
    language: RoleplayLanguage
    created_at: float
    last_active: float
    state: RoleplayStatePublic
    draft: str | None
    rating: int | None
    transcript: list[RoleplayLinePublic]
    stats: RoleplayStatsPublic


class RoleplayDebriefPublic(Debrief):
    """Rubric scores 1-5 computed in code with quotes, three things to do differently, the
    revised draft and the development plan (see ``assistant.roleplay.debrief``)."""

    session_id: str
