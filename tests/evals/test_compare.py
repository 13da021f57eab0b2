"""compare: per-metric deltas and flipped cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from assistant.cli import app
from assistant.evals.compare import compare


def make_run(folder: Path, metrics: dict[str, float], rows: list[dict[str, Any]],
             digest: str = "abc") -> Path:
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps({
        "started_at": "t", "model": None, "code_version": "v",
        "datasets": {"evals/datasets/x.jsonl": digest},
        "suites": {"critique": {"metrics": metrics}},
    }), encoding="utf-8")
    (folder / "results.jsonl").write_text(
        "".join(json.dumps({"suite": "critique", "dataset": "dev", **r}) + "\n" for r in rows),
        encoding="utf-8")
    return folder


def test_deltas_and_flips(tmp_path: Path) -> None:
    a = make_run(tmp_path / "a", {"acc": 0.8, "gone": 1.0}, [
        {"case_id": "1", "passed": True, "predicted": {"x": True}},
        {"case_id": "2", "passed": False, "predicted": {"x": False}},
        {"case_id": "3", "passed": True, "predicted": {"x": True}},
        {"case_id": "4", "passed": False, "predicted": {"x": 1}},
        {"case_id": "only-a", "passed": True, "predicted": None},
    ])
    b = make_run(tmp_path / "b", {"acc": 0.9, "new": 0.5}, [
        {"case_id": "1", "passed": False, "predicted": {"x": False}},
        {"case_id": "2", "passed": True, "predicted": {"x": True}},
        {"case_id": "3", "passed": True, "predicted": {"x": True}},
        {"case_id": "4", "passed": False, "predicted": {"x": 2}},
    ], digest="def")
    cmp = compare(a, b / "summary.json")
    deltas = {d.metric: d for d in cmp.deltas}
    assert abs((deltas["acc"].delta or 0) - 0.1) < 1e-9
    assert deltas["gone"].b is None and deltas["gone"].delta is None
    assert deltas["new"].a is None
    assert {(f.case_id, f.kind) for f in cmp.flips} == {("1", "broken"), ("2", "fixed"),
                                                       ("4", "changed")}
    assert cmp.only_a == 1 and cmp.only_b == 0
    assert cmp.dataset_changes == ["evals/datasets/x.jsonl"]


def test_compare_cli(tmp_path: Path) -> None:
    rows = [{"case_id": "1", "passed": True, "predicted": True}]
    a = make_run(tmp_path / "a", {"acc": 0.5}, rows)
    b = make_run(tmp_path / "b", {"acc": 0.75}, [{"case_id": "1", "passed": False,
                                                 "predicted": False}])
    r = CliRunner().invoke(app, ["eval", "compare", str(a), str(b)])
    assert r.exit_code == 0, r.output
    assert "+0.250" in r.output and "broken" in r.output
    r = CliRunner().invoke(app, ["eval", "compare", str(a), str(tmp_path / "nope")])
    assert r.exit_code == 2 and "no summary.json" in r.output
