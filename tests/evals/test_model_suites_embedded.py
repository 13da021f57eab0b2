"""A model-backed suite on the real embedded model, bounded to one draft (marked, cheap)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from assistant.config import DEFAULT_MODEL, Settings
from assistant.evals.base import RunContext
from assistant.evals.runner import run
from assistant.llm.gateway import LiteLLMGateway


@pytest.mark.embedded_model
def test_judge_suite_on_the_embedded_model(tmp_path: Path) -> None:
    if importlib.util.find_spec("llama_cpp") is None and not os.environ.get(
        "COACH_REQUIRE_EMBEDDED"
    ):
        pytest.skip("llama-cpp-python not installed (pip install -e '.[local]')")
    settings = Settings(model=DEFAULT_MODEL, model_timeout_s=300)
    ctx = RunContext(settings=settings, model_factory=lambda: LiteLLMGateway(settings), limit=1)
    summary, folder = run(["judge"], ctx, out_dir=tmp_path / "run", thresholds_path=None,
                          model_name=settings.model)
    result = summary.suites["judge"]
    assert len(result.rows) == 1 and result.metrics["n"] == 1
    row = result.rows[0]
    assert row.predicted is not None, row.detail  # a validated JudgeVerdict came back
    assert set(row.predicted) == {"specific", "balanced", "actionable", "behavior_focused",
                                  "biased"}
    assert all(isinstance(v, bool) for v in row.predicted.values())
    assert result.prompt_tokens > 0 and result.completion_tokens > 0
    assert summary.to_json()["model"] == DEFAULT_MODEL
    assert (folder / "report.html").is_file()
