"""report.html holds its charts and needs no network; promptfoo round trip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import Settings
from assistant.evals.base import DATASETS_DIR, RunContext, load_jsonl
from assistant.evals.critique import CritiqueCase
from assistant.evals.promptfoo import import_tests
from assistant.evals.runner import run

_NETWORK = re.compile(r"""(src|href)\s*=\s*["']?\s*(https?:)?//|@import|url\(\s*["']?https?:""",
                      re.IGNORECASE)


def assert_offline(html: str) -> None:
    assert "<script" not in html.lower()
    assert not _NETWORK.search(html), _NETWORK.search(html)


def test_run_report_has_svg_charts_and_no_network(tmp_path: Path, settings: Settings) -> None:
    small = tmp_path / "c.jsonl"
    small.write_text("".join(line + "\n" for line in
                             (DATASETS_DIR / "critique.jsonl").read_text(encoding="utf-8")
                             .splitlines()[:30]), encoding="utf-8")
    _, folder = run(["critique"], RunContext(settings=settings, datasets={"critique": small}),
                    out_dir=tmp_path / "run", thresholds_path=None)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.count('class="chart confusion"') == 5  # one per label
    assert "score by gold label" in html              # score distributions
    assert "latency per case" in html                  # latency histogram
    assert "accuracy by language" in html              # per-language breakdown
    assert html.count("<svg") >= 10
    assert_offline(html)


def test_audit_report_is_offline(tmp_path: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text('team,gender,text\na,F,"She is too emotional."\nb,M,"He is lazy."\n',
                 encoding="utf-8")
    r = CliRunner().invoke(app, ["audit", str(p), "--group-by", "team", "--demographic",
                                 "gender", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "rates by gender" in html
    assert_offline(html)


def test_promptfoo_round_trip(tmp_path: Path) -> None:
    yaml_path, jsonl = tmp_path / "pf.yaml", tmp_path / "back.jsonl"
    r = CliRunner().invoke(app, ["eval", "export-promptfoo", "critique", "-o", str(yaml_path)])
    assert r.exit_code == 0, r.output
    config = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    assert config["prompts"] == ["{{text}}"] and config["providers"]
    first = config["tests"][0]
    assert set(first) == {"description", "vars", "assert", "metadata"}
    assert all(a["type"] == "javascript" for a in first["assert"])
    r = CliRunner().invoke(app, ["eval", "import-promptfoo", str(yaml_path), "-o", str(jsonl)])
    assert r.exit_code == 0, r.output
    original = load_jsonl(DATASETS_DIR / "critique.jsonl", CritiqueCase)
    back = load_jsonl(jsonl, CritiqueCase)
    assert [(c.id, c.text, c.labels, c.language) for c in back] == \
        [(c.id, c.text, c.labels, c.language) for c in original]


def test_promptfoo_import_reads_asserts_and_reports_skips(tmp_path: Path) -> None:
    asserts = [{"type": "javascript", "value": f"JSON.parse(output).verdicts.{k} === true"}
               for k in ("specific", "balanced", "actionable", "behavior_focused")]
    biased = "JSON.parse(output).findings.some(f => f.kind === 'biased_language') === false"
    asserts.append({"type": "javascript", "value": biased})
    src = tmp_path / "t.yaml"
    src.write_text(yaml.safe_dump({"tests": [
        {"description": "hand", "vars": {"input": "他上周把周报压缩到2页，下月起每周五提交。"},
         "assert": asserts},
        {"vars": {"text": "no labels"}, "assert": [{"type": "contains", "value": "x"}]},
        {"vars": {"question": "no text"}},
    ]}, allow_unicode=True), encoding="utf-8")
    n, skipped = import_tests(src, tmp_path / "o.jsonl")
    assert n == 1 and len(skipped) == 2
    case = json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8"))
    assert case["id"] == "hand" and case["language"] == "zh" and case["labels"]["specific"]
    r = CliRunner().invoke(app, ["eval", "export-promptfoo", "retrieval", "-o",
                                 str(tmp_path / "x.yaml")])
    assert r.exit_code == 2 and "no promptfoo form" in r.output


def test_blind_sets_are_not_exported(tmp_path: Path) -> None:
    for name in ("critique_holdout.jsonl", "critique_dev35.jsonl"):
        r = CliRunner().invoke(app, ["eval", "export-promptfoo", "critique", "--dataset",
                                     str(DATASETS_DIR / name), "-o", str(tmp_path / "x.yaml")])
        assert r.exit_code == 2 and "blind" in r.output, r.output
        assert not (tmp_path / "x.yaml").exists()
