"""``/v1/critique``: one draft, a streamed draft, a batch."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse

from assistant.schemas import CritiqueResult
from assistant.service import Coach, InputError, validate_text

from ..deps import ApiKeyId, CoachDep, RateLimitedKey, ServiceDep
from ..errors import ERROR_RESPONSES, ApiError
from ..schemas import (
    BatchCreate,
    BatchItemCreate,
    BatchItemError,
    BatchPublic,
    CritiqueCreate,
    PrimeCreate,
    PrimePublic,
)
from ..streaming import event_stream, graph_events
from ..workers import NoModelPool

router = APIRouter(prefix="/v1/critique", tags=["critique"], responses=ERROR_RESPONSES)


def check_draft(text: str, *, max_chars: int) -> None:
    """Raise the API error for a draft the coach refuses: 400 empty, 413 too long."""
    if not text.strip():
        raise ApiError(400, "empty_draft", "the draft is empty")
    if len(text) > max_chars:
        raise ApiError(413, "draft_too_large",
                       f"the draft has {len(text):,} characters; the limit is {max_chars:,}")
    try:
        validate_text(text, max_chars=max_chars)
    except InputError as exc:
        raise ApiError(400, "invalid_draft", str(exc)) from None


def _uses_model(coach: Coach, no_llm: bool) -> bool:
    return not no_llm and coach.context.model is not None


@router.post("", response_model=CritiqueResult, summary="Critique one draft")
async def critique(body: CritiqueCreate, coach: CoachDep, service: ServiceDep,
                   _key: RateLimitedKey) -> CritiqueResult | Response:
    """Verdicts, findings, guidance, development actions, critique and rewrite
    (``schema_version: 1``, as ``coach critique --json``). A model fault is not an error:
    the result comes back with ``degraded: true``."""
    check_draft(body.text, max_chars=service.settings.max_draft_chars)
    if not _uses_model(coach, body.no_llm):
        if service.pool is not None:
            result_json = await service.pool.critique_json(body.text, body.rating)
            return Response(result_json, media_type="application/json")
        return await run_in_threadpool(coach.critique, body.text, rating=body.rating,
                                       no_llm=True)
    async with service.queue.slot():
        return await run_in_threadpool(coach.critique, body.text, rating=body.rating)


@router.post(
    "/stream",
    response_model=None,
    summary="Critique one draft, streamed as Server-Sent Events",
    responses={200: {"content": {"text/event-stream": {}},
                     "description": "analysis, guidance, critique, development_actions, "
                                    "rewrite, done (or error) events"}},
)
async def critique_stream(body: CritiqueCreate, coach: CoachDep, service: ServiceDep,
                          _key: RateLimitedKey) -> EventSourceResponse:
    """The same result as ``POST /v1/critique``, as it is produced: ``analysis`` first
    (before any model call), then the rest, text deltas included; ``done`` carries the
    full result."""
    check_draft(body.text, max_chars=service.settings.max_draft_chars)
    queue = None
    if _uses_model(coach, body.no_llm):
        service.queue.admit()  # 503 now, before the stream starts, when the queue is full
        queue = service.queue
    events = event_stream(
        lambda cancel, take_turn: graph_events(coach, text=body.text, rating=body.rating,
                                               no_llm=body.no_llm, cancel=cancel,
                                               take_turn=take_turn),
        queue,
    )
    return EventSourceResponse(events, headers={"Cache-Control": "no-store",
                                                "X-Accel-Buffering": "no"})


@router.post("/prime", response_model=PrimePublic, status_code=202,
             summary="Get the model ready for a draft about to be critiqued")
async def prime(body: PrimeCreate, coach: CoachDep, service: ServiceDep,
                key: ApiKeyId) -> PrimePublic:
    """Read the draft's critique prompt into the embedded model's cache in the background,
    so that a critique of the same draft that follows streams its first words after one
    decoding step. The page sends the draft when the manager pastes or stops typing.

    Returns at once. Only while the model is idle: any critique, of this draft or another,
    goes first (a priming read for another draft is stopped). Not accepted for a model that
    keeps no cache this server controls (hosted, Ollama) or while the model is busy.

    Rate-limited in a bucket of its own per key, so a manager's pauses while typing never
    use up the budget of the critique that follows."""
    service.limiter.check("prime:" + key)
    check_draft(body.text, max_chars=service.settings.max_draft_chars)
    if not coach.can_prime:
        return PrimePublic(accepted=False, reason="model_keeps_no_cache")
    if service.queue.admitted:
        return PrimePublic(accepted=False, reason="model_busy")
    if not service.start_priming(lambda: coach.prime(body.text, rating=body.rating)):
        return PrimePublic(accepted=False, reason="model_busy")
    return PrimePublic(accepted=True)


@router.post("/batch", response_model=BatchPublic, summary="Critique up to 500 drafts")
async def critique_batch(body: BatchCreate, coach: CoachDep, service: ServiceDep,
                         _key: RateLimitedKey) -> BatchPublic:
    """Results in input order; an item the coach refuses (empty, too long) gets an error
    object ``{index, id, error}`` in its place and the others are still processed. With
    the model, the whole batch takes one place in the model queue."""
    if len(body.items) > service.settings.max_batch_items:
        raise ApiError(413, "batch_too_large",
                       f"{len(body.items)} items; the limit is {service.settings.max_batch_items}")
    max_chars = service.settings.max_draft_chars

    def run() -> BatchPublic:
        results: list[CritiqueResult | BatchItemError] = []
        for i, item in enumerate(body.items):
            try:
                check_draft(item.text, max_chars=max_chars)
            except ApiError as exc:
                results.append(BatchItemError.model_validate(
                    {"index": i, "id": item.id,
                     "error": {"code": exc.code, "message": exc.message}}))
                continue
            results.append(coach.critique(item.text, rating=item.rating, no_llm=body.no_llm,
                                          id=item.id))
        failed = sum(isinstance(r, BatchItemError) for r in results)
        return BatchPublic(results=results, failed=failed)

    if not _uses_model(coach, body.no_llm):
        if service.pool is not None:
            return await _batch_in_workers(body, service.pool, max_chars)
        return await run_in_threadpool(run)
    async with service.queue.slot():
        return await run_in_threadpool(run)


async def _batch_in_workers(body: BatchCreate, pool: NoModelPool, max_chars: int) -> BatchPublic:
    """A model-free batch spread over the worker processes, results in input order."""

    async def one(i: int, item: BatchItemCreate) -> CritiqueResult | BatchItemError:
        try:
            check_draft(item.text, max_chars=max_chars)
        except ApiError as exc:
            return BatchItemError.model_validate(
                {"index": i, "id": item.id, "error": {"code": exc.code, "message": exc.message}})
        result = CritiqueResult.model_validate_json(await pool.critique_json(item.text,
                                                                             item.rating))
        return result.model_copy(update={"id": item.id})

    results = list(await asyncio.gather(*(one(i, item) for i, item in enumerate(body.items))))
    return BatchPublic(results=results,
                       failed=sum(isinstance(r, BatchItemError) for r in results))
