"""Model-free critiques in worker processes, so they use every core.

One Python process analyses one draft at a time (the GIL); a ``no_llm`` critique is pure
CPU, so the server forks a small pool after its coach is built and its guidance cache
warmed (like ``coach critique --batch``): the workers inherit the ready coach and never
touch the store or the model. Model-using requests stay in the server process, one
generation at a time behind the model queue.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from assistant.service import Coach

log = logging.getLogger("api")

_COACH: Coach | None = None
"""The coach the workers inherit at fork time."""


def _init_worker(parent: int, warm_up: str | None, warm: Any) -> None:
    """Worker initializer: exit with the server, then load the analyzer's lexicons with one
    warm-up critique (each worker on its own core, while the server process loads the
    model) and say so on ``warm``."""
    _exit_with_parent(parent)
    try:
        if warm_up and _COACH is not None:
            _COACH.critique(warm_up, no_llm=True)
    finally:
        warm.release()


def _critique_json(text: str, rating: int | None) -> str:
    assert _COACH is not None, "worker started without a coach"
    return _COACH.critique(text, rating=rating, no_llm=True).model_dump_json()


def _ready() -> bool:
    return _COACH is not None


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: leave when the server process is gone (even if it was killed),
    so no orphaned worker outlives it."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    # The server's signal handlers came along with the fork; the server stops the workers.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class NoModelPool:
    """A fork-based process pool running ``Coach.critique(..., no_llm=True)``.

    Args:
        coach: The coach (guidance cache warmed); inherited by the workers.
        workers: Processes to fork now, before any model thread starts.
        warm_up: A draft each worker critiques once when it starts, so its lexicons are
            compiled before the first request; the constructor returns when all are warm.
    """

    def __init__(self, coach: Coach, workers: int, warm_up: str | None = None) -> None:
        global _COACH
        _COACH = coach
        self.coach = coach
        self.workers = workers
        context = multiprocessing.get_context("fork")
        self._warm = context.Semaphore(0)
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            workers, mp_context=context,
            initializer=_init_worker, initargs=(os.getpid(), warm_up, self._warm),
        )
        # Fork every worker now (a fork pool starts all of them on its first task, inside
        # ``submit``): later forks would copy a loaded model and its threads. Their warm-up
        # runs while this process goes on; ``wait_warm`` waits for it.
        self._pool.submit(_ready)

    def wait_warm(self, timeout: float = 120.0) -> bool:
        """Block until every worker has run its warm-up (or ``timeout`` passes)."""
        deadline = time.monotonic() + timeout
        for _ in range(self.workers):
            if not self._warm.acquire(timeout=max(0.0, deadline - time.monotonic())):
                return False
        return True

    async def critique_json(self, text: str, rating: int | None) -> str:
        """The result as JSON; falls back to this process if the pool has broken."""
        loop = asyncio.get_running_loop()
        if self._pool is not None:
            try:
                return await loop.run_in_executor(self._pool, _critique_json, text, rating)
            except BrokenProcessPool:
                log.error("no-model worker pool broke; analysing in the server process")
                self._pool = None
        result = await loop.run_in_executor(
            None, lambda: self.coach.critique(text, rating=rating, no_llm=True)
        )
        return result.model_dump_json()

    def shutdown(self) -> None:
        """Stop the workers (idle ones exit at once)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

