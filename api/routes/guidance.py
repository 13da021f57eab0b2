"""``/v1/guidance``: search the knowledge base."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from ..deps import CoachDep, RateLimitedKey
from ..errors import ERROR_RESPONSES, ApiError
from ..schemas import GuidancePassagePublic, GuidanceSearchPublic

router = APIRouter(prefix="/v1/guidance", tags=["guidance"], responses=ERROR_RESPONSES)


@router.get("/search", response_model=GuidanceSearchPublic, summary="Search the guidance")
async def search(
    coach: CoachDep,
    _key: RateLimitedKey,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Any language.")],
    k: Annotated[int, Query(ge=1, le=10, description="Passages to return.")] = 4,
) -> GuidanceSearchPublic:
    """Passages of the knowledge base nearest to ``q``, each with its source (file),
    title and heading, for citing."""
    if not q.strip():
        raise ApiError(400, "empty_query", "the query is empty")
    retriever = coach.context.retriever
    if retriever is None:
        raise ApiError(503, "not_ready", "the knowledge store is not available",
                       {"Retry-After": "5"})
    passages = await run_in_threadpool(retriever.search, q, k=k)
    return GuidanceSearchPublic(query=q, results=[
        GuidancePassagePublic(text=p.text, source=p.source, title=p.title, heading=p.heading,
                              language=p.language, score=round(float(p.score), 4))
        for p in passages
    ])
