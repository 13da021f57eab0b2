"""``/v1/roleplay``: practise the review conversation with a simulated employee.

Thin over ``RoleplayService``: the caller's API key id is the session owner (another key
gets 404), service errors map to 404/422 in the one error shape, blocking calls run in the
threadpool, and every call that may use the model (a turn, a debrief with turns to
summarise) takes a place in the model queue first (503 + ``Retry-After`` when it is full).
Creating a session uses no model: the opening line is the scenario's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar, cast

from fastapi import APIRouter, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse

from assistant.llm.gateway import ModelGateway
from assistant.roleplay.service import InputError, ScenarioNotFound, SessionNotFound

from ..deps import RateLimitedKey, RoleplayDep, ServiceDep
from ..errors import ERROR_RESPONSES, ApiError, ErrorResponse
from ..schemas import (
    RoleplayDebriefPublic,
    RoleplayLanguage,
    RoleplayScenarioPublic,
    RoleplaySessionCreate,
    RoleplaySessionPublic,
    RoleplayTranscriptPublic,
    RoleplayTurnCreate,
    RoleplayTurnPublic,
)
from ..streaming import Event, GatedModel, event_stream

T = TypeVar("T")

router = APIRouter(
    prefix="/v1/roleplay", tags=["roleplay"],
    responses={**ERROR_RESPONSES,
               404: {"model": ErrorResponse, "description": "No such scenario or session "
                                                             "(or not this API key's)"}},
)

SessionId = Annotated[str, Path(min_length=1, max_length=100,
                                description="The id returned when the session was created.")]


@contextmanager
def service_errors() -> Iterator[None]:
    """Map the service's errors to API errors (404 never says whose session it was)."""
    try:
        yield
    except SessionNotFound:
        raise ApiError(404, "session_not_found",
                       "no such session (unknown, expired, deleted or not yours)") from None
    except ScenarioNotFound:
        raise ApiError(404, "scenario_not_found",
                       "no such scenario; see GET /v1/roleplay/scenarios") from None
    except InputError as exc:
        raise ApiError(422, "invalid_input", str(exc)) from None


