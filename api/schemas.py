"""Request and response bodies of the HTTP API, named by role. Results reuse the CLI's
``CritiqueResult`` (``schema_version: 1``) unchanged."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.schemas import CritiqueResult

from .errors import ErrorBody


class CritiqueCreate(BaseModel):
    """One draft to critique."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The draft (at most 20,000 characters).")
    rating: int | None = Field(default=None, ge=1, le=5, description="The rating given, 1-5.")
    no_llm: bool = Field(default=False, description="Skip every model call.")


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
