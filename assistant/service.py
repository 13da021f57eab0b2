"""The coaching service: builds the graph's context from settings and turns graph state
into the public ``CritiqueResult``. The CLI and the API both go through here."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .analyzer import ANALYZER_VERSION
from .config import Settings
from .development import load_catalogue
from .graph.context import Context, Retriever
from .graph.direct import first_prompts, run_without_model
from .graph.state import CoachInput, CoachState
from .llm.gateway import ModelGateway, PromptPrimer
from .prompts import PromptRenderer
from .schemas import CritiqueRequest, CritiqueResult, RunMeta

if TYPE_CHECKING:
    from .knowledge.store import KnowledgeStore


class InputError(ValueError):
    """A draft the coach refuses, with a message fit for the user."""


def validate_text(text: str, *, max_chars: int) -> str:
    """Reject empty and oversized drafts with a clear message."""
    if not text or not text.strip():
        raise InputError("the draft is empty")
    if len(text) > max_chars:
        raise InputError(f"the draft has {len(text):,} characters; the limit is {max_chars:,}")
    if "\x00" in text:
        raise InputError("the draft contains NUL characters; is it a binary file?")
    return text


def open_guidance(settings: Settings) -> Retriever:
    """The guidance retriever: the Chroma store (built on first use when empty), behind a
    file of remembered answers when the store is embedded, so repeated guidance queries
    need neither Chroma nor the encoder. A Chroma server may change under us: no cache."""

    def open_store() -> KnowledgeStore:
        from .knowledge.store import KnowledgeStore

        store = KnowledgeStore.from_settings(settings)
        store.ensure_built([settings.knowledge_dir])
        return store

    if settings.chroma_host:
        return open_store()
    from .knowledge.answers import ANSWERS_FILE, CachedRetriever

    return CachedRetriever(settings.chroma_dir / ANSWERS_FILE, open_store)


@dataclass
class Coach:
    """Runs drafts through the graph with one set of dependencies."""

    context: Context
    clock: Callable[[], float] = time.perf_counter

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        model: ModelGateway | None = None,
        retriever: Retriever | None = None,
        with_model: bool = True,
        with_store: bool = True,
    ) -> Coach:
        """Wire real dependencies: the knowledge store (built on first use) and the model."""
        if retriever is None and with_store:
            retriever = open_guidance(settings)
        if model is None and with_model:
            from .llm.gateway import LiteLLMGateway

            model = LiteLLMGateway(settings)
        context = Context(
            settings=settings,
            prompts=PromptRenderer(settings.prompts_dir),
            catalogue=load_catalogue(settings.knowledge_dir / "development_actions.yaml"),
            retriever=retriever,
            model=model,
        )
        return cls(context)

    def critique(self, text: str, *, rating: int | None = None, no_llm: bool = False,
                 id: str | int | None = None) -> CritiqueResult:
        """Critique one draft. Model failures degrade the result; they never raise."""
        validate_text(text, max_chars=self.context.settings.max_draft_chars)
        started = self.clock()
        no_llm = no_llm or self.context.model is None
        inp = CoachInput(text=text, rating=rating, no_llm=no_llm)
        if no_llm:
            state: Any = run_without_model(inp, self.context)
        else:
            from .graph.graph import graph  # LangGraph loads only when a model will run

            state = graph.invoke(inp, context=self.context)
        return to_result(state, id=id, elapsed_ms=round((self.clock() - started) * 1000),
                         model=None if no_llm else self._model_name())

    @property
    def can_prime(self) -> bool:
        """Whether ``prime`` can do anything with the configured model."""
        model = self.context.model
        return isinstance(model, PromptPrimer) and model.can_prime

    def prime(self, text: str, *, rating: int | None = None) -> bool:
        """Read this draft's first prompt into the local model's cache, for a ``critique``
        of the same draft that is likely to follow (the page sends a draft when the manager
        pastes it). Blocks while the prompt is read; gives way to any real model call.
        Returns whether the prompt was read: False for a model that keeps no cache here, a
        busy model or a model fault.
        """
        validate_text(text, max_chars=self.context.settings.max_draft_chars)
        model = self.context.model
        if not self.can_prime:
            return False
        assert isinstance(model, PromptPrimer)
        system, user = first_prompts(CoachInput(text=text, rating=rating, no_llm=False),
                                     self.context)
        return model.prime(system=system, user=user)

    def warm_guidance_cache(self) -> None:
        """Run every guidance query once, so later drafts never touch the store (and forked
        batch workers share the answers)."""
        from .graph.nodes.retrieve import warm_cache

        warm_cache(self.context)

    def critique_request(self, req: CritiqueRequest, *, no_llm: bool = False) -> CritiqueResult:
        return self.critique(req.text, rating=req.rating, no_llm=no_llm, id=req.id)

    def _model_name(self) -> str | None:
        model = self.context.model
        return getattr(model, "model_name", None) if model is not None else None


def to_result(state: dict[str, Any] | CoachState, *, id: str | int | None, elapsed_ms: int,
              model: str | None) -> CritiqueResult:
    """Map final graph state to the public schema."""
    s = state if isinstance(state, dict) else state.__dict__
    analysis = s["analysis"]
    calls = s.get("calls", [])
    return CritiqueResult(
        id=id,
        language=analysis.language,
        verdicts=analysis.verdicts,
        scores=analysis.scores,
        findings=analysis.findings,
        guidance=s.get("guidance", []),
        development_actions=s.get("development_actions", []),
        critique=s.get("critique"),
        rewrite=s.get("rewrite"),
        degraded=bool(s.get("degraded", False)),
        meta=RunMeta(
            model=model,
            model_calls=len(calls),
            prompt_tokens=sum(c.prompt_tokens for c in calls),
            completion_tokens=sum(c.completion_tokens for c in calls),
            elapsed_ms=elapsed_ms,
            analyzer_version=ANALYZER_VERSION,
            verdicts=analysis.decided_by,
            fabrication_retry=s.get("rewrite_attempts", 0) > 1,
            rewrite_source=s.get("rewrite_source", "none"),
            notes=list(s.get("notes", [])),
        ),
    )
