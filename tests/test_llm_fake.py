from __future__ import annotations

import pytest
from pydantic import BaseModel

from assistant.llm.fake import (
    RealModelCallBlocked,
    ScriptedModel,
    allow_model_requests,
    block_real_model_calls,
)
from assistant.llm.gateway import ModelGateway, ModelOutputError, ModelTimeout, import_litellm


class Note(BaseModel):
    text: str
    score: int


def test_scripted_model_replays_replies_in_order_and_records_calls() -> None:
    model = ScriptedModel(["hello", Note(text="a", score=1), {"text": "b", "score": 2}])
    gateway: ModelGateway = model  # structural check against the protocol
    assert gateway.generate(system="s", user="u1").text == "hello"
    assert model.generate(system="s", user="u2", output=Note).parsed == Note(text="a", score=1)
    gen = model.generate(system="s", user="u3", output=Note, max_tokens=64)
    assert gen.parsed == Note(text="b", score=2)
    assert gen.text == '{"text": "b", "score": 2}'
    assert [(c.user, c.output, c.max_tokens) for c in model.calls] == [
        ("u1", None, 512),
        ("u2", Note, 512),
        ("u3", Note, 64),
    ]


def test_scripted_model_parses_json_text_and_rejects_invalid_output() -> None:
    model = ScriptedModel(['{"text": "x", "score": 5}', '{"text": "x"}'])
    assert model.generate(system="s", user="u", output=Note).parsed == Note(text="x", score=5)
    with pytest.raises(ModelOutputError):
        model.generate(system="s", user="u", output=Note)


def test_scripted_model_raises_queued_exceptions_and_fails_when_empty() -> None:
    model = ScriptedModel([ModelTimeout("slow")])
    with pytest.raises(ModelTimeout):
        model.generate(system="s", user="u")
    with pytest.raises(AssertionError, match="no reply left for call #2"):
        model.generate(system="s", user="u")


def test_scripted_model_streams_word_deltas() -> None:
    model = ScriptedModel().add("one two  three")
    deltas = list(model.stream(system="s", user="u"))
    assert deltas == ["one", " two", "  three"]
    assert model.calls[0].stream


def test_real_calls_are_blocked_unless_mocked_or_allowed() -> None:
    litellm = import_litellm()
    messages = [{"role": "user", "content": "hi"}]
    with block_real_model_calls():
        with pytest.raises(RealModelCallBlocked):
            litellm.completion(model="openai/gpt-4o-mini", messages=messages)
        mocked = litellm.completion(
            model="openai/gpt-4o-mini", messages=messages, mock_response="ok"
        )
        assert mocked.choices[0].message.content == "ok"
        with allow_model_requests():
            allowed = litellm.completion(
                model="openai/gpt-4o-mini", messages=messages, mock_response="fine"
            )
            assert allowed.choices[0].message.content == "fine"
