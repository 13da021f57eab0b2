"""Datasets are validated against their case models; the swapper is deterministic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.evals.base import DATASETS_DIR, DatasetError, load_jsonl
from assistant.evals.counterfactual import (
    FAIRNESS_DATASET,
    FairnessPair,
    generate_pairs,
    swap_gender,
)
from assistant.evals.critique import CritiqueCase
from assistant.evals.suites.retrieval import RetrievalCase


def test_bad_line_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    good = ('{"id": "a", "language": "en", "text": "x", "labels": {"specific": true, '
            '"balanced": true, "actionable": true, "behavior_focused": true, "biased": false}}')
    p.write_text(good + "\n\n" + good.replace('"en"', '"fr"').replace('"a"', '"b"') + "\n",
                 encoding="utf-8")
    with pytest.raises(DatasetError, match=r"d\.jsonl:3: language"):
        load_jsonl(p, CritiqueCase)
    p.write_text(good + "\n" + good + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r":2: duplicate id 'a'"):
        load_jsonl(p, CritiqueCase)
    p.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r":1:"):
        load_jsonl(p, CritiqueCase)
    p.write_bytes(b"\xff\xfe")
    with pytest.raises(DatasetError, match="UTF-8"):
        load_jsonl(p, CritiqueCase)


def test_shipped_datasets_validate() -> None:
    retrieval = load_jsonl(DATASETS_DIR / "retrieval.jsonl", RetrievalCase)
    assert len(retrieval) >= 40
    assert {c.language for c in retrieval} == {"en", "zh"}
    assert sum(c.direction == "cross" for c in retrieval) >= 20
    for c in retrieval:  # every expected source exists in knowledge/
        for s in c.expected_sources:
            assert (Path(__file__).resolve().parents[2] / "knowledge" / s).is_file(), s
    pairs = load_jsonl(FAIRNESS_DATASET, FairnessPair)
    assert len(pairs) >= 60
    assert {p.language for p in pairs} >= {"en", "zh"}
    assert any(p.origin == "hand" for p in pairs)
    load_jsonl(DATASETS_DIR / "rewrite.jsonl", CritiqueCase)


def _json_rows(name: str) -> list[dict[str, Any]]:
    """The rows of a dataset that has no case model (annotators' labels by draft id)."""
    return [json.loads(line) for line in (DATASETS_DIR / name).read_text(encoding="utf-8")
            .splitlines() if line.strip()]


def test_annotator_files_label_real_drafts() -> None:
    """The agreement study's files (``bench/agreement.py``) label drafts that exist, with all
    five labels, and the third and fourth annotators labelled the same drafts."""
    labels = {"specific", "balanced", "actionable", "behavior_focused", "biased"}
    ids = {c.id for path in DATASETS_DIR.glob("critique_dev*.jsonl")
           for c in load_jsonl(path, CritiqueCase)}
    second = _json_rows("critique_second_annotator.jsonl")
    pair = _json_rows("critique_third_fourth_annotators.jsonl")
    assert len(second) == 200 and len(pair) == 400
    for row in second + pair:
        assert row["id"] in ids, row["id"]
        assert set(row["labels"]) == labels and all(isinstance(v, bool)
                                                     for v in row["labels"].values())
        assert set(row["unsure"]) <= labels
    by_annotator = {a: {r["id"] for r in pair if r["annotator"] == a} for a in ("A", "B")}
    assert by_annotator["A"] == by_annotator["B"] and len(by_annotator["A"]) == 200
    blind = {i for i in by_annotator["A"] if 35 <= int(i.split("-")[0][3:]) <= 38}
    assert len(blind) == 100


def test_side_labels_cover_the_unbalanced_dev_drafts_only() -> None:
    """``critique_sides.jsonl`` (the learned mode's side models) labels every dev draft the
    writer called unbalanced, and nothing from the blind or held-out sets."""
    from assistant.evals.suites.critique import DEFAULT_GROUPS

    rows = _json_rows("critique_sides.jsonl")
    unbalanced = {c.id for path in DEFAULT_GROUPS["dev"] for c in load_jsonl(path, CritiqueCase)
                  if not c.labels.balanced}
    assert [r["id"] for r in rows] == sorted(unbalanced)
    for r in rows:
        assert all(isinstance(r[k], bool) for k in ("strength", "area", "unsure"))
    both = sum(r["strength"] and r["area"] for r in rows)
    assert both < 0.02 * len(rows)  # they disagree with the writer: left out of training


def test_piece_labels_point_into_every_dev_draft() -> None:
    """``critique_pieces.jsonl``: for every dev draft, its pieces as character spans in
    order, and which of them praise or name an area; a draft with both kinds of piece is
    nearly always one its writer called balanced."""
    from assistant.evals.suites.critique import DEFAULT_GROUPS

    cases = {c.id: c for path in DEFAULT_GROUPS["dev"] for c in load_jsonl(path, CritiqueCase)}
    rows = _json_rows("critique_pieces.jsonl")
    assert sorted(r["id"] for r in rows) == sorted(cases)
    agree = 0
    for r in rows:
        text = cases[r["id"]].text
        ends = [0] + [e for _, e in r["pieces"]]
        for (start, end), prev in zip(r["pieces"], ends, strict=False):
            assert prev <= start < end <= len(text) and text[start:end].strip()
        for k in r["strength"] + r["area"]:
            assert 0 <= k < len(r["pieces"])
        agree += (bool(r["strength"]) and bool(r["area"])) == cases[r["id"]].labels.balanced
    assert agree >= 0.97 * len(rows)


def test_generated_pairs_match_the_swapper() -> None:
    """The checked-in generated pairs are exactly what the swapper produces today."""
    stored = [p for p in load_jsonl(FAIRNESS_DATASET, FairnessPair) if p.origin == "generated"]
    assert stored == generate_pairs()


def test_swapper_english_pronouns_titles_names() -> None:
    s = swap_gender("He told her the plan and gave her his notes. The laptop is his.")
    assert s.text == "She told him the plan and gave him her notes. The laptop is hers."
    s = swap_gender("Mr. Smith and his wife; Priya said she would ask him.")
    assert s.text == "Ms. Smith and her husband; Arjun said he would ask her."
    assert swap_gender("SHE missed her deadline").text == "HE missed his deadline"


def test_swapper_chinese_and_guards() -> None:
    s = swap_gender("他和其他同事一起完成了项目，她的丈夫也来了。张伟先生很好。")
    assert s.text == "她和其他同事一起完成了项目，他的妻子也来了。张丽女士很好。"
    assert swap_gender("不要婆婆妈妈的").swaps == ()
    assert "office mom" in swap_gender("She is the office mom.").text
    twice = swap_gender(swap_gender("他的儿子和她的女儿").text).text
    assert twice == "他的儿子和她的女儿"
