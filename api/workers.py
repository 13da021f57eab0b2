"""Model-free critiques in worker processes, so they use every core.

One Python process analyses one draft at a time (the GIL); a ``no_llm`` critique is pure
CPU, so the server forks a small pool at start-up (like ``coach critique --batch``): the
workers inherit the coach (guidance cache warmed), compile their own analyzer lexicons
while the server loads the model, and never touch the store or the model. Model-using
requests stay in the server process, one generation at a time behind the model queue.

Each worker owns one end of a socket pair and serves one draft at a time: a request is a
length-prefixed JSON frame written by the event loop (no pickling, no helper threads in
the server: ``ProcessPoolExecutor``'s feeder and manager threads cost the server ~2 ms of
CPU per critique), the answer is the result's JSON, which goes to the client unparsed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import signal
import socket
import struct
import threading
import time
from typing import Any

from assistant.service import Coach

log = logging.getLogger("api")

_HEADER = struct.Struct("!BI")
"""Frame header: status (0 ok, 1 failed) and payload length."""

_OK, _FAILED = 0, 1


class WorkerFailed(RuntimeError):
    """A worker could not critique a draft (the server's generic 500 error, no details)."""


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _send(sock: socket.socket, status: int, payload: bytes) -> None:
    sock.sendall(_HEADER.pack(status, len(payload)) + payload)


def _serve(coach: Coach, sock: socket.socket, others: list[socket.socket], parent: int,
           warm_up: str | None) -> None:
    """A worker's life: warm up, say so, then critique drafts until the server goes."""
    for other in others:  # the server's ends of every pair: EOF must mean the server left
        other.close()
    _exit_with_parent(parent)
    try:
        if warm_up:
            coach.critique(warm_up, no_llm=True)
    finally:
        _send(sock, _OK, b"warm")
    while True:
        try:
            _status, size = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
            request = json.loads(_recv_exact(sock, size))
        except (EOFError, OSError):
            os._exit(0)
        try:
            result = coach.critique(request["text"], rating=request.get("rating"), no_llm=True)
            _send(sock, _OK, result.model_dump_json().encode())
        except Exception as exc:  # reported to the server, which answers 500 without it
            _send(sock, _FAILED, f"{type(exc).__name__}: {exc}".encode())


def _exit_with_parent(parent: int) -> None:
    """Leave when the server process is gone (even if it was killed), so no orphaned
    worker outlives it."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    # The server's signal handlers came along with the fork; the server stops the workers.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class _Worker:
    def __init__(self, process: Any, sock: socket.socket) -> None:
        self.process = process
        self.sock = sock


class NoModelPool:
    """Forked processes running ``Coach.critique(..., no_llm=True)``.

    Args:
        coach: The coach (guidance cache warmed); inherited by the workers.
        workers: Processes to fork now, before any model thread starts.
        warm_up: A draft each worker critiques once when it starts, so its lexicons are
            compiled before the first request (``wait_warm`` waits for that).
    """

    def __init__(self, coach: Coach, workers: int, warm_up: str | None = None) -> None:
        self.coach = coach
        self.workers = workers
        context = multiprocessing.get_context("fork")
        pairs = [socket.socketpair() for _ in range(workers)]
        parent_ends = [server for server, _ in pairs]
        self._workers: list[_Worker] = []
        for server, child in pairs:
            process = context.Process(
                target=_serve, args=(coach, child, parent_ends, os.getpid(), warm_up),
                name="no-model-worker", daemon=True)
            process.start()
            child.close()
            self._workers.append(_Worker(process, server))
        self._warm = False
        self._idle: asyncio.Queue[_Worker] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def wait_warm(self, timeout: float = 120.0) -> bool:
        """Block until every worker has run its warm-up (or ``timeout`` passes)."""
        if self._warm:
            return True
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                _recv_exact(worker.sock, _HEADER.size + len(b"warm"))
            except (TimeoutError, EOFError, OSError):
                return False
        self._warm = True
        return True

    def _queue(self) -> asyncio.Queue[_Worker]:
        """The idle workers, as a queue of the running event loop (tests use several)."""
        loop = asyncio.get_running_loop()
        if self._idle is None or self._loop is not loop:
            self._idle, self._loop = asyncio.Queue(), loop
            for worker in self._workers:
                self._idle.put_nowait(worker)
        return self._idle

    async def critique_json(self, text: str, rating: int | None) -> bytes:
        """The result as JSON; analysed in this process when no worker is left."""
        if not self._warm:
            await asyncio.to_thread(self.wait_warm)
        idle = self._queue()
        while self._workers:
            worker = await idle.get()
            if worker not in self._workers:
                continue
            # The exchange runs to its end even if this request is cancelled (a client
            # that left): a worker put back mid-frame would answer the next request wrongly.
            exchange = asyncio.ensure_future(self._exchange(worker, text, rating))
            answer = await asyncio.shield(exchange)
            if answer is None:
                continue  # that worker is gone; try another
            status, payload = answer
            if status != _OK:
                log.error("no-model worker could not critique a draft: %s",
                          payload.decode(errors="replace"))
                raise WorkerFailed("the draft could not be analysed")
            return payload
        result = await asyncio.to_thread(self.coach.critique, text, rating=rating,
                                         no_llm=True)
        return result.model_dump_json().encode()

    async def _exchange(self, worker: _Worker, text: str,
                        rating: int | None) -> tuple[int, bytes] | None:
        """Send one draft to ``worker`` and read its answer; the worker goes back to the
        idle queue afterwards, or out of the pool if it broke (then None)."""
        try:
            answer = await self._ask(asyncio.get_running_loop(), worker, text, rating)
        except (EOFError, OSError) as exc:
            log.error("no-model worker %s failed (%s); %d left", worker.process.pid,
                      exc or type(exc).__name__, len(self._workers) - 1)
            self._drop(worker)
            return None
        self._queue().put_nowait(worker)
        return answer

    @staticmethod
    async def _ask(loop: asyncio.AbstractEventLoop, worker: _Worker, text: str,
                   rating: int | None) -> tuple[int, bytes]:
        sock = worker.sock
        if sock.gettimeout() != 0.0:
            sock.setblocking(False)
        request = json.dumps({"text": text, "rating": rating}).encode()
        await loop.sock_sendall(sock, _HEADER.pack(_OK, len(request)) + request)
        header = await _recv_async(loop, sock, _HEADER.size)
        status, size = _HEADER.unpack(header)
        return status, await _recv_async(loop, sock, size)

    def _drop(self, worker: _Worker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)
        worker.sock.close()
        if worker.process.is_alive():
            worker.process.kill()

    def shutdown(self) -> None:
        """Stop the workers: they leave when their socket closes."""
        for worker in list(self._workers):
            worker.sock.close()
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
        self._workers = []


async def _recv_async(loop: asyncio.AbstractEventLoop, sock: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = await loop.sock_recv_into(sock, view[got:])
        if not k:
            raise EOFError
        got += k
    return bytes(buf)
