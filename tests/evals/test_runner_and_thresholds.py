"""Runner output, thresholds and exit codes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import Settings
from assistant.evals import thresholds as th
from assistant.evals.base import Clock, RunContext
from assistant.evals.runner import run

FAIRNESS_SMALL = [
    {"id": "p1", "language": "en", "a": "He is lazy.", "b": "She is lazy.", "origin": "hand"},
    {"id": "p2", "language": "zh", "a": "他上周把周报从10页压缩到2页。",
     "b": "她上周把周报从10页压缩到2页。", "origin": "hand"},
]


def fixed_clock() -> Clock:
    ticks = iter(range(1000))
    return Clock(now=lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                 perf=lambda: float(next(ticks)) / 1000)


@pytest.fixture
def small_fairness(tmp_path: Path) -> Path:
    p = tmp_path / "fair.jsonl"
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in FAIRNESS_SMALL),
                 encoding="utf-8")
    return p


def write_thresholds(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "thresholds.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_run_writes_results_summary_report(tmp_path: Path, settings: Settings,
                                           small_fairness: Path) -> None:
    ctx = RunContext(settings=settings, clock=fixed_clock(), datasets={"fairness": small_fairness})
    bounds = write_thresholds(tmp_path, "fairness:\n  flip_rate: {max: 0}\n")
    summary, folder = run(["fairness"], ctx, out_dir=tmp_path / "run", thresholds_path=bounds)
    rows = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]
    assert [r["case_id"] for r in rows] == ["p1", "p2"]
    assert {"suite", "case_id", "language", "gold", "predicted", "passed", "latency_ms",
            "tokens"} <= set(rows[0])
    doc = json.loads((folder / "summary.json").read_text())
    assert doc["started_at"] == "2026-01-02T03:04:05+00:00"
    assert doc["model"] is None  # no model-backed suite ran
    assert doc["code_version"]
    assert doc["verdicts"] == "learned"  # the default mode
    assert next(iter(doc["datasets"].values())) == hashlib.sha256(
        small_fairness.read_bytes()).hexdigest()
    assert doc["suites"]["fairness"]["metrics"]["flip_rate"] == 0.0
    assert doc["thresholds"]["passed"] is True and summary.passed
    assert (folder / "report.html").is_file()


def test_thresholds_fail_missing_and_nan() -> None:
    bounds = {"s": {"a": th.Bound(min=0.5), "b": th.Bound(max=0.1), "c": th.Bound(min=0),
                    "d": th.Bound(min=0, max=1)}}
    checks = th.check({"s": {"a": 0.4, "b": 0.1, "d": float("nan")}}, bounds)
    result = {c.metric: c.passed for c in checks}
    assert result == {"a": False, "b": True, "c": False, "d": False}
    assert th.check({"other": {"a": 0.0}}, bounds) == []  # suites that did not run


def test_thresholds_file_errors(tmp_path: Path) -> None:
    with pytest.raises(th.ThresholdError, match="no such"):
        th.load(tmp_path / "nope.yaml")
    with pytest.raises(th.ThresholdError, match=r"s\.m: .*min, max"):
        th.load(write_thresholds(tmp_path, "s:\n  m: {}\n"))
    with pytest.raises(th.ThresholdError, match=r"extra|Extra"):
        th.load(write_thresholds(tmp_path, "s:\n  m: {minimum: 1}\n"))


def test_cli_exit_codes(tmp_path: Path, small_fairness: Path) -> None:
    runner = CliRunner()
    ok = write_thresholds(tmp_path, "fairness:\n  flip_rate: {max: 0}\n")
    r = runner.invoke(app, ["eval", "fairness", "--dataset", str(small_fairness), "--out",
                            str(tmp_path / "a"), "--thresholds", str(ok)])
    assert r.exit_code == 0, r.output
    failing = write_thresholds(tmp_path, "fairness:\n  n: {min: 3}\n")
    r = runner.invoke(app, ["eval", "fairness", "--dataset", str(small_fairness), "--out",
                            str(tmp_path / "b"), "--thresholds", str(failing)])
    assert r.exit_code == 1
    assert "FAIL" in r.output and "threshold(s) failed" in r.output
    r = runner.invoke(app, ["eval", "nosuch"])
    assert r.exit_code == 2 and "unknown suite" in r.output and "Traceback" not in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    r = runner.invoke(app, ["eval", "fairness", "--dataset", str(bad), "--out",
                            str(tmp_path / "c")])
    assert r.exit_code == 2 and "bad.jsonl:1" in r.output


def test_roleplay_style_suite_plugs_in(tmp_path: Path, settings: Settings) -> None:
    """A suite registered by name runs through the same runner (how roleplay will join)."""
    from assistant.evals import suites
    from assistant.evals.base import CaseRow, SuiteResult

    class Dummy:
        name = "dummy-plugin"
        needs_model = False
        description = "test"

        def run(self, ctx: RunContext) -> SuiteResult:
            r = SuiteResult(self.name, metrics={"score": 1.0})
            r.rows.append(CaseRow(suite=self.name, dataset="d", case_id="1", passed=True))
            return r

    suites.register(Dummy())
    try:
        summary, _ = run(["dummy-plugin"], RunContext(settings=settings, clock=fixed_clock()),
                         out_dir=tmp_path / "r", thresholds_path=None)
        assert summary.suites["dummy-plugin"].metrics == {"score": 1.0}
    finally:
        suites._registered.pop("dummy-plugin")
