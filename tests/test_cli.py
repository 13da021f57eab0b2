"""The CLI contract: JSON shape, batch behaviour and clear errors on bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import get_settings

runner = CliRunner()

RESULT_KEYS = {"schema_version", "language", "verdicts", "scores", "findings", "guidance",
               "development_actions", "critique", "rewrite", "degraded"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("coach-data")


@pytest.fixture(autouse=True)
def _env(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("COACH_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args: str, input: str | bytes | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


def test_critique_json_no_llm(tmp_path: Path) -> None:
    draft = tmp_path / "d.txt"
    draft.write_text("Great job this year! 她很有天赋。", encoding="utf-8")
    r = run("critique", str(draft), "--json", "--no-llm")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data.keys() >= RESULT_KEYS and data["schema_version"] == 1
    assert set(data["verdicts"]) == {"specific", "balanced", "actionable", "behavior_focused"}
    assert set(data["scores"]) == {"specificity", "balance", "actionability"}
    for f in data["findings"]:
        assert {"kind", "start", "end", "text", "message", "suggestion"} <= f.keys()
    assert data["guidance"] and {"source", "title", "excerpt"} <= data["guidance"][0].keys()
    assert data["development_actions"]
    assert {"title", "type", "rationale", "timeframe"} <= data["development_actions"][0].keys()
    assert data["critique"] is None and data["degraded"] is False


def test_stdin_and_readable_output() -> None:
    r = run("critique", "-", "--no-llm", input="He is careless. Do better.")
    assert r.exit_code == 0, r.output
    assert "personality_label" in r.stdout and "behavior_focused" in r.stdout


def test_readable_output_wraps_long_drafts_and_messages_instead_of_cutting_them() -> None:
    draft = ("小李今年整体表现不错，工作态度认真。上个月他牵头完成了客服工单系统的迁移，"
             "比计划提前了一周。不过他的周报经常迟交，有时候也不太主动沟通。希望明年再接再厉，多用心。")
    r = run("critique", "-", "--no-llm", input=draft)
    assert r.exit_code == 0, r.output
    def flat(text: str) -> str:
        return "".join(ch for ch in text if ch not in "│ \n")

    assert "希望明年再接再厉，多用心。" in flat(r.stdout)  # the end of the draft panel
    findings = json.loads(run("critique", "-", "--no-llm", "--json", input=draft).stdout)[
        "findings"]
    for f in findings:  # every message and suggestion in full, folded over lines
        assert flat(f["message"]) in flat(r.stdout) and flat(f["suggestion"]) in flat(r.stdout)


def test_rating_mismatch_flag() -> None:
    r = run("critique", "-", "--json", "--no-llm", "--rating", "1",
            input="An outstanding year: she shipped every milestone early.")
    kinds = {f["kind"] for f in json.loads(r.stdout)["findings"]}
    assert "rating_mismatch" in kinds


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"\xff\xfe\x00bad", "UTF-8"),
        (("x" * 20_001).encode(), "limit"),
    ],
    ids=["empty", "whitespace", "invalid-utf8", "too-long"],
)
def test_bad_input_exits_2_without_traceback(tmp_path: Path, payload: bytes, needle: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_bytes(payload)
    r = run("critique", str(f), "--no-llm")
    assert r.exit_code == 2
    assert needle in r.stderr and "Traceback" not in r.output + r.stderr


def test_missing_file_and_bad_rating() -> None:
    r = run("critique", "/no/such/file.txt")
    assert r.exit_code == 2 and "no such file" in r.stderr
    assert run("critique", "-", "--rating", "9", input="ok").exit_code == 2


def test_batch_keeps_order_ids_and_reports_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": "Great job!"}),
        "{not json",
        json.dumps({"id": "c", "text": "   "}),
        json.dumps({"id": 4, "text": "整体不错。", "rating": 9}),
        json.dumps({"text": "missing id is fine", "rating": 3}),
        json.dumps({"id": "f"}),
    ]
    f = tmp_path / "in.jsonl"
    f.write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\xfe\n")
    r = run("critique", "--batch", str(f), "--no-llm")
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(rows) == 7
    assert rows[0]["id"] == "a" and rows[0]["schema_version"] == 1
    assert rows[1] == {"line": 2, "id": None, "error": rows[1]["error"]}
    assert rows[1]["error"]["code"] == "invalid_json"
    assert rows[2]["id"] == "c" and rows[2]["error"]["code"] == "invalid_draft"
    assert rows[3]["id"] == 4 and rows[3]["error"]["code"] == "invalid_request"
    assert rows[4]["schema_version"] == 1 and rows[4]["id"] is None
    assert rows[5]["line"] == 6 and rows[5]["error"]["code"] == "invalid_request"
    assert rows[6]["line"] == 7 and rows[6]["error"]["code"] == "invalid_utf8"
    assert r.exit_code == 1


def test_eval_prints_per_label_accuracy(tmp_path: Path) -> None:
    r = run("eval", "critique", "--json", "--out", str(tmp_path / "run"))
    assert r.exit_code == 0, r.output
    metrics = json.loads(r.stdout)["suites"]["critique"]["metrics"]
    for label in ("specific", "balanced", "actionable", "behavior_focused", "biased"):
        assert 0 <= metrics[f"dev.accuracy.{label}"] <= 1
    assert metrics["dev.n"] >= 120


def test_large_batch_runs_in_parallel_and_keeps_order(tmp_path: Path) -> None:
    lines = []
    for i in range(240):
        if i == 100:
            lines.append("{broken")
        else:
            text = ("Great job!" if i % 2
                    else "小王上周把周报模板从10页压缩到2页。下月起每周五前提交。")
            lines.append(json.dumps({"id": i, "text": text}, ensure_ascii=False))
    f = tmp_path / "big.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run("critique", "--batch", str(f), "--no-llm")
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(rows) == 240 and r.exit_code == 1
    assert rows[100] == {"line": 101, "id": None, "error": rows[100]["error"]}
    assert ([row["id"] for k, row in enumerate(rows) if k != 100]
            == [k for k in range(240) if k != 100])
    assert rows[0]["verdicts"]["specific"] and not rows[1]["verdicts"]["specific"]
