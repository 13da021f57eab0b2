"""CI gate: the deterministic suites pass their thresholds (``coach eval``, exit 0)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli import app


def test_deterministic_suites_pass_thresholds(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["eval", "--out", str(tmp_path / "run")])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert set(doc["suites"]) == {"critique", "retrieval", "fairness", "roleplay"}
    assert doc["thresholds"]["passed"] and len(doc["thresholds"]["checks"]) >= 15
