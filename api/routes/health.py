"""``/healthz`` (the process is up) and ``/readyz`` (store built, model loaded)."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import ServiceDep
from ..errors import ApiError, ErrorResponse
from ..schemas import HealthPublic, ReadinessPublic

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthPublic, summary="Liveness")
async def healthz() -> HealthPublic:
    """200 while the process serves requests."""
    return HealthPublic()


@router.get("/readyz", response_model=ReadinessPublic, summary="Readiness",
            responses={503: {"model": ErrorResponse, "description": "Not ready yet"}})
async def readyz(service: ServiceDep) -> ReadinessPublic:
    """200 once the knowledge store is built and the model is loaded (the embedded model
    loads in the background at start-up); 503 until then, or with the reason it failed."""
    r = service.readiness
    if not (r.store and r.model):
        missing = [name for name, ok in (("store", r.store), ("model", r.model)) if not ok]
        message = r.error or f"not ready: {' and '.join(missing)} loading"
        raise ApiError(503, "not_ready", message, {"Retry-After": "2"})
    return ReadinessPublic(store=r.store, model=r.model, model_load_s=r.model_load_s,
                           startup=r.timings)
