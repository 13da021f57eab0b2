"""The one place that calls a language model.

Everything goes through LiteLLM, so the embedded llama.cpp model, Ollama, a vLLM server or a
hosted API are one setting apart (``COACH_MODEL``). Structured outputs are pydantic models:
the schema is requested through ``response_format``, the reply is validated, and one repair
call feeds the validation error back before ``ModelOutputError`` is raised.

LiteLLM is imported on first use: the import costs about two seconds.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload, runtime_checkable

from pydantic import BaseModel, ValidationError

from assistant.config import EMBEDDED_PROVIDER, Settings
from assistant.llm.errors import ModelError, ModelOutputError, ModelTimeout, ModelUnavailable
from assistant.llm.redact import Redactor, restore, restore_data

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "Generation",
    "LiteLLMGateway",
    "ModelError",
    "ModelGateway",
    "ModelOutputError",
    "ModelTimeout",
    "ModelUnavailable",
]

T = TypeVar("T", bound=BaseModel)

# Protocol text, not coaching content: how to answer in JSON and how to fix a reply.
SCHEMA_INSTRUCTION = (
    "\n\nReply with one JSON object and nothing else. It must match this JSON schema:\n{schema}"
)
REPAIR_INSTRUCTION = (
    "Your previous reply was not valid: {problem}\n"
    "Reply again with only the corrected JSON object, matching the schema."
)

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


@dataclass
class Generation(Generic[T]):
    """One model answer."""

    text: str
    """The reply as text, placeholders restored."""
    parsed: T | None
    """The validated output when an output type was requested, else ``None``."""
    prompt_tokens: int
    completion_tokens: int
    """Token counts summed over the call and its repair, when there was one."""
    model: str
    """The model that answered, as LiteLLM reports it."""


class ModelGateway(Protocol):
    """What the rest of the application needs from a model."""

    model_name: str

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

    def stream(
        self,
        *,
        system: str,
        user: str,
        max_tokens: int = 512,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]: ...


@runtime_checkable
class PromptPrimer(Protocol):
    """A model that can read a prompt into its cache ahead of the call that sends it (an
    optional capability of a ``ModelGateway``)."""

    @property
    def can_prime(self) -> bool: ...

    def prime(self, *, system: str, user: str) -> bool:
        """Read the prompt; returns whether it was read."""
        ...


def import_litellm() -> ModuleType:
    """Import LiteLLM with its price map read from the package, never from the network."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True  # no "Give Feedback / Get Help" banner on every error
    return litellm


def _map_error(exc: Exception, model: str) -> ModelError:
    """Translate a LiteLLM exception into this package's hierarchy."""
    import openai

    lm = import_litellm()
    detail = f"{model}: {exc}"
    # Timeout subclasses APIConnectionError, so it is checked first.
    if isinstance(exc, lm.Timeout | openai.APITimeoutError):
        return ModelTimeout(detail)
    if isinstance(
        exc,
        lm.APIConnectionError
        | lm.AuthenticationError
        | lm.PermissionDeniedError
        | lm.NotFoundError
        | lm.ServiceUnavailableError
        | lm.BadGatewayError
        | lm.InternalServerError  # also what LiteLLM raises for a refused connection
        | lm.LiteLLMUnknownProvider
        | lm.RateLimitError,
    ):
        return ModelUnavailable(detail)
    return ModelError(detail)


def _is_transient(exc: Exception) -> bool:
    """Failures worth one more try: rate limits, 5xx, dropped connections. Not timeouts,
    which would double the wait, nor bad requests or keys, which fail the same way again."""
    import openai

    lm = import_litellm()
    if isinstance(exc, lm.Timeout | openai.APITimeoutError):
        return False
    return isinstance(
        exc,
        lm.RateLimitError
        | lm.InternalServerError
        | lm.ServiceUnavailableError
        | lm.BadGatewayError
        | lm.APIConnectionError,
    )


def _rejects_schema(exc: ModelError) -> bool:
    """Whether a failed call looks like a server refusing ``json_schema`` response formats."""
    lm = import_litellm()
    cause = exc.__cause__
    return isinstance(cause, lm.BadRequestError) and not isinstance(
        cause, lm.ContextWindowExceededError | lm.ContentPolicyViolationError
    )


def _schema_format(output: type[BaseModel], *, native: bool) -> dict[str, Any]:
    if native:
        schema = output.model_json_schema()
        return {"type": "json_schema", "json_schema": {"name": output.__name__, "schema": schema}}
    return {"type": "json_object"}


