"""Typed state of the role-play graph. One LangGraph thread per session: the checkpointer
persists this state after every step, so a session survives a restart."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated, Literal, TypedDict

from .persona import DraftPoint, PersonaState
from .scenario import Lang


class Call(TypedDict):
    """One model call, for the turn's metadata (plain data, so checkpoints stay portable)."""

    node: str
    prompt_tokens: int
    completion_tokens: int
    ok: bool
    error: str | None


class Entry(TypedDict):
    """One line of the transcript."""

    speaker: Literal["manager", "persona"]
    text: str
    at: float
    """Unix time the line was added."""
    trust: int
    stress: int
    """The persona's state after this line."""
    tags: list[str]
    """Manager lines: the moves found (``MoveTag`` names)."""
    spans: dict[str, str]
    """Manager lines: the words that triggered each tag."""
    hint: str | None
    """Manager lines: the live hint shown for it."""
    stance: str | None
    """Persona lines: the stance decided in code."""
    source: Literal["manager", "opening", "model", "fallback"]
    """Where the line came from."""


@dataclass(kw_only=True)
class RoleplayInput:
    """What a caller sends: the session's set-up on the first run, a message afterwards."""

    message: str = ""
    """The manager's turn (empty on the run that opens the session)."""
    scenario_id: str = ""
    language: Lang = "en"
    draft: str | None = None
    """The manager's real draft; the persona pushes back on what it says."""
    rating: int | None = None


@dataclass(kw_only=True)
class RoleplayState(RoleplayInput):
    """Full state; nodes return only the keys they change."""

    started: bool = False
    persona: PersonaState = field(default_factory=lambda: PersonaState(trust=50, stress=50))
    """Trust and stress, updated in code from the manager's moves."""
    points: list[DraftPoint] = field(default_factory=list)
    """Labels and vague verdicts of the draft the persona can challenge."""
    raised: list[int] = field(default_factory=list)
    """Indexes of ``points`` already challenged."""
    transcript: Annotated[list[Entry], operator.add] = field(default_factory=list)
    stance: str = "push_back"
    """This turn's stance (``Stance``)."""
    quote: str | None = None
    """Words the persona challenges this turn."""
    point_used: int | None = None
    injected: bool = False
    """This turn's message contained an instruction to a model."""
    candidate: str | None = None
    """The last model reply that passed the guard, if any."""
    violation: str | None = None
    """Why the last model reply was rejected (fed back on the retry)."""
    attempts: int = 0
    """Model attempts this turn."""
    max_attempts: int = 2
    """Attempts allowed per turn (from the context, copied here for the routing function)."""
    streamed: bool = False
    """Text of a rejected attempt was already released to a streaming client."""
    model_unavailable: bool = False
    degraded: bool = False
    """This turn used the fallback line because the model failed or kept breaking character."""
    regenerations: int = 0
    """Rejected replies over the whole session."""
    fallbacks: int = 0
    """Fallback lines over the whole session."""
    calls: Annotated[list[Call], operator.add] = field(default_factory=list)
