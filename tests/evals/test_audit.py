"""coach audit: aggregation, bad rows, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli import app
from assistant.evals.audit import FLAGS, Review, aggregate, flags_of, read_reviews, run_audit

LAZY = "He is lazy and arrogant."
GOOD = ("In the Q3 launch she cut review time from 5 days to 2, which let us ship a week early. "
        "Her specs were late twice; next quarter she will share a draft by each Monday.")
BIASED = "She is too emotional in meetings."


def write_csv(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "reviews.csv"
    p.write_text(body, encoding="utf-8")
    return p


def test_aggregation_on_tiny_csv_with_bad_rows(tmp_path: Path) -> None:
    p = write_csv(tmp_path, "manager,gender,text\n"
                  f'ann,F,"{BIASED}"\n'
                  f'ann,M,"{LAZY}"\n'
                  f'bob,F,"{GOOD}"\n'
                  "bob,M,\n"                       # empty text: line 5
                  'bob,F,"x",extra\n'              # wrong field count: line 6
                  f'carl,F,"{"y" * 250}"\n'       # too long for max_chars=200: line 7
                  'carl,,"Thanks for a good year."\n')
    data = read_reviews(p, group_by="manager", demographic="gender", max_chars=200)
    assert [r.line for r in data.reviews] == [2, 3, 4, 8]
    assert data.skipped == [(5, "empty text"), (6, "4 fields, the header has 3"),
                            (7, "text has 250 characters; the limit is 200")]
    result = run_audit(data, group_by="manager", demographic="gender", workers=1)
    by = {g.name: g for g in result.groups}
    assert by["ann"].n == 2 and by["bob"].n == 1 and by["carl"].n == 1
    # group counts are the sums of each review's flags (the analyzer is tested elsewhere)
    for i, flag in enumerate(FLAGS):
        assert by["ann"].hits[flag] == flags_of(BIASED)[i] + flags_of(LAZY)[i]
    assert by["ann"].hits["personality_label"] >= 1 and by["ann"].hits["biased"] == 1
    assert by["bob"].rate("specific") == 1.0 and by["bob"].rate("actionable") == 1.0
    assert result.total.n == 4
    # carl has no gender: counted in groups, not in the demographic comparison
    demo = {g.name: g.n for g in result.demographic_groups}
    assert demo == {"F": 2, "M": 1, "(missing)": 1}
    personality = [c for c in result.comparisons if c.metric == "personality_rate"]
    m = next(c for c in personality if c.value == "M")
    assert (m.n, m.hits, m.rate) == (1, 1, 1.0)


def test_demographic_comparison_rates() -> None:
    reviews = [Review(i, "t", "g", "F" if i < 10 else "M") for i in range(20)]
    # personality label in 6 of 10 F reviews and 1 of 10 M reviews
    flags = [(True, True, True, True, (i < 6) or i == 10, False) for i in range(20)]
    res = aggregate(reviews, flags, group_by=None, demographic="gender")
    f = next(c for c in res.comparisons if c.metric == "personality_rate" and c.value == "F")
    assert (f.hits, f.n, f.rate, f.rest_rate) == (6, 10, 0.6, 0.1)
    assert f.significant and f.z > 0


def test_jsonl_with_broken_lines(tmp_path: Path) -> None:
    p = tmp_path / "r.jsonl"
    p.write_text("\n".join([
        json.dumps({"team": "a", "text": GOOD}),
        "{broken",
        json.dumps(["not", "object"]),
        json.dumps({"team": "b", "text": ""}),
        json.dumps({"team": "b", "comment": "no text key"}),
        json.dumps({"team": "b", "text": LAZY}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    data = read_reviews(p, group_by="team")
    assert [r.line for r in data.reviews] == [1, 6]
    assert [n for n, _ in data.skipped] == [2, 3, 4, 5]
    assert "not valid JSON" in data.skipped[0][1]


def test_cli_writes_report_and_csv(tmp_path: Path) -> None:
    p = write_csv(tmp_path, f'team,text\na,"{GOOD}"\nb,"{LAZY}"\nb,\n')
    r = CliRunner().invoke(app, ["audit", str(p), "--group-by", "team", "--out",
                                 str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    csv_text = (tmp_path / "out" / "audit.csv").read_text(encoding="utf-8")
    assert csv_text.splitlines()[0].startswith("group,n,share_specific,share_balanced")
    assert "(all),2," in csv_text
    assert "line 4: empty text" in r.output
    skipped = (tmp_path / "out" / "skipped.csv").read_text(encoding="utf-8")
    assert "4,empty text" in skipped
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "empty text" in html
    assert "(learned verdicts)" in html  # the mode every review was judged in


def test_cli_clear_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    cases = {
        "missing": (tmp_path / "nope.csv", "no such file"),
        "column": (write_csv(tmp_path, "manager,comment\nann,hi\n"),
                   "no column 'text' (for --text-column); columns found: 'manager', 'comment'"),
    }
    for path, message in cases.values():
        r = runner.invoke(app, ["audit", str(path), "--out", str(tmp_path / "o")])
        assert r.exit_code == 2, r.output
        assert message in r.output and "Traceback" not in r.output
    latin = tmp_path / "latin.csv"
    latin.write_bytes("text\nTrès bien\n".encode("latin-1"))
    r = runner.invoke(app, ["audit", str(latin)])
    assert r.exit_code == 2 and "not valid UTF-8" in r.output
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    r = runner.invoke(app, ["audit", str(empty)])
    assert r.exit_code == 2 and "is empty" in r.output
    header_only = write_csv(tmp_path, "text\n")
    r = runner.invoke(app, ["audit", str(header_only)])
    assert r.exit_code == 2 and "no rows" in r.output
    r = runner.invoke(app, ["audit", str(write_csv(tmp_path, "text\nhi\n")), "--group-by", "team"])
    assert r.exit_code == 2 and "no column 'team' (for --group-by)" in r.output


def test_parallel_matches_serial(tmp_path: Path) -> None:
    rows = "".join(f'{i % 3},"{[GOOD, LAZY, BIASED][i % 3]}"\n' for i in range(450))
    data = read_reviews(write_csv(tmp_path, "team,text\n" + rows), group_by="team")
    serial = run_audit(data, group_by="team", workers=1)
    parallel = run_audit(data, group_by="team", workers=2)
    assert [g.row() for g in serial.groups] == [g.row() for g in parallel.groups]
