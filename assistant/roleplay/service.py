"""``RoleplayService``: the owner-scoped role-play API used by the CLI and the HTTP routes.

Every method takes keyword-only arguments and raises typed errors the routes map to status
codes: ``SessionNotFound`` (404: unknown, expired or another owner's session, never
distinguished), ``ScenarioNotFound`` (404/422), ``InputError`` (422: empty or oversized
message, bad rating or language).

Streaming (``stream_turn``) yields, in order:

1. ``{"event": "turn", "hint", "tags", "state"}``: the deterministic part, before the model;
2. ``{"event": "delta", "text"}``: reply text as it is generated (held back by a few words
   so the guard can stop a leak before it is shown);
3. ``{"event": "reset", "reason"}``: only when a reply already partly shown is rejected by
   the guard; the client clears the reply, and the regenerated or fallback line follows as
   new deltas;
4. ``{"event": "done", "reply", "hint", "tags", "state", "degraded"}``: the final turn, the
   same object ``turn`` returns; the turn is persisted before it is yielded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from ..llm.errors import ModelError
from ..llm.gateway import ModelGateway
from ..prompts import PromptRenderer
from ..service import InputError
from .context import RoleplayContext
from .debrief import Debrief, build_debrief
from .graph import build_graph
from .nodes.respond import prefix_prompts
from .scenario import LANGS, Lang, ScenarioSummary, load_scenarios
from .state import Entry, RoleplayState
from .store import SessionMeta, SessionStore, open_store

__all__ = ["InputError", "RoleplayService", "ScenarioNotFound", "SessionNotFound"]

MAX_DRAFT_CHARS = 20_000


class SessionNotFound(LookupError):
    """No such session for this owner (unknown, expired, deleted or someone else's)."""


class ScenarioNotFound(LookupError):
    """No scenario with this id."""


def new_session_id() -> str:
    """An unguessable session id (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(24)


@dataclass
class RoleplayService:
    """Role-play sessions for many owners over one graph and one store."""

    context: RoleplayContext
    store: SessionStore
    idle_seconds: float = 120 * 60
    clock: Callable[[], float] = time.time
    max_message_chars: int = 2_000
    prime: bool = False
    """Fill a local model's prefix cache between turns (see ``Settings.roleplay_prime``)."""
    _graph: Any = field(init=False, repr=False)
    _primer: threading.Thread | None = field(default=None, init=False, repr=False)
    _locks: dict[str, threading.Lock] = field(default_factory=dict, init=False, repr=False)
    _locks_guard: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._graph = build_graph(self.store.checkpointer)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        model: ModelGateway | None = None,
        with_model: bool = True,
        store: SessionStore | None = None,
        clock: Callable[[], float] = time.time,
        prime: bool | None = None,
    ) -> RoleplayService:
        """Wire the real dependencies: scenarios, prompts, the session store, the model.

        ``prime`` defaults to on for a local model built here (never for an injected one,
        e.g. a scripted model in tests).
        """
        if prime is None:
            prime = model is None and with_model and settings.is_local_model and (
                settings.roleplay_prime)
        if model is None and with_model:
            from ..llm.gateway import LiteLLMGateway

            model = LiteLLMGateway(settings)
        context = RoleplayContext(
            settings=settings,
            prompts=PromptRenderer(settings.prompts_dir),
            scenarios=load_scenarios(),
            model=model,
            clock=clock,
            max_attempts=max(1, settings.roleplay_attempts),
            max_tokens=settings.roleplay_max_tokens,
        )
        return cls(
            context=context,
            store=store if store is not None else open_store(settings),
            idle_seconds=settings.session_idle_minutes * 60,
            clock=clock,
            max_message_chars=settings.roleplay_max_message_chars,
            prime=prime,
        )

    # -- scenarios -----------------------------------------------------------------------

    def list_scenarios(self, *, language: str | None = None) -> list[ScenarioSummary]:
        """Every scenario in every language (or in ``language``)."""
        langs = LANGS if language is None else (self._language(language),)
        return [
            ScenarioSummary(id=s.id, title=s.text(lang).title, language=lang,
                            persona=f"{s.text(lang).persona.name}, {s.text(lang).persona.role}")
            for s in self.context.scenarios.values() for lang in langs
        ]

    # -- sessions ------------------------------------------------------------------------

    def create_session(
        self,
        *,
        owner: str,
        scenario: str,
        draft: str | None = None,
        rating: int | None = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        """Start a session; returns ``{session_id, opening, state, scenario, language}``.

        Raises:
            ScenarioNotFound: unknown scenario id.
            InputError: bad draft, rating or language.
        """
        if scenario not in self.context.scenarios:
            raise ScenarioNotFound(f"no scenario {scenario!r}; see list_scenarios()")
        lang = self._language(language or "en")
        if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int)
                                   or not 1 <= rating <= 5):
            raise InputError("the rating must be an integer from 1 to 5")
        if draft is not None:
            if not draft.strip():
                draft = None
            elif len(draft) > MAX_DRAFT_CHARS or "\x00" in draft:
                raise InputError(f"the draft must be under {MAX_DRAFT_CHARS:,} characters of text")
        session_id = new_session_id()
        now = self.clock()
        state = self._graph.invoke(
            {"scenario_id": scenario, "language": lang, "draft": draft, "rating": rating},
            self._config(session_id), context=self.context, durability="sync",
        )
        self.store.add(SessionMeta(session_id, owner, scenario, lang, now, now, 0))
        self._start_priming(state)
        opening = state["transcript"][-1]["text"]
        return {"session_id": session_id, "opening": opening, "state": dict(state["persona"]),
                "scenario": scenario, "language": lang}

    def turn(self, *, owner: str, session_id: str, message: str) -> dict[str, Any]:
        """One manager turn; returns ``{reply, hint, tags, state, degraded}``.

        The turn is persisted before this returns.

        Raises:
            SessionNotFound, InputError.
        """
        result: dict[str, Any] | None = None
        for event in self.stream_turn(owner=owner, session_id=session_id, message=message):
            if event["event"] == "done":
                result = {k: v for k, v in event.items() if k != "event"}
        if result is None:  # pragma: no cover - stream_turn always ends with done
            raise RuntimeError("the turn did not complete")
        return result

    def stream_turn(self, *, owner: str, session_id: str, message: str,
                    model: ModelGateway | None = None) -> Iterator[dict[str, Any]]:
        """One manager turn as events (see the module docstring for their order).

        The message and the session are checked before this returns, so ``InputError`` and
        ``SessionNotFound`` are raised at call time, not on the first event.

        Args:
            owner: The caller's id (an API key's id; ``local`` for the CLI).
            session_id: The session.
            message: What the manager says.
            model: Use this model for this turn instead of the service's (the API passes one
                that first waits for its place in the model queue).
        """
        message = self._message(message)
        self._meta(owner, session_id)
        context = self.context if model is None else dataclasses.replace(self.context,
                                                                         model=model)
        return self._events(session_id, message, context)

    def check_session(self, *, owner: str, session_id: str) -> SessionMeta:
        """The session's index row (turn count, last activity) if ``owner`` may use it.

        Raises:
            SessionNotFound: unknown, expired, deleted or another owner's session.
        """
        return self._meta(owner, session_id)

    def _events(self, session_id: str, message: str,
                context: RoleplayContext) -> Iterator[dict[str, Any]]:
        with self._lock(session_id):
            final: dict[str, Any] = {}
            for mode, chunk in self._graph.stream(
                {"message": message}, self._config(session_id), context=context,
                stream_mode=["updates", "custom", "values"], durability="sync",
            ):
                if mode == "custom":
                    yield dict(chunk)
                elif mode == "updates" and "assess" in chunk:
                    entry = chunk["assess"]["transcript"][-1]
                    yield {"event": "turn", "hint": entry["hint"], "tags": entry["tags"],
                           "state": dict(chunk["assess"]["persona"])}
                elif mode == "values":
                    final = chunk
            manager = final["transcript"][-2]
            reply = final["transcript"][-1]
            turns = sum(e["speaker"] == "manager" for e in final["transcript"])
            self.store.touch(session_id, at=self.clock(), turns=turns)
            self._start_priming(final)
        yield {"event": "done", "reply": reply["text"], "hint": manager["hint"],
               "tags": manager["tags"], "state": dict(final["persona"]),
               "degraded": bool(final["degraded"])}

    def get_session(self, *, owner: str, session_id: str) -> dict[str, Any]:
        """The transcript and current state of a session."""
        meta = self._meta(owner, session_id)
        values = self._values(session_id)
        return {
            "session_id": session_id,
            "scenario": meta.scenario,
            "language": meta.language,
            "created_at": meta.created_at,
            "last_active": meta.last_active,
            "state": dict(values["persona"]),
            "draft": values.get("draft"),
            "rating": values.get("rating"),
            "transcript": [self._public(e) for e in values["transcript"]],
            "stats": {
                "regenerations": values.get("regenerations", 0),
                "fallbacks": values.get("fallbacks", 0),
                "model_calls": len(values.get("calls", [])),
                "completion_tokens": sum(c["completion_tokens"] for c in values.get("calls", [])),
                "rejected": [c["error"] for c in values.get("calls", []) if not c["ok"]],
            },
        }

    def debrief(self, *, owner: str, session_id: str, prose: bool = True) -> Debrief:
        """Score the conversation so far (see ``debrief.build_debrief``)."""
        self._meta(owner, session_id)
        values = self._values(session_id)
        scenario = self.context.scenarios[values["scenario_id"]]
        return build_debrief(
            transcript=values["transcript"], draft=values.get("draft"),
            rating=values.get("rating"), language=values["language"],
            start_stress=scenario.initial.stress,
            model=self.context.model if prose else None, prompts=self.context.prompts,
        )

    def delete_session(self, *, owner: str, session_id: str) -> None:
        """Delete a session and all its checkpoints."""
        self._meta(owner, session_id)
        with self._lock(session_id):
            self.store.delete(session_id)
        with self._locks_guard:
            self._locks.pop(session_id, None)

    def expire_idle(self) -> list[str]:
        """Delete every session idle longer than the configured time; returns their ids."""
        expired = self.store.idle_since(self.clock() - self.idle_seconds)
        for session_id in expired:
            self.store.delete(session_id)
        return expired

    def wait_idle(self, timeout: float | None = None) -> None:
        """Wait for background priming to finish (benchmarks, orderly shutdown)."""
        if self._primer is not None:
            self._primer.join(timeout)

    def close(self) -> None:
        """Wait for priming, then close the store's connections."""
        self.wait_idle(timeout=30)
        self.store.close()

    def _start_priming(self, values: dict[str, Any]) -> None:
        """Read the next turn's known prompt prefix into the local model's cache, in the
        background; a turn that starts meanwhile waits on the model's own lock."""
        model = self.context.model
        if not self.prime or model is None:
            return
        names = {f.name for f in dataclasses.fields(RoleplayState)}
        state = RoleplayState(**{k: v for k, v in values.items() if k in names})
        system, prefix = prefix_prompts(state, self.context)

        def run() -> None:
            # Priming is an optimisation; the turn itself reports real model failures.
            with contextlib.suppress(ModelError):
                model.generate(system=system, user=prefix, max_tokens=1)

        self.wait_idle()
        self._primer = threading.Thread(target=run, name="roleplay-prime", daemon=True)
        self._primer.start()

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _config(session_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": session_id}}

    def _meta(self, owner: str, session_id: str) -> SessionMeta:
        meta = self.store.get(session_id) if isinstance(session_id, str) and session_id else None
        if meta is None or not hmac.compare_digest(meta.owner.encode(), owner.encode()):
            raise SessionNotFound("no such session")
        if meta.last_active < self.clock() - self.idle_seconds:
            self.store.delete(session_id)
            raise SessionNotFound("no such session")
        return meta

    def _values(self, session_id: str) -> dict[str, Any]:
        snapshot = self._graph.get_state(self._config(session_id))
        values: dict[str, Any] = dict(snapshot.values)
        if not values.get("started"):
            raise SessionNotFound("no such session")
        return values

    def _lock(self, session_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(session_id, threading.Lock())

    def _message(self, message: str) -> str:
        if not isinstance(message, str) or not message.strip():
            raise InputError("the message is empty")
        if len(message) > self.max_message_chars:
            raise InputError(f"the message has {len(message):,} characters; the limit is "
                             f"{self.max_message_chars:,}")
        if "\x00" in message:
            raise InputError("the message contains NUL characters")
        return message.strip()

    @staticmethod
    def _language(language: str) -> Lang:
        if language not in LANGS:
            raise InputError(f"unsupported language {language!r}; use one of {', '.join(LANGS)}")
        return language

    @staticmethod
    def _public(entry: Entry) -> dict[str, Any]:
        out: dict[str, Any] = {"speaker": entry["speaker"], "text": entry["text"],
                               "at": entry["at"], "state": {"trust": entry["trust"],
                                                            "stress": entry["stress"]}}
        if entry["speaker"] == "manager":
            out |= {"tags": entry["tags"], "hint": entry["hint"]}
        else:
            out |= {"stance": entry["stance"], "source": entry["source"]}
        return out
