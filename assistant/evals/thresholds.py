"""Thresholds: ``evals/thresholds.yaml`` maps suite -> metric -> ``{min: x}`` / ``{max: x}``.

A run fails when a metric of a suite that ran is below its ``min``, above its ``max``,
missing, or NaN. Suites that did not run are not checked.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from ..config import REPO_ROOT

DEFAULT_THRESHOLDS = REPO_ROOT / "evals" / "thresholds.yaml"


class ThresholdError(ValueError):
    """The thresholds file is missing or malformed."""


class Bound(BaseModel):
    """A lower and/or upper bound for one metric."""

    model_config = ConfigDict(extra="forbid")

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Bound:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        return self


class Check(BaseModel):
    """One metric checked against its bound."""

    suite: str
    metric: str
    min: float | None
    max: float | None
    value: float | None
    passed: bool

    @property
    def bound(self) -> str:
        """``>= 0.9``, ``<= 0``, or both."""
        parts = []
        if self.min is not None:
            parts.append(f">= {self.min:g}")
        if self.max is not None:
            parts.append(f"<= {self.max:g}")
        return " and ".join(parts)


def load(path: Path = DEFAULT_THRESHOLDS) -> dict[str, dict[str, Bound]]:
    """Read and validate a thresholds file.

    Raises:
        ThresholdError: unreadable file, bad YAML or a bad entry (named).
    """
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ThresholdError(f"{path}: no such thresholds file") from None
    except yaml.YAMLError as exc:
        raise ThresholdError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ThresholdError(f"{path}: expected a mapping of suite -> metric -> bound")
    out: dict[str, dict[str, Bound]] = {}
    for suite, metrics in raw.items():
        if not isinstance(metrics, dict):
            raise ThresholdError(f"{path}: {suite}: expected a mapping of metric -> bound")
        out[str(suite)] = {}
        for metric, bound in metrics.items():
            try:
                out[str(suite)][str(metric)] = Bound.model_validate(bound)
            except ValidationError as exc:
                msg = exc.errors(include_url=False)[0]["msg"]
                raise ThresholdError(f"{path}: {suite}.{metric}: {msg}") from None
    return out


def check(metrics: dict[str, dict[str, float]], bounds: dict[str, dict[str, Bound]]
          ) -> list[Check]:
    """Check the metrics of every suite that ran (``metrics``: suite -> name -> value)."""
    checks: list[Check] = []
    for suite, suite_bounds in bounds.items():
        if suite not in metrics:
            continue
        for metric, bound in suite_bounds.items():
            value = metrics[suite].get(metric)
            ok = value is not None and not math.isnan(value)
            if ok and value is not None:
                if bound.min is not None and value < bound.min:
                    ok = False
                if bound.max is not None and value > bound.max:
                    ok = False
            clean = None if value is None or math.isnan(value) else value
            checks.append(Check(suite=suite, metric=metric, min=bound.min, max=bound.max,
                                value=clean, passed=ok))
    return checks
