"""Loading the embedded GGUF with llama-cpp-python, without importing LiteLLM.

The server loads the model in a thread at start-up: the load is mostly C code that runs
beside the Python work of start-up (LiteLLM's own import takes seconds), so it goes first
and the provider (``assistant.llm.embedded``) adopts the loaded model.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.llm.errors import ModelUnavailable
from assistant.llm.model_files import ensure_model_file

if TYPE_CHECKING:
    from llama_cpp import Llama

_preloaded: dict[tuple[object, ...], tuple[Llama, float]] = {}
_lock = threading.Lock()


def load_key(settings: Settings) -> tuple[object, ...]:
    """The settings a loaded model depends on: a change in any of them needs a reload."""
    return (settings.model_path, settings.data_dir, settings.n_ctx, settings.n_threads)


def import_llama_cpp() -> None:
    """Import llama-cpp-python (so a loading thread imports nothing).

    Raises:
        ModelUnavailable: it is not installed.
    """
    try:
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        raise ModelUnavailable(
            "llama-cpp-python is not installed: run `pip install -e '.[local]'`"
        ) from exc


def load_llama(settings: Settings) -> tuple[Llama, float]:
    """Load the model (joining its file on first use); returns it and the load seconds.

    Raises:
        ModelUnavailable: llama-cpp-python is missing or the file cannot be loaded.
    """
    # llama.cpp's OpenMP threads spin briefly while they wait (OpenMP's default): fastest
    # when the cores are free, ruinous when another process shares one; the provider
    # drops a thread while other processes keep a core busy (``cpu_share``). An explicit
    # OMP_WAIT_POLICY (PASSIVE: never spin) still wins.
    import_llama_cpp()
    from llama_cpp import Llama

    path = ensure_model_file(settings)
    started = time.perf_counter()
    try:
        llama = Llama(
            model_path=str(path),
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
            n_threads_batch=settings.n_threads,
            seed=settings.seed,
            verbose=False,
        )
    except (ValueError, RuntimeError) as exc:
        raise ModelUnavailable(f"cannot load the embedded model {path}: {exc}") from exc
    return llama, time.perf_counter() - started


def preload(settings: Settings) -> float:
    """Load the model now for the provider to adopt later; returns the load seconds."""
    key = load_key(settings)
    with _lock:
        if key not in _preloaded:
            _preloaded[key] = load_llama(settings)
        return _preloaded[key][1]


def take_preloaded(settings: Settings) -> tuple[Llama, float] | None:
    """The model ``preload`` loaded with these settings, handed over once (or None)."""
    with _lock:
        return _preloaded.pop(load_key(settings), None)