def _parse(text: str, output: type[T], mapping: dict[str, str]) -> T:
    """Validate ``text`` as ``output``, restoring redacted values first.

    Raises:
        ValueError: invalid JSON (``json.JSONDecodeError``) or ``ValidationError``.
    """
    fenced = _FENCE.match(text)
    data = json.loads(fenced.group(1) if fenced else text)
    return output.model_validate(restore_data(data, mapping))


def _describe(exc: ValueError, finish_reason: str | None) -> str:
    """A short account of what was wrong, without echoing input values (they may be PII)."""
    if finish_reason == "length":
        return "it was cut off at the token limit; give a shorter answer."
    if isinstance(exc, ValidationError):
        lines = [
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)[:10]
        ]
        return "the JSON does not match the schema:\n" + "\n".join(lines)
    return f"it is not valid JSON ({exc})."


class LiteLLMGateway:
    """``ModelGateway`` over ``litellm.completion``, configured by ``Settings``."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.model_name = settings.model
        self._embedded = settings.model_provider == EMBEDDED_PROVIDER
        self._native_schema: bool | None = None
        self._sleep: Callable[[float], None] = time.sleep
        """Backoff between retries; tests replace it."""

    # -- plumbing ----------------------------------------------------------------------

    def _litellm(self) -> ModuleType:
        lm = import_litellm()
        if self._embedded:
            from assistant.llm.embedded import register_embedded_provider

            register_embedded_provider(self._settings)
        return lm

    def _supports_schema(self) -> bool:
        """Whether ``response_format`` may carry a JSON schema for this model."""
        if self._native_schema is None:
            if self._embedded:
                self._native_schema = True  # translated by the embedded provider
            else:
                lm = self._litellm()
                self._native_schema = bool(lm.supports_response_schema(model=self.model_name))
        return self._native_schema

    def _call(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float | None,
        stream: bool = False,
        response_format: dict[str, Any] | None = None,
        stop: Sequence[str] | None = None,
    ) -> Any:
        s = self._settings
        kwargs: dict[str, Any] = {
            "model": s.model,
            "messages": messages,
            "timeout": s.model_timeout_s,
            # Retries happen in the loop below. LiteLLM hands num_retries to the OpenAI SDK as
            # its max_retries, which also retries timeouts: a 60 s limit becomes 120 s.
            "num_retries": 0,
            "seed": s.seed,
            "temperature": s.temperature if temperature is None else temperature,
            "max_tokens": max_tokens,
            "stream": stream,
        }
        if response_format is not None:
            kwargs["response_format"] = response_format
        if stop:
            kwargs["stop"] = list(stop)[:4]
        if s.api_base:
            kwargs["api_base"] = s.api_base
        if s.api_key:
            kwargs["api_key"] = s.api_key
        lm = self._litellm()
        retries = 0 if self._embedded else max(0, s.model_retries)
        for attempt in range(retries + 1):
            try:
                return lm.completion(**kwargs)
            except ModelError:
                raise
            except Exception as exc:
                if attempt < retries and _is_transient(exc):
                    self._sleep(min(8.0, 0.5 * 2**attempt))
                    continue
                raise _map_error(exc, self.model_name) from exc
        raise AssertionError("unreachable")

    def _redact(self, system: str, user: str) -> tuple[str, str, dict[str, str]]:
        """The prompt with PII replaced by placeholders when redaction is on, and the
        placeholder mapping to restore the reply with (empty when off)."""
        if not self._settings.should_redact:
            return system, user, {}
        redactor = Redactor()
        return redactor(system), redactor(user), redactor.mapping

    def _request(
        self, system: str, user: str, output: type[BaseModel] | None, *, native: bool
    ) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
        """Messages and ``response_format`` for one call."""
        response_format: dict[str, Any] | None = None
        if output is not None:
            response_format = _schema_format(output, native=native)
            if not native or self._embedded:
                # Hosted models with native schemas need no reminder; the others (and the
                # small embedded model, which otherwise sees only the grammar) read it here.
                # It goes at the end of the user message so the system prompt and the start
                # of the user message stay a cacheable prefix shared with other calls.
                schema = json.dumps(output.model_json_schema(), ensure_ascii=False)
                user += SCHEMA_INSTRUCTION.format(schema=schema)
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        return messages, response_format

    # -- ModelGateway ------------------------------------------------------------------

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
        """Ask the model once (twice when a structured reply needs repair).

        Args:
            system: System prompt.
            user: User message.
            output: Pydantic model the reply must validate against, or ``None`` for text.
            max_tokens: Completion token limit per call.
            temperature: Overrides ``Settings.temperature``.
            stop: Up to 4 strings that end the reply where it would go on past its
                format (OpenAI's limit); the reply excludes them.

        Raises:
            ModelUnavailable: the model cannot be loaded or reached.
            ModelTimeout: the call ran past ``Settings.model_timeout_s``.
            ModelOutputError: the structured reply was still invalid after the repair.
            ModelError: any other failure of the call.
        """
        system, user, mapping = self._redact(system, user)

        native = output is not None and self._supports_schema()
        messages, response_format = self._request(system, user, output, native=native)
        prompt_tokens = completion_tokens = 0
        attempts = 2 if output is not None else 1
        for attempt in range(attempts):
            try:
                response = self._call(
                    messages,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    response_format=response_format,
                    stop=stop,
                )
            except ModelError as exc:
                if not (native and not self._embedded and attempt == 0 and _rejects_schema(exc)):
                    raise
                # The server refused a json_schema response_format: ask for plain JSON mode
                # with the schema in the prompt, for this call and every later one.
                self._native_schema = native = False
                messages, response_format = self._request(system, user, output, native=False)
                response = self._call(
                    messages,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    response_format=response_format,
                    stop=stop,
                )
            raw = response.choices[0].message.content or ""
            finish_reason = response.choices[0].finish_reason
            usage = getattr(response, "usage", None)
            prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
            completion_tokens += getattr(usage, "completion_tokens", 0) or 0
            model = str(response.model or self.model_name)
            text = restore(raw, mapping)
            if output is None:
                return Generation(text, None, prompt_tokens, completion_tokens, model)
            try:
                parsed = _parse(raw, output, mapping)
            except ValueError as exc:  # JSONDecodeError and ValidationError
                if attempt + 1 == attempts:
                    raise ModelOutputError(
                        f"{self.model_name} returned invalid {output.__name__} after a repair "
                        f"attempt: {_describe(exc, finish_reason)}"
                    ) from exc
                problem = _describe(exc, finish_reason)
                messages = [
                    *messages,
                    {"role": "assistant", "content": raw},
                    {"role": "user", "content": REPAIR_INSTRUCTION.format(problem=problem)},
                ]
                continue
            return Generation(text, parsed, prompt_tokens, completion_tokens, model)
        raise AssertionError("unreachable")

    @property
    def can_prime(self) -> bool:
        """Whether ``prime`` does anything: only the embedded model keeps a prompt cache this
        process controls (and can stop a priming call when real work arrives)."""
        return self._embedded

    def prime(self, *, system: str, user: str) -> bool:
        """Read a prompt into the embedded model's cache before the call that will send it,
        so that call's first token comes after one decoding step instead of the whole
        prompt. It runs only while the model is idle and gives way to any other call (see
        ``assistant.llm.embedded``). Returns whether the prompt was read; never raises for
        a model fault.
        """
        if not self._embedded:
            return False
        from assistant.llm.embedded import priming

        system, user, _ = self._redact(system, user)  # the prompt ``generate`` would send
        messages, _ = self._request(system, user, None, native=False)
        with priming():
            try:
                self._call(messages, max_tokens=1, temperature=None)
            except ModelError:
                return False
        return True

    def stream(
        self,
        *,
        system: str,
        user: str,
        max_tokens: int = 512,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        """Yield the reply's text as it is generated (``stop`` as in ``generate``).

        With redaction on, text from a ``⟦`` is held back until its placeholder closes, so
        placeholders split across deltas are restored too.

        Raises:
            ModelUnavailable, ModelTimeout, ModelError: as ``generate``, possibly mid-stream.
        """
        system, user, mapping = self._redact(system, user)
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        chunks = self._call(messages, max_tokens=max_tokens, temperature=temperature, stream=True,
                            stop=stop)
        pending = ""
        try:
            for chunk in chunks:
                if not chunk.choices:
                    continue
                delta = chunk.choices[0].delta.content
                if not delta:
                    continue
                if not mapping:
                    yield delta
                    continue
                # Hold back a possible placeholder prefix until it is complete.
                pending += delta
                cut = pending.rfind("⟦")
                if cut != -1 and "⟧" not in pending[cut:]:
                    ready, pending = pending[:cut], pending[cut:]
                else:
                    ready, pending = pending, ""
                if ready:
                    yield restore(ready, mapping)
        except ModelError:
            raise
        except Exception as exc:
            raise _map_error(exc, self.model_name) from exc
        finally:
            close = getattr(chunks, "close", None)
            if callable(close):
                close()
        if pending:
            yield restore(pending, mapping)
