"""Per-key rate limiting and the bounded queue in front of the model.

Both live in memory, in one process: enough for a self-hosted service behind one port.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.exceptions import HTTPException

from .errors import ApiError


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """Token bucket per API key: ``burst`` requests at once, refilled at ``per_minute``.

    Args:
        per_minute: Sustained rate; ``0`` disables the limit.
        burst: Bucket size.
        clock: Monotonic clock (tests pass a fake one).
    """

    per_minute: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def enabled(self) -> bool:
        """False when configured off (``per_minute`` or ``burst`` is 0)."""
        return self.per_minute > 0 and self.burst > 0

    def acquire(self, key: str) -> float:
        """Take one token for ``key``. Returns 0 when allowed, else seconds until a token."""
        if not self.enabled:
            return 0.0
        rate = self.per_minute / 60.0
        now = self.clock()
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                b = self._buckets[key] = _Bucket(float(self.burst), now)
            b.tokens = min(float(self.burst), b.tokens + (now - b.updated) * rate)
            b.updated = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / rate

    def check(self, key: str) -> None:
        """Like ``acquire`` but raises the 429 ``ApiError`` (with Retry-After)."""
        wait = self.acquire(key)
        if wait > 0:
            raise ApiError(429, "rate_limited",
                           f"rate limit of {self.per_minute:g} requests/minute exceeded",
                           {"Retry-After": str(max(1, math.ceil(wait)))})


class ModelQueue:
    """One model generation at a time, at most ``size`` more waiting; beyond -> 503.

    Admission is decided at once (never an unbounded pile-up); an admitted request then
    waits its turn for the single generation slot.
    """

    def __init__(self, size: int, *, retry_after_s: int = 30) -> None:
        self.size = size
        self.retry_after_s = retry_after_s
        self._admitted = 0
        self._slot = asyncio.Semaphore(1)

    @property
    def admitted(self) -> int:
        """Requests running or waiting."""
        return self._admitted

    def admit(self) -> None:
        """Reserve a place or raise the 503 ``ApiError``. Pair with ``release``."""
        if self._admitted >= 1 + self.size:
            raise ApiError(503, "model_busy",
                           f"the model is busy ({self._admitted} requests running or "
                           "waiting); try again later",
                           {"Retry-After": str(self.retry_after_s)})
        self._admitted += 1

    def release(self) -> None:
        """Give back a place taken by ``admit``."""
        self._admitted -= 1

    async def wait_turn(self) -> None:
        """Wait for the generation slot (an admitted request); pair with ``end_turn``."""
        await self._slot.acquire()

    def end_turn(self, had_turn: bool) -> None:
        """Give back the slot (if it was taken) and the place in the queue."""
        if had_turn:
            self._slot.release()
        self.release()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold the generation slot for an admitted request; releases the place after."""
        try:
            async with self._slot:
                yield
        finally:
            self.release()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """``admit`` then ``turn``: the whole life of one model-using request."""
        self.admit()
        async with self.turn():
            yield


class BodyLimitMiddleware:
    """Reject request bodies over a byte bound before they are parsed: 413 in the API's
    error shape. ``Content-Length`` is checked at once; a chunked body is counted as it
    arrives. ``limits`` maps path prefixes to bounds (first match wins)."""

    def __init__(self, app: Any, *, default: int, limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        self.limits = limits or {}

    def _limit(self, path: str) -> int:
        for prefix, bound in self.limits.items():
            if path.startswith(prefix):
                return bound
        return self.default

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_large = int(value) > limit
                except ValueError:
                    too_large = False
                if too_large:
                    await _reject(send, limit)
                    return
        seen = 0
        started = False

        async def counting_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _reject(send, limit)


class _TooLarge(HTTPException):
    """Raised from ``receive``: FastAPI passes HTTP exceptions from body reading through to
    the error handlers (413 in the error shape)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over {limit:,} bytes")


async def _reject(send: Any, limit: int) -> None:
    body = json.dumps({"error": {"code": "payload_too_large",
                                 "message": f"the request body is over {limit:,} bytes"}})
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body.encode()})
