"""End to end on the real embedded model: the whole graph, two model calls, no network.

Marked ``embedded_model``; part of ``make test``. Skipped only where the ``local`` extra is
not installed and ``COACH_REQUIRE_EMBEDDED`` is unset (``make test`` sets it, so a broken
model install fails CI instead of being skipped).
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from assistant import factcheck
from assistant.analyzer import analyze
from assistant.config import DEFAULT_MODEL, Settings
from assistant.service import Coach

DRAFT = (
    "Priya had a great year and is a natural leader. In March she rewrote the onboarding guide, "
    "cutting new-hire setup from two days to four hours. Her weekly status reports were late "
    "three times this quarter. She needs to step it up."
)


@pytest.mark.embedded_model
def test_full_coaching_on_the_embedded_model() -> None:
    if importlib.util.find_spec("llama_cpp") is None and not os.environ.get(
        "COACH_REQUIRE_EMBEDDED"
    ):
        pytest.skip("llama-cpp-python not installed (pip install -e '.[local]')")
    settings = Settings(model=DEFAULT_MODEL)
    coach = Coach.from_settings(settings)
    result = coach.critique(DRAFT)

    # The judgement never depends on the model.
    assert result.verdicts == analyze(DRAFT).verdicts
    # The model was really called, within the budget of two calls plus one retry.
    assert 2 <= result.meta.model_calls <= 3, result.meta.notes
    assert result.meta.prompt_tokens > 0 and result.meta.completion_tokens > 0
    # Whatever the model wrote, the rewrite that comes back invents nothing.
    assert result.rewrite and factcheck.check(result.rewrite, DRAFT).ok, result.rewrite
    assert result.development_actions and result.guidance
    if result.critique is not None:
        assert factcheck.check(result.critique, DRAFT, allowed=" ".join(
            g.title + " " + g.excerpt for g in result.guidance)).ok
