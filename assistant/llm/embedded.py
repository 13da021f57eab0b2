"""The embedded model: a GGUF run in-process by llama.cpp, exposed to LiteLLM as a provider.

Registered under ``embedded/`` in ``litellm.custom_provider_map`` so the gateway calls it like
any other model. One ``Llama`` per process, loaded on first use, and one generation at a time:
two generations on the same two cores run each other below 5 tokens/s.

Deadlines: the call's ``timeout`` covers waiting for the model, evaluating the prompt and
generating. Generation is stopped by a stopping criterion that checks the clock after every
token; prompt evaluation (the slow part for long prompts on 2 cores) is stopped by llama.cpp's
abort callback, installed only until the first token. Loading the model and joining its file
on first use are not counted against the deadline.

Priming: a call made inside ``priming()`` only reads its prompt into the model's cache (see
``LiteLLMGateway.prime``). It runs only while no other call runs or waits, and gives way to
any call with a different prompt that starts meanwhile: that call stops it at once, keeping
the prompt batches already read. A waiting call with the same prompt lets it finish, since it
needs exactly that work.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, cast

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx
import litellm
from litellm.exceptions import APIConnectionError, BadRequestError, Timeout
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse, Usage

from assistant.config import EMBEDDED_PROVIDER, Settings
from assistant.llm.cpu_share import ThreadAdvisor
from assistant.llm.errors import ModelUnavailable
from assistant.llm.llama_runtime import load_key, load_llama, take_preloaded
from assistant.llm.prefix_cache import PrefixCache, SystemTurnReuse

if TYPE_CHECKING:
    from llama_cpp import Llama

REPEAT_PENALTY = 1.1
"""Qwen2.5-1.5B loops in Chinese without it; 1.1 keeps English output unchanged in practice."""

PRIME_WAIT_S = 2.0
"""How long a priming call waits for the model after stopping an older priming call."""

_PASSED_THROUGH = ("top_p", "top_k", "min_p", "stop", "presence_penalty", "frequency_penalty")


def translate_response_format(fmt: Any) -> dict[str, Any] | None:
    """Turn an OpenAI ``response_format`` into the form llama-cpp-python enforces.

    llama-cpp-python builds a grammar only for ``{"type": "json_object", "schema": ...}``;
    ``{"type": "json_schema", ...}`` is silently ignored in-process.
    """
    if not isinstance(fmt, dict):
        return None
    kind = fmt.get("type")
    if kind == "json_schema":
        spec = fmt.get("json_schema") or {}
        schema = spec.get("schema") if isinstance(spec, dict) else None
        return {"type": "json_object", "schema": schema} if schema else {"type": "json_object"}
    if kind == "json_object":
        out: dict[str, Any] = {"type": "json_object"}
        if isinstance(fmt.get("schema"), dict):
            out["schema"] = fmt["schema"]
        return out
    return None


def _timeout_seconds(timeout: float | httpx.Timeout | None, default: float) -> float:
    if timeout is None:
        return default
    if isinstance(timeout, httpx.Timeout):
        parts = [t for t in (timeout.read, timeout.connect, timeout.write, timeout.pool) if t]
        return max(parts) if parts else default
    return float(timeout)


def _plain_messages(messages: list[Any]) -> list[dict[str, str]]:
    """Flatten OpenAI content parts to strings; llama.cpp chat templates expect text."""
    out: list[dict[str, str]] = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = "".join(
                p.get("text", "")
                for p in content
                if isinstance(p, dict) and p.get("type") == "text"
            )
        out.append({"role": str(m.get("role", "user")), "content": str(content or "")})
    return out


_priming = threading.local()


@contextlib.contextmanager
def priming() -> Iterator[None]:
    """Mark the embedded-model calls this thread makes inside the block as cache priming
    (see the module docstring); one that cannot run fails at once with ``Timeout``."""
    _priming.on = True
    try:
        yield
    finally:
        _priming.on = False


class _Run:
    """Per-call state read by the stopping criterion: deadline, cancellation, token counts."""

    def __init__(
        self,
        deadline: float,
        closing: threading.Event,
        messages: list[dict[str, str]] | None = None,
    ) -> None:
        self.deadline = deadline
        self.closing = closing
        self.messages = messages
        self.priming = False
        self.cancelled = threading.Event()
        self.expired = False
        self.prompt_tokens = 0
        self.steps = 0
        self.on_prompt_done: Callable[[], None] | None = None
        self.every_8_tokens: Callable[[], None] | None = None

    def abort_requested(self) -> bool:
        if time.monotonic() >= self.deadline:
            self.expired = True
            return True
        return self.cancelled.is_set() or self.closing.is_set()

    def should_stop(self, input_ids: Any, _logits: Any) -> bool:
        if self.steps == 0:
            # First call: the prompt is evaluated and the first token sampled, not yet appended.
            self.prompt_tokens = len(input_ids)
            if self.on_prompt_done is not None:
                self.on_prompt_done()
        self.steps += 1
        if self.every_8_tokens is not None and self.steps % 8 == 0:
            self.every_8_tokens()
        return self.abort_requested()


class _WithStop:
    """Proxy that adds a stopping criterion to the ``create_completion`` a chat handler calls,
    and lets ``before`` prepare the model's state for the prompt first.

    ``Llama.create_chat_completion`` takes no ``stopping_criteria``; the chat handler it
    dispatches to formats the messages, tokenizes the prompt and calls
    ``llama.create_completion`` with the template's own criteria, so the handler is given
    this proxy in place of the model. The formatted prompt is kept as the handler tokenizes
    it (``before`` needs the text to find where the system turn ends).
    """

    def __init__(self, llama: Llama, criterion: Callable[[Any, Any], bool],
                 before: Callable[[Llama, list[int], str, bool], None] | None = None) -> None:
        self._llama = llama
        self._criterion = criterion
        self._before = before
        self._formatted: tuple[str, bool] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._llama, name)

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
        if special:  # the handler tokenizing the formatted prompt
            self._formatted = (text.decode("utf-8", "replace"), add_bos)
        return self._llama.tokenize(text, add_bos=add_bos, special=special)

    def create_completion(self, **kwargs: Any) -> Any:
        from llama_cpp import StoppingCriteriaList

        existing = kwargs.get("stopping_criteria") or []
        kwargs["stopping_criteria"] = StoppingCriteriaList([*existing, self._criterion])
        prompt = kwargs.get("prompt")
        if self._before is not None and self._formatted is not None and isinstance(prompt, list):
            self._before(self._llama, prompt, *self._formatted)
        return self._llama.create_completion(**kwargs)


class EmbeddedLLM(CustomLLM):
    """LiteLLM provider that runs the packaged GGUF with llama-cpp-python."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._settings = settings
        self._llama: Llama | None = None
        self._load_lock = threading.Lock()
        self._gen_lock = threading.Lock()
        self._turns = threading.Lock()  # guards the two fields below
        self._waiting = 0
        """Calls (not priming) waiting for the generation lock."""
        self._priming_run: _Run | None = None
        """The priming call holding the generation lock, if one does."""
        self._closing = threading.Event()
        self._abort_callback: Any = None
        self._advisor: ThreadAdvisor | None = None
        self.load_seconds: float | None = None
        self.prefixes: SystemTurnReuse | None = None
        """Saved system turns (``prefix_cache``), for the loaded model only."""
        self._configure_prefixes(settings)

    # -- lifecycle ---------------------------------------------------------------------

    def configure(self, settings: Settings) -> None:
        """Adopt new settings; a loaded model is dropped if its load parameters changed."""
        old = self._settings
        self._settings = settings
        if load_key(old) != load_key(settings):
            self.close()
        if old.prefix_cache_mb != settings.prefix_cache_mb:
            self._configure_prefixes(settings)

    def _configure_prefixes(self, settings: Settings) -> None:
        mb = settings.prefix_cache_mb
        self.prefixes = SystemTurnReuse(PrefixCache(mb * 2**20)) if mb > 0 else None

    def load(self) -> Llama:
        """Load the model now (joining its file on first use) and return it; a model
        ``llama_runtime.preload`` loaded with the same settings is adopted."""
        with self._load_lock:
            if self._llama is None:
                preloaded = take_preloaded(self._settings)
                self._llama, self.load_seconds = preloaded or load_llama(self._settings)
            return self._llama

    def close(self) -> None:
        """Free the model. Registered with ``atexit``: ``Llama.__del__`` at interpreter
        shutdown prints a traceback otherwise."""
        with self._load_lock:
            llama, self._llama = self._llama, None
        if llama is None:
            return
        self._closing.set()  # a running generation stops at its next token
        acquired = self._gen_lock.acquire(timeout=5.0)
        try:
            if self.prefixes is not None:  # states of this model only
                self.prefixes.cache.clear()
            llama.close()
        finally:
            self._closing.clear()
            if acquired:
                self._gen_lock.release()

    # -- generation --------------------------------------------------------------------

    def _start(
        self, model: str, timeout: float | httpx.Timeout | None, messages: list[Any] | None = None
    ) -> tuple[Llama, _Run]:
        """Load, then wait for the generation lock within the deadline. Caller calls
        ``_release``."""
        try:
            llama = self.load()
        except ModelUnavailable as exc:
            raise APIConnectionError(
                message=str(exc), llm_provider=EMBEDDED_PROVIDER, model=model
            ) from exc
        budget = _timeout_seconds(timeout, self._settings.model_timeout_s)
        plain = _plain_messages(messages) if messages is not None else None
        run = _Run(time.monotonic() + budget, self._closing, plain)
        if getattr(_priming, "on", False):
            run.priming = True
            self._take_turn_priming(run, model)
        else:
            self._take_turn(run, model, budget)
        self._share_cores(llama, run)
        return llama, run

    def _take_turn(self, run: _Run, model: str, budget: float) -> None:
        """Wait for the generation lock, stopping a priming call for another prompt."""
        with self._turns:
            self._waiting += 1
            current = self._priming_run
            if current is not None and current.messages != run.messages:
                current.cancelled.set()
        try:
            acquired = self._gen_lock.acquire(timeout=max(0.0, budget))
        finally:
            with self._turns:
                self._waiting -= 1
        if not acquired:
            raise Timeout(
                message=f"embedded model busy for {budget:.1f}s",
                model=model,
                llm_provider=EMBEDDED_PROVIDER,
            )

    def _take_turn_priming(self, run: _Run, model: str) -> None:
        """Take the generation lock for a priming call, or fail at once: another call runs
        or waits, or this prompt is already being read. An older priming call for another
        prompt is stopped (a newer draft replaces it)."""

        def busy(why: str) -> Timeout:
            return Timeout(message=f"priming skipped: {why}", model=model,
                           llm_provider=EMBEDDED_PROVIDER)

        with self._turns:
            current = self._priming_run
            if self._waiting:
                raise busy("the model has work waiting")
            if current is not None and current.messages == run.messages:
                raise busy("this prompt is already being read")
            if current is not None:
                current.cancelled.set()
            elif self._gen_lock.locked():
                raise busy("the model is generating")
        if not self._gen_lock.acquire(timeout=PRIME_WAIT_S):
            raise busy("the model is generating")
        with self._turns:
            if self._waiting:
                self._gen_lock.release()
                raise busy("the model has work waiting")
            self._priming_run = run

    def _release(self, run: _Run) -> None:
        """Give back the generation lock taken by ``_start``."""
        with self._turns:
            if self._priming_run is run:
                self._priming_run = None
        self._gen_lock.release()

    def _share_cores(self, llama: Llama, run: _Run) -> None:
        """Use every core while other processes leave them free, one fewer while they keep
        about a core busy (see ``cpu_share``): checked now, over a short window, and every 8
        tokens of the generation."""
        import llama_cpp

        ctx = getattr(getattr(llama, "_ctx", None), "ctx", None)
        if ctx is None or self._settings.n_threads <= 1:  # a stand-in (tests), or 1 thread
            return
        advisor = self._advisor
        if advisor is None or advisor.max_threads != self._settings.n_threads:
            advisor = self._advisor = ThreadAdvisor(self._settings.n_threads)
        advisor.others()  # open a fresh window: the time since the last call says little
        time.sleep(0.1)
        current = [0]

        def apply() -> None:
            threads = advisor.advise()
            if threads != current[0]:
                llama_cpp.llama_set_n_threads(ctx, threads, threads)
                current[0] = threads

        apply()
        run.every_8_tokens = apply

    def _arm_prefill_abort(self, llama: Llama, run: _Run) -> None:
        """Let the deadline interrupt prompt evaluation, which no stopping criterion reaches.

        llama.cpp polls the abort callback between graph nodes; it is a Python callback (it
        takes the GIL), so it is removed as soon as the first token is sampled.
        """
        import llama_cpp

        ctx = getattr(getattr(llama, "_ctx", None), "ctx", None)
        if ctx is None:  # not a real llama.cpp context (tests)
            return
        callback = llama_cpp.ggml_abort_callback(lambda _data: run.abort_requested())
        self._abort_callback = callback  # ctypes needs the object alive while installed
        llama_cpp.llama_set_abort_callback(ctx, callback, None)

        def disarm() -> None:
            llama_cpp.llama_set_abort_callback(ctx, llama_cpp.ggml_abort_callback(), None)
            self._abort_callback = None
            run.on_prompt_done = None

        run.on_prompt_done = disarm

    def _generate(
        self, llama: Llama, run: _Run, messages: list[Any], params: dict[str, Any], stream: bool
    ) -> Any:
        from llama_cpp import llama_chat_format

        fmt = llama.chat_format or "chatml"
        handler = (  # the lookup create_chat_completion does
            llama.chat_handler
            or llama._chat_handlers.get(fmt)
            or llama_chat_format.get_chat_completion_handler(fmt)
        )
        kwargs: dict[str, Any] = {
            "messages": _plain_messages(messages),
            "temperature": params.get("temperature", self._settings.temperature),
            "seed": params.get("seed", self._settings.seed),
            "max_tokens": params.get("max_tokens") or params.get("max_completion_tokens"),
            "repeat_penalty": params.get("repeat_penalty", REPEAT_PENALTY),
            "response_format": translate_response_format(params.get("response_format")),
            "stream": stream,
        }
        kwargs.update({k: params[k] for k in _PASSED_THROUGH if params.get(k) is not None})
        self._arm_prefill_abort(llama, run)
        before = self._prefix_hook(llama, run)
        try:
            return handler(llama=cast("Llama", _WithStop(llama, run.should_stop, before)),
                           **kwargs)
        except ValueError as exc:  # prompt longer than n_ctx, bad grammar
            self._finish(run)
            raise BadRequestError(
                message=str(exc), model="embedded", llm_provider=EMBEDDED_PROVIDER
            ) from exc

    def _prefix_hook(self, llama: Llama, run: _Run
                     ) -> Callable[[Llama, list[int], str, bool], None] | None:
        """What puts a saved system turn into the model before it reads ``run``'s prompt."""
        prefixes = self.prefixes
        if prefixes is None or getattr(getattr(llama, "_ctx", None), "ctx", None) is None:
            return None  # turned off, or a stand-in for llama.cpp (tests)

        def before(model: Llama, tokens: list[int], prompt: str, add_bos: bool) -> None:
            try:
                prefixes.prepare(model, tokens, prompt, add_bos, run.messages)
            except RuntimeError:  # the deadline or a newer call stopped the read
                raise
            except Exception:  # a checkpoint that cannot be used: read the whole prompt
                model._ctx.kv_cache_clear()  # type: ignore[no-untyped-call]
                model.n_tokens = 0

        return before

    def _finish(self, run: _Run) -> None:
        """Disarm the prefill abort if generation ended before a first token."""
        if run.on_prompt_done is not None:
            run.on_prompt_done()

    def _raise_if_expired(self, run: _Run, model: str) -> None:
        if run.expired:
            raise Timeout(
                message="embedded model generation stopped at the deadline",
                model=model,
                llm_provider=EMBEDDED_PROVIDER,
            )

    def _aborted(self, run: _Run, model: str, exc: RuntimeError) -> Exception:
        """What to raise when llama.cpp stopped with an error (an aborted decode included)."""
        if run.expired or run.cancelled.is_set() or run.closing.is_set():
            return Timeout(
                message=f"embedded model stopped during prompt evaluation ({exc})",
                model=model,
                llm_provider=EMBEDDED_PROVIDER,
            )
        return exc

    def _complete(
        self,
        model: str,
        messages: list[Any],
        model_response: ModelResponse,
        optional_params: dict[str, Any],
        timeout: float | httpx.Timeout | None,
        run_box: list[_Run] | None = None,
    ) -> ModelResponse:
        llama, run = self._start(model, timeout, messages)
        if run_box is not None:
            run_box.append(run)
        try:
            result = self._generate(llama, run, messages, optional_params, stream=False)
        except RuntimeError as exc:
            raise self._aborted(run, model, exc) from exc
        finally:
            self._finish(run)
            self._release(run)
        self._raise_if_expired(run, model)
        if run.priming and run.cancelled.is_set():
            raise Timeout(message="priming stopped: another call needed the model",
                          model=model, llm_provider=EMBEDDED_PROVIDER)
        choice = result["choices"][0]
        model_response.choices[0].message.content = choice["message"]["content"] or ""
        model_response.choices[0].finish_reason = choice.get("finish_reason") or "stop"
        model_response.model = f"{EMBEDDED_PROVIDER}/{model}"
        model_response.created = int(time.time())
        usage = result.get("usage") or {}
        model_response.usage = Usage(  # type: ignore[attr-defined]
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            total_tokens=usage.get("total_tokens", 0),
        )
        return model_response

    def _stream(
        self,
        model: str,
        messages: list[Any],
        optional_params: dict[str, Any],
        timeout: float | httpx.Timeout | None,
        run_box: list[_Run] | None = None,
    ) -> Generator[GenericStreamingChunk, None, None]:
        llama, run = self._start(model, timeout, messages)
        if run_box is not None:
            run_box.append(run)
        finish = "stop"
        pieces = 0
        try:
            chunks = self._generate(llama, run, messages, optional_params, stream=True)
            for chunk in chunks:
                choice = chunk["choices"][0]
                text = (choice.get("delta") or {}).get("content") or ""
                finish = choice.get("finish_reason") or finish
                if text:
                    pieces += 1
                    yield GenericStreamingChunk(
                        text=text, is_finished=False, finish_reason="", usage=None, index=0
                    )
        except RuntimeError as exc:
            raise self._aborted(run, model, exc) from exc
        finally:
            self._finish(run)
            self._release(run)
        self._raise_if_expired(run, model)
        completion_tokens = max(pieces, run.steps - (1 if finish == "stop" else 0))
        yield GenericStreamingChunk(
            text="",
            is_finished=True,
            finish_reason=finish,
            usage={
                "prompt_tokens": run.prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": run.prompt_tokens + completion_tokens,
            },
            index=0,
        )

    # -- the CustomLLM interface -------------------------------------------------------

    def completion(
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: Any = None,
    ) -> ModelResponse:
        return self._complete(model, messages, model_response, optional_params, timeout)

    def streaming(
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: Any = None,
    ) -> Iterator[GenericStreamingChunk]:
        return self._stream(model, messages, optional_params, timeout)

    async def acompletion(
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: Any = None,
    ) -> ModelResponse:
        runs: list[_Run] = []
        try:
            return await asyncio.to_thread(
                self._complete, model, messages, model_response, optional_params, timeout, runs
            )
        except asyncio.CancelledError:
            for run in runs:  # the worker thread cannot be killed: make it stop at the next token
                run.cancelled.set()
            raise

    async def astreaming(  # type: ignore[override, misc]
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: Any = None,
    ) -> AsyncIterator[GenericStreamingChunk]:
        runs: list[_Run] = []
        chunks = self._stream(model, messages, optional_params, timeout, runs)
        done = object()
        try:
            while True:
                chunk = await asyncio.to_thread(next, chunks, done)
                if chunk is done:
                    break
                yield chunk  # type: ignore[misc]
        finally:
            for run in runs:
                run.cancelled.set()
            # Releases the generation lock if the consumer stopped early. ValueError: the
            # generator is still running in the worker thread; it stops at the next token.
            with contextlib.suppress(ValueError):
                chunks.close()


_provider: EmbeddedLLM | None = None
_provider_lock = threading.Lock()


def register_embedded_provider(settings: Settings) -> EmbeddedLLM:
    """Register the embedded model with LiteLLM under ``embedded/``; safe to call repeatedly.

    Returns:
        The process-wide provider (load it early with ``.load()`` to move the cost out of the
        first request).
    """
    global _provider
    with _provider_lock:
        if _provider is None:
            _provider = EmbeddedLLM(settings)
            atexit.register(_provider.close)
        else:
            _provider.configure(settings)
        entries = [e for e in litellm.custom_provider_map if e.get("provider") != EMBEDDED_PROVIDER]
        entries.append({"provider": EMBEDDED_PROVIDER, "custom_handler": _provider})
        litellm.custom_provider_map = entries
        return _provider
