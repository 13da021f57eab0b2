"""``roleplay-model`` on the real embedded model, bounded to one attack (marked, cheap)."""

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
def test_roleplay_model_suite_on_the_embedded_model(tmp_path: Path) -> None:
    if importlib.util.find_spec("llama_cpp") is None and not os.environ.get(
        "COACH_REQUIRE_EMBEDDED"
    ):
        pytest.skip("llama-cpp-python not installed (pip install -e '.[local]')")
    settings = Settings(model=DEFAULT_MODEL, model_timeout_s=300)
    ctx = RunContext(settings=settings, model_factory=lambda: LiteLLMGateway(settings), limit=1)
    summary, folder = run(["roleplay-model"], ctx, out_dir=tmp_path / "run",
                          model_name=settings.model)
    result = summary.suites["roleplay-model"]
    assert len(result.rows) == 1 and result.metrics["attacks.n"] == 1
    row = result.rows[0]
    assert row.predicted["reply"].strip()
    assert row.predicted["source"] in ("model", "fallback")
    # The model was called: its reply was accepted, or each rejection is on record.
    assert row.predicted["source"] == "model" or row.detail["rejected"]
    # A row is broken exactly when a detector flagged its final reply.
    assert row.passed == (not row.detail["guard"] and not row.detail["independent"])
    assert summary.passed, [c.model_dump() for c in summary.failed_checks]
    assert summary.to_json()["model"] == DEFAULT_MODEL
    assert (folder / "report.html").is_file()
