"""The suite registry: a suite is a small object registered by name.

Built-in suites are imported lazily (the model-backed ones pull in LiteLLM). Another
feature adds its suite with one line in ``_BUILTIN`` or by calling ``register`` from its
own module; installed packages can also expose suites through the
``feedback_coach.eval_suites`` entry-point group (each entry point loads a ``Suite``).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from ..base import Suite

_BUILTIN: dict[str, str] = {
    "critique": "assistant.evals.suites.critique:SUITE",
    "retrieval": "assistant.evals.suites.retrieval:SUITE",
    "fairness": "assistant.evals.suites.fairness:SUITE",
    "rewrite": "assistant.evals.suites.rewrite:SUITE",
    "fairness-rewrite": "assistant.evals.suites.fairness:REWRITE_SUITE",
    "judge": "assistant.evals.suites.judge:SUITE",
    "roleplay": "assistant.evals.suites.roleplay:SUITE",
    "roleplay-model": "assistant.evals.suites.roleplay:MODEL_SUITE",
}
"""Name -> ``module:attribute``."""

ENTRY_POINT_GROUP = "feedback_coach.eval_suites"

_registered: dict[str, Suite] = {}


class UnknownSuite(KeyError):
    """No suite by that name."""


def register(suite: Suite) -> Suite:
    """Register ``suite`` under ``suite.name`` (replacing one of the same name)."""
    _registered[suite.name] = suite
    return suite


def _load(target: str) -> Suite:
    module, _, attr = target.partition(":")
    suite: Suite = getattr(importlib.import_module(module), attr)
    return suite


def _plugins() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def names() -> list[str]:
    """Every known suite name, built-ins first."""
    out = list(_BUILTIN)
    out += [n for n in _plugins() if n not in out]
    out += [n for n in _registered if n not in out]
    return out


def get(name: str) -> Suite:
    """The suite called ``name``.

    Raises:
        UnknownSuite: no such suite (the message lists the known ones).
    """
    if name in _registered:
        return _registered[name]
    target = _BUILTIN.get(name) or _plugins().get(name)
    if target is None:
        raise UnknownSuite(f"unknown suite {name!r}; known suites: {', '.join(names())}")
    return register(_load(target))


def deterministic() -> list[str]:
    """Names of the suites that need no model (run by default and in CI)."""
    return [n for n in names() if not get(n).needs_model]
