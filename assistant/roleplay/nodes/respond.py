"""Node: one attempt at the persona's reply, voiced by the model and checked by the guard.

The reply is streamed through LangGraph's custom stream (``{"event": "delta", "text"}``);
``StreamGuard`` holds back the last words so a leak is stopped before release. A rejected
attempt that already released text emits ``{"event": "reset"}`` so the client clears it.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from ...graph.nodes._model import LANGUAGE_NAMES
from ...llm.errors import ModelError, ModelTimeout, ModelUnavailable
from ..context import RoleplayContext
from ..guard import (
    GuardContext,
    SpeakerLabel,
    StreamGuard,
    check_reply,
    strip_speaker,
    trim_to_sentence,
)
from ..persona import mood_word
from ..state import Call, RoleplayState

RETRY_TEMPERATURE = 0.8


def persona_prompts(state: RoleplayState, ctx: RoleplayContext) -> tuple[str, str]:
    """The system prompt (static for the session) and this turn's user message (the
    transcript, append-only, then the state and stance last)."""
    scenario = ctx.scenarios[state.scenario_id]
    text = scenario.text(state.language)
    system = ctx.prompts.render(
        "roleplay_persona", persona=text.persona, title=text.title, draft=state.draft,
        rating=state.rating, language_name=LANGUAGE_NAMES[state.language],
    )
    user = ctx.prompts.render(
        "roleplay_turn", transcript=state.transcript, persona_name=text.persona.name,
        mood=mood_word(state.persona, state.language), stance=state.stance,
        quote=state.quote, language=state.language, violation=state.violation,
        attempt=state.attempts + 1,
    )
    return system, user


def prefix_prompts(state: RoleplayState, ctx: RoleplayContext) -> tuple[str, str]:
    """The part of the next turn's prompts already known between turns: the system prompt
    and the transcript so far. Feeding it to a local model while the manager types fills its
    prefix cache, so the turn only reads the new message and the instruction."""
    system, user = persona_prompts(state, ctx)
    last = state.transcript[-1]["text"] if state.transcript else ""
    cut = user.rfind(last) + len(last) if last and last in user else user.find("\n")
    return system, user[:cut]


def guard_context(state: RoleplayState, ctx: RoleplayContext) -> GuardContext:
    """What the reply is checked against: the hidden text of this session, without the
    draft (quoting the draft back is fair) and without the challenged quote."""
    scenario = ctx.scenarios[state.scenario_id]
    text = scenario.text(state.language)
    hidden_system = ctx.prompts.render(
        "roleplay_persona", persona=text.persona, title=text.title, draft=None, rating=None,
        language_name=LANGUAGE_NAMES[state.language],
    )
    hidden_turn = ctx.prompts.render(
        "roleplay_turn", transcript=[], persona_name=text.persona.name,
        mood=mood_word(state.persona, state.language), stance=state.stance,
        quote=None, language=state.language, violation=None, attempt=1,
    )
    return GuardContext.build(
        language=state.language,
        secrets=[hidden_system, hidden_turn, text.persona.hidden_concern, *text.rubric],
        manager_message=state.message, injected=state.injected,
        persona_name=text.persona.name,
        previous=[e["text"] for e in state.transcript if e["speaker"] == "persona"],
        quotable="\n".join([state.draft or "", state.message]),
    )


def respond(state: RoleplayState, runtime: Runtime[RoleplayContext]) -> dict[str, Any]:
    """One model attempt; returns the accepted reply or the reason it was rejected."""
    ctx = runtime.context
    attempt = state.attempts + 1
    if ctx.model is None:
        return {"attempts": attempt, "model_unavailable": True, "violation": "no model"}
    write = get_stream_writer()
    system, user = persona_prompts(state, ctx)
    guard = StreamGuard(guard_context(state, ctx))
    name = ctx.scenarios[state.scenario_id].text(state.language).persona.name
    label = SpeakerLabel(name)
    raw = ""
    deltas = 0
    try:
        # A retry samples more freely: the small model otherwise repeats the rejected line.
        temperature = None if attempt == 1 else RETRY_TEMPERATURE
        chunks = ctx.model.stream(system=system, user=user, max_tokens=ctx.max_tokens,
                                  temperature=temperature)
        try:
            for delta in chunks:
                deltas += 1
                spoken = label.feed(delta)
                raw += spoken
                ready = guard.feed(spoken) if spoken else ""
                if ready:
                    write({"event": "delta", "text": ready})
                if guard.violation is not None:
                    break
            tail = label.flush()
            if tail and guard.violation is None:
                raw += tail
                guard.feed(tail)
        finally:
            close = getattr(chunks, "close", None)
            if callable(close):
                close()
    except ModelError as exc:
        if guard.released:
            write({"event": "reset", "reason": "model_error"})
        return {
            "attempts": attempt,
            "violation": f"model error: {type(exc).__name__}",
            "model_unavailable": isinstance(exc, ModelUnavailable | ModelTimeout),
            "calls": [Call(node="respond", prompt_tokens=0, completion_tokens=0, ok=False,
                           error=type(exc).__name__)],
        }
    # Streams report no usage: the prompt is estimated, one delta is about one token.
    record = Call(node="respond", prompt_tokens=len(system + user) // 4,
                  completion_tokens=deltas, ok=True, error=None)
    violation = guard.violation
    reply = trim_to_sentence(strip_speaker(raw, name))
    if violation is None:
        violation = check_reply(reply, guard.ctx)
    if violation is not None:
        record["ok"], record["error"] = False, violation.code
        if guard.released:
            write({"event": "reset", "reason": violation.code})
        return {
            "attempts": attempt,
            "violation": f"{violation.code}: {violation.detail}"[:200],
            "candidate": None,
            "regenerations": state.regenerations + 1,
            "calls": [record],
        }
    rest = reply[guard.released:] if reply.startswith(guard.text[:guard.released]) else None
    if rest is None:
        # The cleaned reply differs from what was released (a stripped speaker label or a
        # trimmed tail): start over with the clean text.
        if guard.released:
            write({"event": "reset", "reason": "cleaned"})
        write({"event": "delta", "text": reply})
    elif rest:
        write({"event": "delta", "text": rest})
    return {"attempts": attempt, "candidate": reply, "violation": None, "calls": [record]}


def route_after_respond(state: RoleplayState) -> Literal["respond", "finish"]:
    """Retry a rejected reply while attempts remain and the model is reachable."""
    if state.candidate is not None or state.model_unavailable:
        return "finish"
    return "respond" if state.attempts < state.max_attempts else "finish"
