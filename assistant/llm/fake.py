"""Test doubles for the model layer: a scripted model and a guard against real model calls.

``ScriptedModel`` replays canned replies in order and records every call, like simonw/llm's
``MockModel`` or Inspect's ``mockllm``. ``block_real_model_calls`` makes ``litellm.completion``
and ``litellm.acompletion`` fail unless the call carries LiteLLM's own ``mock_response`` /
``mock_timeout`` or the test opted in, like pydantic-ai's ``ALLOW_MODEL_REQUESTS = False``.

Wiring in ``tests/conftest.py``::

    import pytest
    from assistant.llm.fake import guard_model_calls

    no_real_model_calls = pytest.fixture(autouse=True)(guard_model_calls)

Tests marked ``@pytest.mark.embedded_model`` are let through.
"""

from __future__ import annotations

import functools
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar, overload

from pydantic import BaseModel, ValidationError

from assistant.llm.errors import ModelOutputError
from assistant.llm.gateway import Generation, import_litellm

T = TypeVar("T", bound=BaseModel)

Reply: TypeAlias = str | BaseModel | dict[str, Any] | BaseException
"""Text, a structured reply (model instance or dict), or an exception to raise."""


@dataclass(frozen=True)
class ModelCall:
    """One request a ``ScriptedModel`` received."""

    system: str
    user: str
    output: type[BaseModel] | None
    max_tokens: int
    temperature: float | None
    stream: bool
    stop: tuple[str, ...] = ()


