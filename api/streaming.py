"""Server-Sent Events for ``POST /v1/critique/stream``.

The compiled graph runs in a worker thread with ``stream_mode=["updates", "custom"]``; node
updates become whole events and the model's text deltas (sent by the critique and rewrite
nodes through ``runtime.stream_writer``) become delta events. The protocol (README):

``analysis``            language, verdicts, scores, findings: first, before any model call
``guidance``            ``{"guidance": [...]}``
``critique``            ``{"delta": str}`` while generated, then
                        ``{"reset": true, "text": str|null}``: the checked text (authoritative)
``development_actions`` ``{"development_actions": [...]}``
``rewrite``             ``{"delta": str}`` while generated; ``{"reset": true, "text": str}``
                        replaces everything shown (a retry starts with ``text: ""``, the
                        placeholder fallback carries the full text)
``done``                the full ``CritiqueResult`` (authoritative)
``error``               ``{"error": {"code", "message"}}``, then the stream ends
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, cast

from fastapi.sse import format_sse_event

from assistant.graph.graph import graph
from assistant.graph.state import CoachInput
from assistant.llm.gateway import ModelGateway
from assistant.service import Coach, to_result

from .limits import ModelQueue

log = logging.getLogger("api")

Event = tuple[str, dict[str, Any]]


def sse(event: str, data: dict[str, Any]) -> bytes:
    """One SSE frame with a JSON payload."""
    return format_sse_event(event=event, data_str=json.dumps(data, ensure_ascii=False))


def _dump(items: list[Any]) -> list[Any]:
    return [i.model_dump(mode="json") for i in items]


def graph_events(coach: Coach, *, text: str, rating: int | None, no_llm: bool,
                 cancel: threading.Event | None = None,
                 take_turn: Callable[[], None] | None = None) -> Iterator[Event]:
    """Run one draft through the graph, yielding protocol events (blocking; run in a thread).

    The draft must already be validated. Setting ``cancel`` stops a model generation at its
    next token; ``take_turn`` is called (and may block) before the first model call.
    """
    started = coach.clock()
    no_llm = no_llm or coach.context.model is None
    model = coach.context.model
    if take_turn is not None and model is not None:
        model = cast(ModelGateway, GatedModel(model, take_turn))
    context = dataclasses.replace(coach.context, stream_text=True, cancel=cancel, model=model)
    state: dict[str, Any] = {"text": text, "rating": rating, "no_llm": no_llm}
    shown_rewrite = ""
    for mode, chunk in graph.stream(
        CoachInput(text=text, rating=rating, no_llm=no_llm),
        context=context,
        stream_mode=["updates", "custom"],
    ):
        if mode == "custom":
            if isinstance(chunk, dict) and chunk.get("event") in ("critique", "rewrite"):
                if chunk["event"] == "rewrite":
                    shown_rewrite += chunk["delta"]
                yield chunk["event"], {"delta": chunk["delta"]}
            continue
        for node, update in chunk.items():
            if not update:
                continue
            for key, value in update.items():
                if key in ("calls", "notes"):
                    state[key] = state.get(key, []) + list(value)
                else:
                    state[key] = value
            if node == "analyze":
                a = state["analysis"]
                yield "analysis", {
                    "language": a.language,
                    "verdicts": a.verdicts.model_dump(),
                    "scores": a.scores.model_dump(),
                    "findings": _dump(a.findings),
                }
            elif node == "retrieve":
                yield "guidance", {"guidance": _dump(state.get("guidance", []))}
            elif node == "critique":
                yield "critique", {"reset": True, "text": state.get("critique")}
            elif node == "development_actions":
                yield "development_actions", {
                    "development_actions": _dump(state.get("development_actions", []))
                }
            elif node in ("rewrite", "verify") and "rewrite" in update:
                # The node's final text (cleaned, or the placeholder fallback) replaces
                # whatever was streamed when they differ.
                final = update["rewrite"] or ""
                if final != shown_rewrite:
                    shown_rewrite = final
                    yield "rewrite", {"reset": True, "text": final}
            if node == "verify" and update.get("violation") and \
                    state.get("rewrite_source") == "model":
                shown_rewrite = ""
                yield "rewrite", {"reset": True, "text": "", "retry": True}
    model = None if no_llm else getattr(coach.context.model, "model_name", None)
    result = to_result(state, id=None, model=model,
                       elapsed_ms=round((coach.clock() - started) * 1000))
    yield "done", result.model_dump(mode="json")


_END = object()


class GatedModel:
    """Wraps the coach's model so that its first call in a run waits for the model queue's
    turn: the analysis and guidance of a streamed draft go out at once even while another
    request is generating."""

    def __init__(self, model: Any, take_turn: Callable[[], None]) -> None:
        self._model = model
        self._take_turn = take_turn
        self.model_name: str = getattr(model, "model_name", "")

    def generate(self, **kwargs: Any) -> Any:
        """The model's ``generate``, after waiting for the turn."""
        self._take_turn()
        return self._model.generate(**kwargs)

    def stream(self, **kwargs: Any) -> Iterator[str]:
        """The model's ``stream``, after waiting for the turn."""
        self._take_turn()
        return cast(Iterator[str], self._model.stream(**kwargs))


def event_stream(
    events: Callable[[threading.Event, Callable[[], None] | None], Iterator[Event]],
    queue: ModelQueue | None = None,
    *,
    drain: bool = False,
) -> AsyncIterator[bytes]:
    """Start a blocking event iterator in a worker thread now; return its SSE frames.

    ``events`` receives an event that is set when the client goes away, and, when ``queue``
    is given (a request already admitted to the model queue), a function that blocks until
    the model's turn; the place in the queue is given back when the run ends, even if the
    frames are never read. A failure becomes an ``error`` event: the stream always ends
    cleanly. With ``drain``, the iterator is run to its end even after the client left (a
    role-play turn must finish to be persisted whole). Call from the event loop.
    """
    loop = asyncio.get_running_loop()
    frames: asyncio.Queue[Any] = asyncio.Queue()
    cancelled = threading.Event()
    has_turn = threading.Event()

    def take_turn() -> None:
        if queue is not None and not has_turn.is_set():
            asyncio.run_coroutine_threadsafe(queue.wait_turn(), loop).result()
            has_turn.set()

    def produce() -> None:
        try:
            for item in events(cancelled, take_turn if queue is not None else None):
                if cancelled.is_set():
                    if drain:
                        continue
                    break
                loop.call_soon_threadsafe(frames.put_nowait, item)
        except Exception as exc:
            log.exception("stream failed", exc_info=exc)
            loop.call_soon_threadsafe(frames.put_nowait, (
                "error",
                {"error": {"code": "internal_error", "message": "coaching failed; try again"}},
            ))
        finally:
            if queue is not None:
                loop.call_soon_threadsafe(queue.end_turn, has_turn.is_set())
            loop.call_soon_threadsafe(frames.put_nowait, _END)

    worker = loop.run_in_executor(None, produce)

    async def read() -> AsyncIterator[bytes]:
        try:
            while True:
                item = await frames.get()
                if item is _END:
                    break
                yield sse(*item)
        finally:
            cancelled.set()
            await asyncio.shield(worker)

    return read()