async def call(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a blocking service call in the threadpool, with its errors mapped."""
    with service_errors():
        return await run_in_threadpool(fn, **kwargs)


@router.get("/scenarios", response_model=list[RoleplayScenarioPublic],
            summary="List the scenarios")
async def scenarios(
    rp: RoleplayDep,
    _key: RateLimitedKey,
    language: Annotated[RoleplayLanguage | None, Query(description="Only this language.")] = None,
) -> list[RoleplayScenarioPublic]:
    """Every scenario once per language (``en``, ``zh``): ``id``, ``title``, ``language`` and
    the persona's name and role."""
    return [RoleplayScenarioPublic.model_validate(s.model_dump())
            for s in rp.list_scenarios(language=language)]


@router.post("/sessions", response_model=RoleplaySessionPublic, status_code=201,
             summary="Start a session")
async def create_session(body: RoleplaySessionCreate, rp: RoleplayDep,
                         owner: RateLimitedKey) -> dict[str, Any]:
    """A new conversation on a scenario, optionally about your draft and rating; returns the
    session id (192 random bits, usable only with this API key) and the opening line."""
    return await call(rp.create_session, owner=owner, scenario=body.scenario, draft=body.draft,
                      rating=body.rating, language=body.language)


@router.post("/sessions/{session_id}/turns", response_model=RoleplayTurnPublic,
             summary="Say something; get the reply")
async def turn(session_id: SessionId, body: RoleplayTurnCreate, rp: RoleplayDep,
               service: ServiceDep, owner: RateLimitedKey) -> dict[str, Any]:
    """The persona's reply, the hint and tags for your message, and the new trust/stress.
    The turn is saved before the answer is sent. A model fault is not an error: the persona
    answers with an in-character line and ``degraded: true``."""
    # Checked before queueing, so a bad message or session is 422/404, never 503.
    events = await call(rp.stream_turn, owner=owner, session_id=session_id,
                        message=body.message)
    async with service.queue.slot():
        return await run_in_threadpool(_last, events)


def _last(events: Iterator[dict[str, Any]]) -> dict[str, Any]:
    done: dict[str, Any] = {}
    for event in events:
        if event["event"] == "done":
            done = {k: v for k, v in event.items() if k != "event"}
    return done


@router.post(
    "/sessions/{session_id}/turns/stream",
    response_model=None,
    summary="Say something; the reply streamed as Server-Sent Events",
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "turn, delta..., reset (only if a shown reply is "
                                    "rejected), done (or error) events"}},
)
async def turn_stream(session_id: SessionId, body: RoleplayTurnCreate, rp: RoleplayDep,
                      service: ServiceDep, owner: RateLimitedKey) -> EventSourceResponse:
    """``turn`` (hint, tags, state: before any model call), ``delta`` pieces of the reply,
    ``reset`` when a reply already partly shown is rejected (clear it; the replacement
    follows as deltas), then ``done`` with the whole turn as ``POST .../turns`` returns it.
    A client that disconnects does not cut the turn short: it is finished and saved."""
    gate: list[Callable[[], None]] = []
    model = rp.context.model
    gated = None
    if model is not None:
        # The hint goes out at once; the model call waits for the queue's turn.
        gated = cast(ModelGateway, GatedModel(model, lambda: gate[0]() if gate else None))
    events = await call(rp.stream_turn, owner=owner, session_id=session_id,
                        message=body.message, model=gated)
    queue = None
    if model is not None:
        service.queue.admit()  # 503 now, before the stream starts, when the queue is full
        queue = service.queue

    def run(_cancel: Any, take_turn: Callable[[], None] | None) -> Iterator[Event]:
        if take_turn is not None:
            gate.append(take_turn)
        for event in events:
            yield event["event"], {k: v for k, v in event.items() if k != "event"}

    return EventSourceResponse(event_stream(run, queue, drain=True),
                               headers={"Cache-Control": "no-store",
                                        "X-Accel-Buffering": "no"})


@router.get("/sessions/{session_id}", response_model=RoleplayTranscriptPublic,
            summary="The transcript")
async def get_session(session_id: SessionId, rp: RoleplayDep,
                      owner: RateLimitedKey) -> dict[str, Any]:
    """Scenario, language, draft and rating, every line with the persona's state after it
    (manager lines with their tags and hint), the current state and model statistics."""
    return await call(rp.get_session, owner=owner, session_id=session_id)


@router.post("/sessions/{session_id}/debrief", response_model=RoleplayDebriefPublic,
             summary="Score the conversation")
async def debrief(session_id: SessionId, rp: RoleplayDep, service: ServiceDep,
                  owner: RateLimitedKey) -> RoleplayDebriefPublic:
    """Rubric scores 1-5 computed in code from your moves, each with your own lines as
    evidence; three things to do differently; the revised draft and development plan (built
    from your draft and what you said, fact-checked); a model only adds a short summary."""
    meta = await call(rp.check_session, owner=owner, session_id=session_id)
    if rp.context.model is not None and meta.turns > 0:
        async with service.queue.slot():
            result = await call(rp.debrief, owner=owner, session_id=session_id)
    else:
        result = await call(rp.debrief, owner=owner, session_id=session_id)
    return RoleplayDebriefPublic(**result.model_dump(), session_id=session_id)


@router.delete("/sessions/{session_id}", status_code=204, response_class=Response,
               summary="Delete a session")
async def delete_session(session_id: SessionId, rp: RoleplayDep,
                         owner: RateLimitedKey) -> Response:
    """Delete the session and its whole history; later calls get 404."""
    await call(rp.delete_session, owner=owner, session_id=session_id)
    return Response(status_code=204)
