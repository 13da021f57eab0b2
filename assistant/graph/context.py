"""Runtime dependencies of the graph, passed as LangGraph context (never module globals)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..config import Settings
from ..development import CatalogueEntry
from ..llm.gateway import ModelGateway
from ..prompts import PromptRenderer


class PassageLike(Protocol):
    """A retrieved passage (read-only view)."""

    @property
    def text(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def heading(self) -> str | None: ...
    @property
    def language(self) -> str: ...
    @property
    def score(self) -> float: ...


class Retriever(Protocol):
    """Anything that searches the guidance store (``KnowledgeStore`` in production)."""

    def search(
        self, query: str, *, k: int = 4, language: str | None = None
    ) -> Sequence[PassageLike]: ...


@dataclass(frozen=True)
class Context:
    """What nodes may use. Tests build one with fakes."""

    settings: Settings
    prompts: PromptRenderer
    catalogue: tuple[CatalogueEntry, ...]
    retriever: Retriever | None = None
    model: ModelGateway | None = None
    cache: dict[tuple[str, int, str | None], list[PassageLike]] = field(default_factory=dict)
    """Guidance queries are few and fixed per weakness: cache their results."""
    stream_text: bool = False
    """Stream the model's text through ``runtime.stream_writer`` as it is generated (the
    API's SSE endpoint); the nodes' results are the same either way."""
    cancel: threading.Event | None = None
    """Set by a streaming caller whose client went away: a streamed generation stops at its
    next token and the run finishes without the model (degraded)."""
