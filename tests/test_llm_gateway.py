"""LiteLLMGateway against LiteLLM's own ``mock_response``, and the embedded provider's
plumbing (deadline, JSON translation, streaming) against a stand-in for ``llama_cpp.Llama``."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from assistant.config import DEFAULT_MODEL, Settings
from assistant.llm.gateway import (
    SCHEMA_INSTRUCTION,
    LiteLLMGateway,
    ModelError,
    ModelOutputError,
    ModelTimeout,
    ModelUnavailable,
    import_litellm,
)

litellm = import_litellm()


class Verdict(BaseModel):
    summary: str
    """One sentence."""
    label: Literal["good", "weak"]
    contacts: list[str] = []


class MockedLiteLLM:
    """Wraps ``litellm.completion``: each call consumes one mock reply and records kwargs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.replies: list[Any] = []
        self.calls: list[dict[str, Any]] = []
        real = litellm.completion

        def completion(**kwargs: Any) -> Any:
            self.calls.append(kwargs)
            reply = self.replies.pop(0)
            extra = {"mock_timeout": True} if reply == "TIMEOUT" else {"mock_response": reply}
            return real(**kwargs, **extra)

        monkeypatch.setattr(litellm, "completion", completion)

    def queue(self, *replies: Any) -> MockedLiteLLM:
        self.replies.extend(replies)
        return self


@pytest.fixture
def mocked(monkeypatch: pytest.MonkeyPatch) -> MockedLiteLLM:
    return MockedLiteLLM(monkeypatch)


def hosted(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(model="openai/gpt-4o-mini", api_key="sk-test", data_dir=tmp_path, **overrides)


GOOD = '{"summary": "Clear and specific.", "label": "good"}'


def test_valid_json_is_parsed_with_a_native_schema(tmp_path: Path, mocked: MockedLiteLLM) -> None:
    mocked.queue(GOOD)
    gen = LiteLLMGateway(hosted(tmp_path)).generate(system="s", user="u", output=Verdict)
    assert gen.parsed == Verdict(summary="Clear and specific.", label="good")
    assert gen.text == GOOD
    assert gen.prompt_tokens > 0 and gen.completion_tokens > 0
    (call,) = mocked.calls
    assert call["response_format"]["type"] == "json_schema"
    assert call["response_format"]["json_schema"]["schema"] == Verdict.model_json_schema()
    assert call["timeout"] == 60.0 and call["seed"] == 7 and call["max_tokens"] == 512
    assert call["messages"][0] == {"role": "system", "content": "s"}


def test_invalid_then_valid_is_repaired(tmp_path: Path, mocked: MockedLiteLLM) -> None:
    mocked.queue('{"summary": "x", "label": "excellent"}', f"```json\n{GOOD}\n```")
    gen = LiteLLMGateway(hosted(tmp_path)).generate(system="s", user="u", output=Verdict)
    assert gen.parsed is not None and gen.parsed.label == "good"
    assert len(mocked.calls) == 2
    repair = mocked.calls[1]["messages"]
    assert repair[2] == {"role": "assistant", "content": '{"summary": "x", "label": "excellent"}'}
    assert "label" in repair[3]["content"] and "excellent" not in repair[3]["content"]
    single = LiteLLMGateway(hosted(tmp_path))
    mocked.queue(GOOD)
    assert gen.prompt_tokens > single.generate(system="s", user="u", output=Verdict).prompt_tokens


def test_invalid_twice_raises_output_error(tmp_path: Path, mocked: MockedLiteLLM) -> None:
    mocked.queue("not json", '{"summary": 3}')
    with pytest.raises(ModelOutputError, match="Verdict"):
        LiteLLMGateway(hosted(tmp_path)).generate(system="s", user="u", output=Verdict)
    assert len(mocked.calls) == 2


def test_text_generation_makes_one_call(tmp_path: Path, mocked: MockedLiteLLM) -> None:
    mocked.queue("plain words")
    gen = LiteLLMGateway(hosted(tmp_path)).generate(
        system="s", user="u", max_tokens=32, temperature=0.0
    )
    assert (gen.text, gen.parsed) == ("plain words", None)
    assert "response_format" not in mocked.calls[0]
    assert mocked.calls[0]["temperature"] == 0.0 and mocked.calls[0]["max_tokens"] == 32


def test_timeout_maps_to_model_timeout(tmp_path: Path, mocked: MockedLiteLLM) -> None:
    mocked.queue("TIMEOUT")
    with pytest.raises(ModelTimeout):
        LiteLLMGateway(hosted(tmp_path, model_timeout_s=0.01)).generate(system="s", user="u")


def test_transient_errors_are_retried_but_timeouts_are_not(
    tmp_path: Path, mocked: MockedLiteLLM
) -> None:
    gateway = LiteLLMGateway(hosted(tmp_path, model_retries=1, model_timeout_s=0.01))
    waits: list[float] = []
    gateway._sleep = waits.append
    mocked.queue("litellm.RateLimitError", "fine")
    assert gateway.generate(system="s", user="u").text == "fine"
    assert len(mocked.calls) == 2 and len(waits) == 1
    assert all(c["num_retries"] == 0 for c in mocked.calls)  # no hidden SDK-level retries
    mocked.queue("TIMEOUT", "never used")
    with pytest.raises(ModelTimeout):
        gateway.generate(system="s", user="u")
    assert len(mocked.calls) == 3


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (lambda: litellm.APIConnectionError("refused", "openai", "m"), ModelUnavailable),
        (lambda: litellm.AuthenticationError("bad key", "openai", "m"), ModelUnavailable),
        (lambda: litellm.NotFoundError("no model", "m", "openai"), ModelUnavailable),
        (lambda: litellm.Timeout("slow", "m", "openai"), ModelTimeout),
        (lambda: litellm.ContextWindowExceededError("long", "m", "openai"), ModelError),
    ],
)
def test_errors_are_mapped(
    tmp_path: Path, mocked: MockedLiteLLM, error: Any, expected: type[ModelError]
) -> None:
    mocked.queue(error())
    with pytest.raises(expected) as caught:
        LiteLLMGateway(hosted(tmp_path, model_retries=0)).generate(system="s", user="u")
    assert type(caught.value) is expected


