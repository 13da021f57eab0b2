"""Settings, read from the environment (prefix ``COACH_``) through pydantic-settings.

Every piece of state the coach writes (Chroma store, joined model file, sessions) lives
under ``data_dir``. Paths to the repository's ``prompts/`` and ``knowledge/`` default to
the checkout this package was installed from (editable install).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]

EMBEDDED_PROVIDER = "embedded"
"""LiteLLM custom provider name under which the in-process llama.cpp model is registered."""

DEFAULT_MODEL = f"{EMBEDDED_PROVIDER}/qwen2.5-coder-1.5b-instruct-q4_k_m"

LOCAL_PROVIDERS = frozenset({EMBEDDED_PROVIDER, "ollama", "ollama_chat", "llamafile", "lm_studio"})
"""Providers that run on this machine; drafts sent to any other are redacted by default."""


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "feedback-coach"


VerdictMode = Literal["rules", "learned", "hybrid"]
"""Values of ``COACH_VERDICTS``."""


class Settings(BaseSettings):
    """Runtime configuration. Each field maps to ``COACH_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="COACH_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    """Root for all state: ``chroma/``, ``models/``, ``sessions/``."""

    verdicts: VerdictMode = "learned"
    """Who decides ``specific``, ``balanced`` and ``actionable``. ``learned`` (default): the
    rules' signals plus the draft's words, read by small shipped regressions
    (``analyzer/ngram.py``; ~0.5 ms more per draft), which also read labels and coded words
    (they may clear the rules' findings of those kinds or add one). ``rules``: the rules
    alone. ``hybrid``: the rules' signals plus sentence embeddings (``analyzer/hybrid.py``;
    ~5-10 ms more per draft). Outside ``learned``, ``behavior_focused`` and ``biased`` are the
    rules'. See the README for their accuracy."""

    model: str = DEFAULT_MODEL
    """LiteLLM model string, e.g. ``openai/gpt-4o-mini`` or ``ollama/qwen2.5:7b``."""

    api_base: str | None = None
    """Optional base URL passed to LiteLLM (vLLM, llama.cpp server, Ollama...)."""

    api_key: str | None = None
    """Optional key passed to LiteLLM; providers' own variables work too."""

    model_timeout_s: float = 60.0
    """Per-call timeout; a call that runs over degrades the result instead of failing it."""

    model_retries: int = 1
    """LiteLLM-level retries for transient provider errors."""

    temperature: float = 0.2
    seed: int = 7
    """Sampling seed passed to every model call so runs repeat where the backend allows."""

    redact_pii: bool | None = None
    """Replace emails, phones and ID numbers before a model call. ``None``: on for non-local
    models."""

    n_threads: int = Field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)))
    """llama.cpp threads for the embedded model; never more than the cores you have."""

    n_ctx: int = 4096
    """Context window for the embedded model."""

    prefix_cache_mb: int = 64
    """Memory for the embedded model's saved system turns (``llm/prefix_cache.py``); 0 turns
    them off."""

    model_path: Path | None = None
    """Use this GGUF file instead of joining the packaged parts."""

    chroma_host: str | None = None
    """When set, use a Chroma server (``chroma run``) instead of the embedded store."""

    chroma_port: int = 8000
    collection: str = "guidance"

    knowledge_dir: Path = REPO_ROOT / "knowledge"
    prompts_dir: Path = REPO_ROOT / "prompts"

    max_draft_chars: int = 20_000

    # -- HTTP API (``coach serve``) ------------------------------------------------------

    api_keys: str | None = None
    """Comma-separated API keys for ``Authorization: Bearer <key>``; an entry may also be
    ``sha256:<hex>`` (the key's SHA-256) so plain keys need not sit in the environment.
    Unset: no authentication, and the server binds to loopback only."""

    rate_limit_per_minute: float = 120.0
    """Sustained requests per minute per API key (token bucket); 0 turns the limit off."""

    rate_limit_burst: int = 30
    """Requests a key may make at once before the per-minute rate applies."""

    model_queue_size: int = 8
    """Model-using requests that may wait while one generates; beyond it -> 503."""

    max_body_bytes: int = 256 * 1024
    """Largest request body for single-draft endpoints (checked before parsing)."""

    max_batch_body_bytes: int = 16 * 1024 * 1024
    """Largest request body for ``/v1/critique/batch``."""

    max_batch_items: int = 500

    no_llm_workers: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1))
    """Worker processes for model-free critiques (forked at start-up); 0 keeps them in the
    server process."""

    cors_origins: str = ""
    """Comma-separated origins allowed by CORS; empty (the default) allows none."""

    bench_routes: bool = False
    """Expose ``/bench/bare``, a bare endpoint the load benchmark compares against."""

    sessions_url: str | None = None
    """Role-play sessions: ``postgresql://...`` (needs the ``postgres`` extra) or
    ``sqlite:///path``; unset: ``data_dir/sessions.sqlite``."""

    session_idle_minutes: float = 120.0
    """A role-play session idle longer than this is expired (deleted)."""

    roleplay_max_tokens: int = 60
    """Completion limit of one persona reply."""

    roleplay_attempts: int = 3
    """Model attempts per persona reply before the in-character fallback line."""

    roleplay_prime: bool = True
    """With a local model, read each session's prompt prefix into the model's cache between
    turns (while the manager types), so a turn only reads the new message."""

    roleplay_max_message_chars: int = 2_000
    """Longest manager message accepted in a role-play turn."""

    @property
    def model_provider(self) -> str:
        """The LiteLLM provider prefix of ``model`` (``openai`` for ``openai/gpt-4o``)."""
        return self.model.split("/", 1)[0] if "/" in self.model else "openai"

    @property
    def is_local_model(self) -> bool:
        """True when drafts never leave this machine (embedded model or a loopback server)."""
        if self.model_provider in LOCAL_PROVIDERS:
            return True
        base = (self.api_base or "").lower()
        return any(h in base for h in ("://127.0.0.1", "://localhost", "://[::1]"))

    @property
    def should_redact(self) -> bool:
        """Whether to strip PII before model calls."""
        return (not self.is_local_model) if self.redact_pii is None else self.redact_pii

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"


@lru_cache
def get_settings() -> Settings:
    """Process-wide settings; tests build their own ``Settings`` instead."""
    return Settings()
