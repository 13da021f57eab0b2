"""Dependencies shared by the routes, as ``Annotated`` aliases so the routes stay thin.

The service's state (settings, the one shared ``Coach``, readiness, limiter, model queue)
lives on ``app.state.service``, set up by ``api.main.create_app``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.config import Settings
from assistant.roleplay.service import RoleplayService
from assistant.service import Coach

from .errors import ApiError
from .limits import ModelQueue, RateLimiter
from .workers import NoModelPool

log = logging.getLogger(__name__)

LOCAL_KEY_ID = "local"
"""``api_key_id`` when no API keys are configured (loopback-only service)."""


def parse_api_keys(raw: str | None) -> frozenset[str]:
    """SHA-256 hex digests of the configured keys: plain entries are hashed,
    ``sha256:<hex>`` entries are taken as they are."""
    digests = set()
    for entry in (raw or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        if entry.lower().startswith("sha256:"):
            digests.add(entry[7:].strip().lower())
        else:
            digests.add(hashlib.sha256(entry.encode()).hexdigest())
    return frozenset(digests)


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the service on this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Readiness:
    """What ``/readyz`` reports; written by the start-up thread."""

    store: bool = False
    model: bool = False
    error: str | None = None
    model_load_s: float | None = None
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds since the start-up thread began, at the end of each start-up step."""


@dataclass
class ServiceState:
    """Everything the routes share, built once per app."""

    settings: Settings
    key_digests: frozenset[str]
    limiter: RateLimiter
    queue: ModelQueue
    coach: Coach | None = None
    pool: NoModelPool | None = None
    """Worker processes for ``no_llm`` critiques (none in tests with an injected coach)."""
    readiness: Readiness = field(default_factory=Readiness)
    started: threading.Event = field(default_factory=threading.Event)
    roleplay: RoleplayService | None = None
    """Role-play sessions, built in the lifespan (or injected by tests); closed at shutdown."""
    roleplay_error: str | None = None
    """Why the role-play service could not be built (bad ``COACH_SESSIONS_URL``...)."""

    priming_slots: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(2))
    """Priming threads alive at once (a newer draft's priming stops the older one's read)."""

    def start_priming(self, prime: Callable[[], object]) -> bool:
        """Run ``prime`` in a daemon thread (never holding up shutdown); False when two
        are already running."""
        if not self.priming_slots.acquire(blocking=False):
            return False

        def run() -> None:
            try:
                prime()
            except Exception:  # an optimisation: the critique itself reports real faults
                log.exception("priming failed")
            finally:
                self.priming_slots.release()

        threading.Thread(target=run, name="critique-prime", daemon=True).start()
        return True

    @classmethod
    def create(cls, settings: Settings, coach: Coach | None = None) -> ServiceState:
        """The state for ``settings``; ``coach`` when one is injected (tests)."""
        return cls(
            settings=settings,
            key_digests=parse_api_keys(settings.api_keys),
            limiter=RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst),
            queue=ModelQueue(settings.model_queue_size),
            coach=coach,
        )


async def get_service(request: Request) -> ServiceState:
    """The app's ``ServiceState``. Dependencies here are ``async`` (they never block):
    FastAPI would run plain functions in its thread pool, a thread hop per dependency."""
    service: ServiceState = request.app.state.service
    return service


ServiceDep = Annotated[ServiceState, Depends(get_service)]


async def get_app_settings(service: ServiceDep) -> Settings:
    """The settings the app was built with (``create_app(settings)``)."""
    return service.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_coach(service: ServiceDep) -> Coach:
    """The shared coach; 503 while the service is still starting."""
    if service.coach is None:
        message = service.readiness.error or "the service is starting; try again shortly"
        raise ApiError(503, "not_ready", message, {"Retry-After": "2"})
    return service.coach


CoachDep = Annotated[Coach, Depends(get_coach)]


async def get_roleplay(service: ServiceDep) -> RoleplayService:
    """The shared role-play service; 503 when it could not be built."""
    if service.roleplay is None:
        message = service.roleplay_error or "role-play is starting; try again shortly"
        raise ApiError(503, "not_ready", message, {"Retry-After": "2"})
    return service.roleplay


RoleplayDep = Annotated[RoleplayService, Depends(get_roleplay)]

_bearer = HTTPBearer(auto_error=False, description="An API key from COACH_API_KEYS")


async def api_key_id(
    service: ServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """Check ``Authorization: Bearer <key>`` and return a stable, non-secret id for the key:
    the first 16 hex characters of its SHA-256, or ``"local"`` when no keys are configured.

    Raises:
        ApiError: 401 when keys are configured and the header is missing or wrong.
    """
    if not service.key_digests:
        return LOCAL_KEY_ID
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "unauthorized", "missing API key: send Authorization: Bearer <key>",
                       challenge)
    digest = hashlib.sha256(credentials.credentials.encode()).hexdigest()
    # Compare against every digest so timing does not reveal which one matched.
    matched = False
    for known in service.key_digests:
        matched |= hmac.compare_digest(digest, known)
    if not matched:
        raise ApiError(401, "unauthorized", "invalid API key", challenge)
    return digest[:16]


ApiKeyId = Annotated[str, Depends(api_key_id)]


async def rate_limited_key(service: ServiceDep, key: ApiKeyId) -> str:
    """``api_key_id`` plus one token from the key's rate-limit bucket (429 when empty)."""
    service.limiter.check(key)
    return key


RateLimitedKey = Annotated[str, Depends(rate_limited_key)]