class ScriptedModel:
    """A ``ModelGateway`` that answers from a queue of replies.

    Args:
        replies: Consumed one per ``generate``/``stream`` call. A ``str`` is the reply text
            (parsed as JSON when an output type is requested); a model instance or dict is a
            structured reply; an exception instance is raised. A structured reply that does
            not validate raises ``ModelOutputError``, as the real gateway does after its repair.
        model_name: Reported in ``Generation.model``.
        can_prime: Whether ``prime`` accepts prompts (like the embedded model); primed
            prompts are recorded in ``primed`` and take no reply.
    """

    def __init__(self, replies: Iterable[Reply] = (), *, model_name: str = "scripted",
                 can_prime: bool = False) -> None:
        self.model_name = model_name
        self.replies: deque[Reply] = deque(replies)
        self.calls: list[ModelCall] = []
        self.can_prime = can_prime
        self.primed: list[tuple[str, str]] = []

    def prime(self, *, system: str, user: str) -> bool:
        """Record the prompt when priming is on; returns ``can_prime``."""
        if self.can_prime:
            self.primed.append((system, user))
        return self.can_prime

    def add(self, *replies: Reply) -> ScriptedModel:
        """Queue more replies; returns ``self`` for chaining."""
        self.replies.extend(replies)
        return self

    def _next(self, call: ModelCall) -> Reply:
        self.calls.append(call)
        if not self.replies:
            raise AssertionError(
                f"ScriptedModel has no reply left for call #{len(self.calls)} "
                f"(output={call.output.__name__ if call.output else None}, "
                f"user={call.user[:80]!r})"
            )
        reply = self.replies.popleft()
        if isinstance(reply, BaseException):
            raise reply
        return reply

    @overload
    def generate(
        self,
        *,
        system: str,
        user: str,
        output: None = None,
        max_tokens: int = 512,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Generation[BaseModel]: ...

    @overload
    def generate(
        self,
        *,
        system: str,
        user: str,
        output: type[T],
        max_tokens: int = 512,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Generation[T]: ...

    def generate(
        self,
        *,
        system: str,
        user: str,
        output: type[T] | None = None,
        max_tokens: int = 512,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Generation[Any]:
        call = ModelCall(system, user, output, max_tokens, temperature, stream=False,
                         stop=tuple(stop or ()))
        reply = self._next(call)
        text = _stopped(_as_text(reply), stop)
        parsed: BaseModel | None = None
        if output is not None:
            try:
                if isinstance(reply, output):
                    parsed = reply
                elif isinstance(reply, str):
                    parsed = output.model_validate_json(reply)
                else:
                    data = reply.model_dump() if isinstance(reply, BaseModel) else reply
                    parsed = output.model_validate(data)
            except ValidationError as exc:
                raise ModelOutputError(
                    f"scripted reply is not a valid {output.__name__}: {exc}"
                ) from exc
        return Generation(
            text, parsed, _words(system) + _words(user), _words(text), self.model_name
        )

    def stream(
        self,
        *,
        system: str,
        user: str,
        max_tokens: int = 512,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        call = ModelCall(system, user, None, max_tokens, temperature, stream=True,
                         stop=tuple(stop or ()))
        text = _stopped(_as_text(self._next(call)), stop)
        # Word-sized deltas, whitespace kept, so joined deltas equal the reply.
        start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or (text[i] == " " and text[i - 1] != " "):
                yield text[start:i]
                start = i


def _stopped(text: str, stop: Sequence[str] | None) -> str:
    """The reply up to the first stop string, as a real backend ends it."""
    cuts = [i for i in (text.find(s) for s in stop or ()) if i != -1]
    return text[:min(cuts)] if cuts else text


def _words(text: str) -> int:
    """A stand-in token count."""
    return len(text.split())


def _as_text(reply: Reply) -> str:
    if isinstance(reply, str):
        return reply
    if isinstance(reply, BaseModel):
        return reply.model_dump_json()
    return json.dumps(reply, ensure_ascii=False)


# -- guard against real model calls ------------------------------------------------------


class RealModelCallBlocked(RuntimeError):
    """A test tried to reach a real model without opting in."""


_allowed = 0


@contextmanager
def allow_model_requests() -> Iterator[None]:
    """Let real model calls through inside the block (tests of the embedded model)."""
    global _allowed
    _allowed += 1
    try:
        yield
    finally:
        _allowed -= 1


def _is_mocked(kwargs: dict[str, Any]) -> bool:
    return kwargs.get("mock_response") is not None or bool(kwargs.get("mock_timeout"))


def _refuse(kwargs: dict[str, Any]) -> RealModelCallBlocked:
    return RealModelCallBlocked(
        f"real model call to {kwargs.get('model')!r} blocked in tests: use ScriptedModel, "
        "LiteLLM's mock_response, or mark the test @pytest.mark.embedded_model"
    )


@contextmanager
def block_real_model_calls(*, allow: bool = False) -> Iterator[None]:
    """Make ``litellm.completion``/``acompletion`` raise ``RealModelCallBlocked`` inside the
    block unless the call is mocked or ``allow``/``allow_model_requests()`` is in effect."""
    lm = import_litellm()
    sync_original: Callable[..., Any] = lm.completion
    async_original: Callable[..., Any] = lm.acompletion

    @functools.wraps(sync_original)
    def completion(*args: Any, **kwargs: Any) -> Any:
        if not (allow or _allowed or _is_mocked(kwargs)):
            raise _refuse(kwargs)
        return sync_original(*args, **kwargs)

    @functools.wraps(async_original)
    async def acompletion(*args: Any, **kwargs: Any) -> Any:
        if not (allow or _allowed or _is_mocked(kwargs)):
            raise _refuse(kwargs)
        return await async_original(*args, **kwargs)

    setattr(lm, "completion", completion)  # noqa: B010 - a module, typed as ModuleType
    setattr(lm, "acompletion", acompletion)  # noqa: B010
    try:
        yield
    finally:
        setattr(lm, "completion", sync_original)  # noqa: B010
        setattr(lm, "acompletion", async_original)  # noqa: B010


def guard_model_calls(request: Any) -> Iterator[None]:
    """Body of an autouse pytest fixture: block real model calls except in tests marked
    ``embedded_model``. Wrap it with ``pytest.fixture(autouse=True)`` in conftest."""
    allow = request.node.get_closest_marker("embedded_model") is not None
    with block_real_model_calls(allow=allow):
        yield
