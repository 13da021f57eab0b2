"""What every suite shares: the case row, the suite result, the run context, dataset loading.

A suite is a small object with a ``name``, a ``needs_model`` flag, a one-line
``description`` and a ``run(ctx)`` method; it is registered by name in
``assistant.evals.suites`` so a new suite (role-play, say) plugs in without touching the
runner.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from ..config import REPO_ROOT, Settings

if TYPE_CHECKING:
    from ..graph.context import Retriever
    from ..llm.gateway import ModelGateway
    from ..service import Coach

T = TypeVar("T", bound=BaseModel)

DATASETS_DIR = REPO_ROOT / "evals" / "datasets"


class DatasetError(ValueError):
    """A dataset file that cannot be used; the message names the file and line."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes (recorded in every summary so runs can be compared)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_jsonl(path: Path, model: type[T]) -> list[T]:
    """Read a JSONL dataset, validating each line against ``model``.

    Blank lines are skipped. Ids must be unique.

    Raises:
        DatasetError: missing file, bad UTF-8, bad JSON, a schema violation or a duplicate
            id, with ``file:line`` in the message.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such dataset") from None
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    cases: list[T] = []
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = model.model_validate_json(line)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            raise DatasetError(f"{path}:{n}: {where}: {first['msg']}") from None
        case_id = getattr(case, "id", None)
        if case_id is not None:
            if case_id in seen:
                raise DatasetError(f"{path}:{n}: duplicate id {case_id!r}")
            seen.add(str(case_id))
        cases.append(case)
    return cases


@dataclass
class Clock:
    """Time as a dependency: wall time for the summary, a monotonic counter for latency."""

    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    perf: Callable[[], float] = time.perf_counter


class Progress(Protocol):
    """What a suite reports while it runs (a Rich progress bar in the CLI)."""

    def start(self, description: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class NullProgress:
    """A progress sink that shows nothing (tests, library use)."""

    def start(self, description: str, total: int) -> None:
        """Ignore."""

    def advance(self, n: int = 1) -> None:
        """Ignore."""


class CaseRow(BaseModel):
    """One line of ``results.jsonl``."""

    suite: str
    dataset: str
    case_id: str
    language: str | None = None
    gold: Any = None
    predicted: Any = None
    passed: bool
    latency_ms: float = 0.0
    tokens: int = 0
    detail: dict[str, Any] = {}


class Chart(BaseModel):
    """Data for one chart of the report; ``report.py`` draws it as inline SVG."""

    kind: str
    """``confusion``, ``bars`` or ``histogram``."""
    title: str
    data: dict[str, Any]


@dataclass
class SuiteResult:
    """What a suite returns: rows, flat metrics and charts."""

    suite: str
    rows: list[CaseRow] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    """Flat dotted names (``dev.accuracy.specific``), the keys thresholds refer to."""
    breakdown: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    """Per-language tables: ``{table title: {language: {metric: value}}}``."""
    charts: list[Chart] = field(default_factory=list)
    datasets: dict[str, str] = field(default_factory=dict)
    """Dataset path (relative to the repository when inside it) -> sha256."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    notes: list[str] = field(default_factory=list)

    def add_dataset(self, path: Path) -> None:
        """Record a dataset's hash under a stable, repository-relative name."""
        self.datasets[display_path(path)] = sha256_file(path)


def display_path(path: Path) -> str:
    """``path`` relative to the repository when inside it, else as given."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


@dataclass
class RunContext:
    """Dependencies a suite may use; nothing is global."""

    settings: Settings
    clock: Clock = field(default_factory=Clock)
    progress: Progress = field(default_factory=NullProgress)
    retriever: Retriever | None = None
    """Guidance retriever for model-backed suites; ``None`` opens the configured store."""
    model_factory: Callable[[], ModelGateway] | None = None
    """Builds the model gateway on first use; ``None`` means no model is available."""
    datasets: dict[str, Path] = field(default_factory=dict)
    """Per-suite dataset overrides (``--dataset``)."""
    limit: int | None = None
    """At most this many cases per model-backed suite (bounded time)."""
    _model: ModelGateway | None = None

    def model(self) -> ModelGateway:
        """The model gateway, built once.

        Raises:
            RuntimeError: no model is configured for this run.
        """
        if self._model is None:
            if self.model_factory is None:
                raise RuntimeError("this suite needs a model; none is configured")
            self._model = self.model_factory()
        return self._model


def make_coach(ctx: RunContext) -> Coach:
    """A coach wired to the run's model (and retriever, when the context has one)."""
    from ..service import Coach

    return Coach.from_settings(ctx.settings, model=ctx.model(), retriever=ctx.retriever)


class Suite(Protocol):
    """An evaluation suite, registered by name."""

    name: str
    needs_model: bool
    description: str

    def run(self, ctx: RunContext) -> SuiteResult: ...


def estimate_cost(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """Cost in USD from LiteLLM's bundled price map; 0.0 for models it has no price for
    (the embedded model, local servers)."""
    if not prompt_tokens and not completion_tokens:
        return 0.0
    from ..llm.gateway import import_litellm

    lm = import_litellm()
    try:
        prompt_cost, completion_cost = lm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
    except Exception:  # LiteLLM raises a bare Exception for unmapped models
        return 0.0
    return float(prompt_cost) + float(completion_cost)


def dumps(data: Any, *, indent: int | None = None) -> str:
    """JSON for output files: UTF-8 kept, NaN written as null."""
    return json.dumps(_nan_to_none(data), ensure_ascii=False, indent=indent)


def _nan_to_none(data: Any) -> Any:
    if isinstance(data, float) and data != data:
        return None
    if isinstance(data, dict):
        return {k: _nan_to_none(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_nan_to_none(v) for v in data]
    return data