def test_pii_is_redacted_for_hosted_models_and_restored(
    tmp_path: Path, mocked: MockedLiteLLM
) -> None:
    reply = {"summary": "Ask ⟦EMAIL_1⟧ first.", "label": "good", "contacts": ["⟦PHONE_1⟧"]}
    mocked.queue(json.dumps(reply, ensure_ascii=False))
    gen = LiteLLMGateway(hosted(tmp_path)).generate(
        system="Coach for ann@example.com.",
        user="Ann (ann@example.com, 13912345678) missed the deadline.",
        output=Verdict,
    )
    sent = json.dumps(mocked.calls[0]["messages"], ensure_ascii=False)
    assert "ann@example.com" not in sent and "13912345678" not in sent
    assert "⟦EMAIL_1⟧" in sent and "⟦PHONE_1⟧" in sent
    assert gen.parsed == Verdict(
        summary="Ask ann@example.com first.", label="good", contacts=["13912345678"]
    )
    assert "ann@example.com" in gen.text


def test_embedded_model_is_not_redacted(tmp_path: Path, mocked: MockedLiteLLM) -> None:
    mocked.queue("ok")
    settings = Settings(model=DEFAULT_MODEL, data_dir=tmp_path)
    LiteLLMGateway(settings).generate(system="s", user="Mail ann@example.com")
    assert mocked.calls[0]["messages"][1]["content"] == "Mail ann@example.com"
    assert mocked.calls[0]["num_retries"] == 0


def test_providers_without_schema_support_get_json_mode_and_the_schema_in_the_prompt(
    tmp_path: Path, mocked: MockedLiteLLM
) -> None:
    mocked.queue(GOOD)
    settings = Settings(model="ollama/qwen2.5:7b", data_dir=tmp_path)
    LiteLLMGateway(settings).generate(system="s", user="u", output=Verdict)
    call = mocked.calls[0]
    assert call["response_format"] == {"type": "json_object"}
    # The schema goes after the user text so the system prompt stays a shared cache prefix.
    assert call["messages"][0]["content"] == "s"
    assert call["messages"][1]["content"].startswith("u" + SCHEMA_INSTRUCTION.split("{")[0])
    assert '"label"' in call["messages"][1]["content"]


