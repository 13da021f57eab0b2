"""Shared fixtures. No test reaches a live model unless it is marked ``embedded_model``."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from coach_support import make_coach as support_make_coach

from assistant.config import Settings
from assistant.knowledge.store import Passage
from assistant.llm.fake import ScriptedModel, block_real_model_calls
from assistant.service import Coach


@pytest.fixture(autouse=True)
def _no_live_models(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("embedded_model"):
        yield
        return
    with block_real_model_calls():
        yield


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", model="embedded/test")


class FakeRetriever:
    """Returns one canned passage per query and records the queries."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def search(self, query: str, *, k: int = 4, language: str | None = None) -> Sequence[Passage]:
        self.queries.append(query)
        n = len(self.queries)
        return [Passage(id=f"g{n}", text=f"Guidance text {n} about: {query}",
                        source=f"guidance/g{n}.md", title=f"Guide {n}", heading=f"Section {n}",
                        language="en", score=0.9)]


@pytest.fixture
def retriever() -> FakeRetriever:
    return FakeRetriever()


@pytest.fixture
def make_coach(settings: Settings, retriever: FakeRetriever):  # type: ignore[no-untyped-def]
    def _make(replies: list[object] | None = None) -> tuple[Coach, ScriptedModel | None]:
        model = ScriptedModel(replies) if replies is not None else None
        return support_make_coach(settings, retriever, model), model

    return _make
