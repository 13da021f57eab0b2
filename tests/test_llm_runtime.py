"""The start-up preload of the embedded model (no real model: the loader is replaced)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings


def test_a_preloaded_model_is_adopted_once_and_only_with_the_same_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.llm import llama_runtime

    loads: list[int] = []

    def fake_load(settings: Settings) -> tuple[object, float]:
        loads.append(settings.n_ctx)
        return object(), 0.5

    monkeypatch.setattr(llama_runtime, "load_llama", fake_load)
    settings = Settings(data_dir=tmp_path, n_ctx=1024)
    assert llama_runtime.preload(settings) == 0.5
    assert llama_runtime.preload(settings) == 0.5  # loaded once
    assert llama_runtime.take_preloaded(settings.model_copy(update={"n_ctx": 2048})) is None
    taken = llama_runtime.take_preloaded(settings)
    assert taken is not None and taken[1] == 0.5
    assert llama_runtime.take_preloaded(settings) is None  # handed over once
    assert loads == [1024]