def test_a_rejected_json_schema_falls_back_to_json_mode(
    tmp_path: Path, mocked: MockedLiteLLM
) -> None:
    rejected = litellm.BadRequestError("response_format json_schema unsupported", "m", "openai")
    mocked.queue(rejected, GOOD, GOOD)
    gateway = LiteLLMGateway(hosted(tmp_path))
    assert gateway.generate(system="s", user="u", output=Verdict).parsed is not None
    assert [c["response_format"]["type"] for c in mocked.calls] == ["json_schema", "json_object"]
    gateway.generate(system="s", user="u", output=Verdict)
    assert mocked.calls[-1]["response_format"] == {"type": "json_object"}


def test_stream_yields_deltas_and_restores_placeholders(
    tmp_path: Path, mocked: MockedLiteLLM
) -> None:
    mocked.queue("Write to ⟦EMAIL_1⟧ today, please.")
    deltas = list(LiteLLMGateway(hosted(tmp_path)).stream(system="s", user="ann@example.com"))
    assert len(deltas) > 1
    assert "".join(deltas) == "Write to ann@example.com today, please."
    assert mocked.calls[0]["stream"] is True


# -- the embedded provider, with a stand-in for llama_cpp.Llama -------------------------


class FakeLlama:
    """Plays a fixed token list, one token per ``delay`` seconds, honouring stopping criteria
    the way ``Llama.create_completion`` does."""

    chat_format = "fake"

    def __init__(self, tokens: list[str], delay: float = 0.0) -> None:
        self.tokens = tokens
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self._chat_handlers: dict[str, Any] = {}
        self.chat_handler = self._handle
        self.closed = False

    def _handle(self, *, llama: Any, **kwargs: Any) -> Any:
        self.requests.append(kwargs)
        return llama.create_completion(
            prompt=[1, 2, 3, 4], max_tokens=kwargs["max_tokens"], stream=kwargs["stream"]
        )

    def create_completion(self, **kwargs: Any) -> Any:
        criteria = kwargs["stopping_criteria"]
        prompt: list[int] = kwargs["prompt"]
        limit = kwargs["max_tokens"] or len(self.tokens)

        def produce() -> Iterator[str]:
            ids = list(prompt)
            for tok in self.tokens[:limit]:
                time.sleep(self.delay)
                if criteria(ids, None):
                    return
                ids.append(len(ids))
                yield tok

        if not kwargs["stream"]:
            out = list(produce())
            return {
                "choices": [
                    {"message": {"content": "".join(out)}, "finish_reason": "stop", "index": 0}
                ],
                "usage": {
                    "prompt_tokens": len(prompt),
                    "completion_tokens": len(out),
                    "total_tokens": len(prompt) + len(out),
                },
            }
        return (
            {"choices": [{"delta": {"content": t}, "finish_reason": None, "index": 0}]}
            for t in produce()
        )

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Returns a function installing a FakeLlama in the registered embedded provider.

    The calls pass through the real ``litellm.completion`` (the fake replaces llama.cpp, not
    LiteLLM), so the no-real-model guard is lifted for these tests.
    """
    from assistant.llm.embedded import register_embedded_provider
    from assistant.llm.fake import allow_model_requests

    def install(tokens: list[str], delay: float = 0.0, **overrides: Any) -> tuple[Any, Any]:
        settings = Settings(model=DEFAULT_MODEL, data_dir=tmp_path, **overrides)
        provider = register_embedded_provider(settings)
        fake = FakeLlama(tokens, delay)
        monkeypatch.setattr(provider, "_llama", fake)
        return LiteLLMGateway(settings), fake

    with allow_model_requests():
        yield install


def test_embedded_generates_and_reports_usage(embedded: Any) -> None:
    gateway, fake = embedded(["Hel", "lo", "!"])
    gen = gateway.generate(system="s", user="u", max_tokens=64, temperature=0.0)
    assert gen.text == "Hello!"
    assert (gen.prompt_tokens, gen.completion_tokens) == (4, 3)
    req = fake.requests[0]
    assert req["max_tokens"] == 64 and req["temperature"] == 0.0 and req["seed"] == 7
    assert req["repeat_penalty"] == pytest.approx(1.1)
    assert req["messages"][1] == {"role": "user", "content": "u"}


def test_stop_strings_reach_litellm(tmp_path: Path, mocked: MockedLiteLLM) -> None:
    """A node's stop strings go to LiteLLM, at most OpenAI's 4."""
    mocked.queue("a", "b")
    gateway = LiteLLMGateway(hosted(tmp_path))
    gateway.generate(system="s", user="u", stop=["\nACTION 3", "\nCRITIQUE"])
    list(gateway.stream(system="s", user="u", stop=["1", "2", "3", "4", "5"]))
    assert mocked.calls[0]["stop"] == ["\nACTION 3", "\nCRITIQUE"]
    assert mocked.calls[1]["stop"] == ["1", "2", "3", "4"]


def test_embedded_passes_stop_strings_to_llama_cpp(embedded: Any) -> None:
    gateway, fake = embedded(["Hi"])
    gateway.generate(system="s", user="u", stop=["\n\nNote"])
    assert fake.requests[0]["stop"] == ["\n\nNote"]


def test_embedded_translates_json_schema_for_llama_cpp(embedded: Any) -> None:
    gateway, fake = embedded([GOOD])
    gen = gateway.generate(system="s", user="u", output=Verdict)
    assert gen.parsed is not None and gen.parsed.label == "good"
    assert fake.requests[0]["response_format"] == {
        "type": "json_object",
        "schema": Verdict.model_json_schema(),
    }
    assert '"label"' in fake.requests[0]["messages"][1]["content"]  # schema in the prompt


def test_embedded_deadline_stops_a_runaway_generation(embedded: Any) -> None:
    gateway, _ = embedded(["tok "] * 10_000, delay=0.01, model_timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(ModelTimeout):
        gateway.generate(system="s", user="u", max_tokens=10_000)
    assert time.monotonic() - started < 1.5


def test_embedded_streams_and_releases_the_lock_when_abandoned(embedded: Any) -> None:
    gateway, _ = embedded(["a", "b", "c", "d"])
    assert list(gateway.stream(system="s", user="u")) == ["a", "b", "c", "d"]
    stream = gateway.stream(system="s", user="u")
    assert next(stream) == "a"
    stream.close()
    assert gateway.generate(system="s", user="u").text == "abcd"  # not blocked by the lock


def test_embedded_runs_one_generation_at_a_time(embedded: Any) -> None:
    gateway, _ = embedded(["x"] * 20, delay=0.01)
    active = 0
    peak = 0
    guard = threading.Lock()
    original = FakeLlama.create_completion

    def counting(self: FakeLlama, **kwargs: Any) -> Any:
        nonlocal active, peak
        with guard:
            active += 1
            peak = max(peak, active)
        try:
            return original(self, **kwargs)
        finally:
            with guard:
                active -= 1

    FakeLlama.create_completion = counting  # type: ignore[method-assign]
    try:
        threads = [
            threading.Thread(target=gateway.generate, kwargs={"system": "s", "user": "u"})
            for _ in range(3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        FakeLlama.create_completion = original  # type: ignore[method-assign]
    assert peak == 1


def test_missing_embedded_model_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.llm import model_files
    from assistant.llm.embedded import register_embedded_provider
    from assistant.llm.fake import allow_model_requests

    def no_parts() -> list[Path]:
        raise ModelUnavailable(f"embedded model parts not installed: {model_files.INSTALL_HINT}")

    monkeypatch.setattr(model_files, "locate_parts", no_parts)
    settings = Settings(model=DEFAULT_MODEL, data_dir=tmp_path)
    monkeypatch.setattr(register_embedded_provider(settings), "_llama", None)
    with allow_model_requests(), pytest.raises(ModelUnavailable, match="pip install"):
        LiteLLMGateway(settings).generate(system="s", user="u")


class PrefillingLlama(FakeLlama):
    """A ``FakeLlama`` that first spends ``prefill_steps`` × ``delay`` reading its prompt,
    stopping as soon as the stopping criterion asks (as llama.cpp's abort callback does)."""

    def __init__(self, tokens: list[str], delay: float, prefill_steps: int) -> None:
        super().__init__(tokens, delay)
        self.prefill_steps = prefill_steps
        self.read_whole_prompt: list[bool] = []

    def create_completion(self, **kwargs: Any) -> Any:
        run = kwargs["stopping_criteria"][-1].__self__  # the provider's _Run (its should_stop)
        for _ in range(self.prefill_steps):
            time.sleep(self.delay)
            if run.abort_requested():
                self.read_whole_prompt.append(False)
                raise RuntimeError("llama_decode returned 2")  # what an aborted read raises
        self.read_whole_prompt.append(True)
        return super().create_completion(**kwargs)


@pytest.fixture
def prefilling(embedded: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Like ``embedded``, with a model that takes ``prefill_steps`` × 10 ms to read a prompt."""

    def install(tokens: list[str], prefill_steps: int) -> tuple[Any, PrefillingLlama]:
        gateway, _ = embedded(tokens)
        from assistant.llm.embedded import register_embedded_provider

        fake = PrefillingLlama(tokens, 0.01, prefill_steps)
        monkeypatch.setattr(register_embedded_provider(gateway._settings), "_llama", fake)
        return gateway, fake

    return install


def _wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def _prime_in_background(gateway: Any, fake: PrefillingLlama,
                         user: str) -> tuple[threading.Thread, list[bool]]:
    """Start ``gateway.prime`` in a thread; return once its read has begun."""
    result: list[bool] = []
    primer = threading.Thread(target=lambda: result.append(gateway.prime(system="s", user=user)))
    primer.start()
    _wait_for(lambda: len(fake.requests) == 1)
    return primer, result


def test_priming_reads_the_prompt_generate_would_send(embedded: Any) -> None:
    gateway, fake = embedded(["x", "y"])
    assert gateway.can_prime
    assert gateway.prime(system="s", user="u") is True
    assert gateway.generate(system="s", user="u").text == "xy"
    primed, real = fake.requests
    assert primed["max_tokens"] == 1
    assert primed["messages"] == real["messages"]


def test_a_call_for_another_prompt_stops_a_priming_read(prefilling: Any) -> None:
    gateway, fake = prefilling(["ok"], prefill_steps=1_000)  # a 10 s read
    primer, result = _prime_in_background(gateway, fake, "draft A")
    fake.prefill_steps = 3  # the real call's own read is short
    started = time.monotonic()
    assert gateway.generate(system="s", user="draft B").text == "ok"
    primer.join()
    assert result == [False]
    assert fake.read_whole_prompt[0] is False  # the priming read was cut short
    assert time.monotonic() - started < 5  # not the whole 10 s read


def test_a_call_for_the_same_prompt_lets_the_priming_read_finish(prefilling: Any) -> None:
    gateway, fake = prefilling(["ok"], prefill_steps=30)
    primer, result = _prime_in_background(gateway, fake, "draft A")
    assert gateway.generate(system="s", user="draft A").text == "ok"
    primer.join()
    assert result == [True]
    assert fake.read_whole_prompt == [True, True]


def test_priming_never_waits_behind_real_work(prefilling: Any) -> None:
    gateway, fake = prefilling(["ok"], prefill_steps=300)
    worker = threading.Thread(target=gateway.generate, kwargs={"system": "s", "user": "real"})
    worker.start()
    _wait_for(lambda: len(fake.requests) == 1)
    assert gateway.prime(system="s", user="draft") is False  # at once, without a model call
    assert len(fake.requests) == 1
    worker.join()


def test_a_newer_priming_read_replaces_an_older_one(prefilling: Any) -> None:
    gateway, fake = prefilling(["ok"], prefill_steps=1_000)
    older, result = _prime_in_background(gateway, fake, "first version")
    assert gateway.prime(system="s", user="first version") is False  # already being read
    fake.prefill_steps = 3
    assert gateway.prime(system="s", user="edited version") is True
    older.join()
    assert result == [False]


def test_priming_is_off_for_models_this_process_does_not_run(
    tmp_path: Path, mocked: MockedLiteLLM
) -> None:
    gateway = LiteLLMGateway(hosted(tmp_path))
    assert not gateway.can_prime
    assert gateway.prime(system="s", user="u") is False
    assert mocked.calls == []
