"""Learned verdicts (the default, ``COACH_VERDICTS=learned``): grams, shipped weights,
consistency with the findings (for the hybrid too), accuracy against the rules, fairness."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from test_analyzer_verdicts import CASES, CLASS_CASES

from assistant.analyzer import analyze, ngram
from assistant.analyzer.core import _learned_findings
from assistant.analyzer.hybrid import HYBRID_LABELS, Decision, HybridUnavailable, rule_features
from assistant.config import Settings, VerdictMode
from assistant.evals.base import load_jsonl
from assistant.evals.counterfactual import FAIRNESS_DATASET, FairnessPair
from assistant.evals.critique import CritiqueCase
from assistant.evals.suites.critique import DEFAULT_GROUPS


def _cases(group: str) -> list[CritiqueCase]:
    return [c for path in DEFAULT_GROUPS[group] for c in load_jsonl(path, CritiqueCase)]


def test_grams_are_chinese_character_runs_and_latin_words() -> None:
    assert ngram.grams("周报迟交") == ["周", "报", "迟", "交", "周报", "报迟", "迟交",
                                    "周报迟", "报迟交"]
    assert ngram.grams("Sent 3 drafts late") == [
        "sent", "<num>", "drafts", "late", "sent <num>", "<num> drafts", "drafts late"]
    assert ngram.grams("OKR 没达成") == ["没", "达", "成", "没达", "达成", "没达成", "okr"]


def test_gram_vectors_ignore_names_gender_and_script() -> None:
    def vec(text: str) -> dict[int, float]:
        idx, val = ngram.gram_vector(text)
        return dict(zip(idx.tolist(), val.tolist(), strict=True))

    assert vec("Marco sent his report late.") == vec("Aisha sent her report late.")
    assert vec("她的周报经常迟交") == vec("他的周报经常迟交")
    assert vec("他的週報經常遲交") == vec("他的周报经常迟交")
    idx, val = ngram.gram_vector("Sent the report.")
    assert np.isclose(np.linalg.norm(val), 1.0) and (idx < ngram.DIM).all()


def test_fit_learns_a_separable_problem_the_same_way_twice() -> None:
    rows = np.repeat(np.arange(40), 2)
    cols = np.tile([0, 1], 40) + np.repeat(np.arange(40) % 2, 2) * 2  # 0,1 or 2,3
    x = ngram.SparseRows(rows, cols, np.ones(80), 40, 4)
    y = (np.arange(40) % 2).astype(float)
    w, b = ngram.fit(x, y, l2=1e-4, steps=200)
    assert ((x.dot(w) + b > 0) == (y > 0.5)).all()
    w2, b2 = ngram.fit(x, y, l2=1e-4, steps=200)
    assert np.array_equal(w, w2) and b == b2


def test_pool_is_a_soft_maximum_within_each_draft() -> None:
    s = np.array([0.0, 4.0, -1.0, 2.0, 2.0])
    doc = np.array([0, 0, 0, 1, 1])
    pooled, share = ngram.pool(s, doc, tau=0.5)
    assert pooled[0] == pytest.approx(4.0, abs=1e-3)  # the top clause dominates
    assert pooled[1] == pytest.approx(2.0 + 0.5 * np.log(2))  # two equal clauses
    assert np.allclose([share[:3].sum(), share[3:].sum()], 1.0)
    assert share[1] > 0.99 and share[3] == pytest.approx(0.5)
    # the share is the gradient of the pooled score
    eps = 1e-6
    bumped = ngram.pool(s + eps * (np.arange(5) == 2), doc, tau=0.5)[0]
    assert (bumped[0] - pooled[0]) / eps == pytest.approx(share[2], rel=1e-3)


def test_fit_pooled_finds_the_one_clause_that_makes_a_draft_positive() -> None:
    """A draft is positive when any clause holds the marker (column 1), whatever else its
    other clauses say; the flag column (0) is where the fit starts, not the answer."""
    rows, cols, doc, y = [], [], [], []
    for i in range(60):
        marked, flagged = i % 2 == 0, i % 3 == 0
        for j in range(3):
            r = len(doc)
            rows.append(r)
            cols.append(1 if (marked and j == 1) else 2 + (i + j) % 5)
            if flagged and j == 0:
                rows.append(r)
                cols.append(0)
            doc.append(i)
        y.append(float(marked))
    x = ngram.SparseRows(np.array(rows), np.array(cols), np.ones(len(rows)), len(doc), 7)
    doc_a = np.array(doc)
    w, b = ngram.fit_pooled(x, doc_a, np.array(y), start=0, l2=1e-4, steps=300)
    pooled = ngram.pool(x.dot(w) + b, doc_a)[0]
    assert ((pooled > 0) == (np.array(y) > 0.5)).all()
    assert w[1] > w[0]
    assert np.array_equal(w, ngram.fit_pooled(x, doc_a, np.array(y), 0, 1e-4, 300)[0])


def test_clause_pieces_cut_at_commas_and_carry_their_clause_flags() -> None:
    a = analyze("数据很扎实，周报经常迟交。Next time, send it by Friday.", verdicts="rules")
    x, doc = ngram.clause_features([a, analyze("   ok", verdicts="rules")])
    pieces = [p for c in a.clauses for p in re.split(r"(?<=[，,；;：:])", c.text) if p.strip()]
    assert len(pieces) >= 4 and doc.tolist() == [0] * len(pieces) + [1]
    flags = x.cols >= ngram.DIM
    assert (np.bincount(x.rows[flags], minlength=x.n) == ngram.CLAUSE_FLAGS).all()
    assert x.d == ngram.DIM + ngram.CLAUSE_FLAGS


def test_a_piece_knows_where_it_is_and_which_findings_it_holds() -> None:
    draft = "Results were solid, but he is lazy. She is too old to change: a shame."
    a = analyze(draft, verdicts="rules")
    kinds = {f.kind for f in a.findings}
    assert {"personality_label", "biased_language"} <= kinds
    ps = ngram.pieces(a)
    assert all(draft[p.start:p.end] == p.text for p in ps)
    label = ngram.START_FLAG["personality_label"]
    coded = ngram.START_FLAG["biased_language"]
    lazy = next(p for p in ps if "lazy" in p.text)
    old = next(p for p in ps if "old" in p.text)
    assert lazy.flags[label] == 1.0 and lazy.flags[coded] == 0.0
    assert old.flags[coded] == 1.0
    assert next(p for p in ps if "solid" in p.text).flags[label] == 0.0
    assert ngram.pieces(analyze("...", verdicts="rules")) == [
        ngram.Piece(0, 0, "", [0.0] * ngram.CLAUSE_FLAGS)]


def test_both_sides_is_the_log_odds_of_two_sides() -> None:
    out = ngram.both_sides(np.array([10.0, -10.0, 0.0]), np.array([10.0, 10.0, 0.0]))
    assert out[0] > 5 and out[1] < -5
    assert out[2] == pytest.approx(np.log(0.25 / 0.75))


def test_shipped_weights_load_and_refuse_another_recipe(tmp_path: Path) -> None:
    model = ngram.load_model()
    assert set(model.weights) == {*HYBRID_LABELS, *ngram.SIDES, *ngram.FINDING_KINDS}
    assert set(model.clause_weights) == {*ngram.SIDES, *ngram.FINDING_KINDS}
    n_rules = len(model.rule_mean)
    assert all(w.shape == (ngram.DIM + n_rules,) for w in model.weights.values())
    assert all(w.shape == (ngram.DIM + ngram.CLAUSE_FLAGS,)
               for w in model.clause_weights.values())
    other = tmp_path / "w.npz"
    model.save(other)
    again = ngram.load_model.__wrapped__(other)
    assert again.bias == pytest.approx(model.bias)
    assert again.clause_bias == pytest.approx(model.clause_bias)
    with np.load(other) as z:
        arrays = dict(z)
    arrays["recipe"] = np.array("something-else")
    np.savez(other, **arrays)
    with pytest.raises(HybridUnavailable, match="retrain"):
        ngram.load_model.__wrapped__(other)
    with pytest.raises(HybridUnavailable, match="cannot read"):
        ngram.load_model.__wrapped__(tmp_path / "missing.npz")


def test_weights_match_the_rules_they_were_trained_on() -> None:
    """The weights read the rules' features: when the rules change, retrain."""
    rows = np.array([rule_features(analyze(c.text, rating=c.rating, verdicts="rules"))
                     for c in _cases("dev")])
    assert np.allclose(rows.mean(0), ngram.load_model().rule_mean, atol=1e-9), (
        "the rules changed since ngram_weights.npz was trained: "
        "run python -m assistant.analyzer.train_hybrid")


@pytest.mark.parametrize(("mode", "n"), [("learned", 130), ("hybrid", 60)])
def test_findings_and_scores_agree_with_the_learned_verdicts(mode: VerdictMode, n: int) -> None:
    """Both learned modes change the three draft-level verdicts, and the draft-level findings
    and the scores follow them. Only the learned mode reads labels and coded words: it may
    clear the rules' findings of those two kinds or add one of its own on a clause piece;
    every other span finding stays where the rules put it."""
    changed = 0
    read = set(ngram.FINDING_KINDS) if mode == "learned" else set()
    for case in _cases("holdout")[:n]:
        rules = analyze(case.text, rating=case.rating, verdicts="rules")
        learned = analyze(case.text, rating=case.rating, verdicts=mode)
        assert learned == analyze(case.text, rating=case.rating, verdicts=mode)
        spans = [f for f in rules.findings if f.start is not None and f.kind not in read]
        assert [f for f in learned.findings
                if f.start is not None and f.kind not in read] == spans
        for kind in read:
            mine = [f for f in learned.findings if f.kind == kind]
            theirs = [f for f in rules.findings if f.kind == kind]
            added = [f for f in mine if f.category == "learned"]
            assert mine in ([], theirs) or (not theirs and len(added) == len(mine) == 1)
            for f in added:
                assert f.start is not None and f.end is not None
                assert f.text == case.text[f.start:f.end] == f.text.strip() != ""
        kinds = {f.kind for f in learned.findings}
        v, s = learned.verdicts, learned.scores
        assert v.specific == ("missing_example" not in kinds)
        assert v.actionable == ("missing_next_step" not in kinds)
        assert v.balanced == ("one_sided" not in kinds)
        assert v.behavior_focused == ("personality_label" not in kinds)
        if not read:
            assert v.behavior_focused == rules.verdicts.behavior_focused
            assert learned.biased == rules.biased
        assert (s.specificity >= 55) == v.specific
        assert (s.balance >= 70) == v.balanced
        assert (s.actionability >= 55) == v.actionable
        changed += learned.verdicts != rules.verdicts
    assert changed, f"{mode} never disagreed with the rules on {n} held-out drafts"


def test_learned_findings_clear_what_the_model_reads_as_absent_and_add_what_it_finds() -> None:
    draft = "Great quarter. She is lazy about the weekly report."
    rules = analyze(draft, verdicts="rules")
    assert [f.text for f in rules.findings if f.kind == "personality_label"]
    where = (15, len(draft))
    cleared = _learned_findings(rules.findings, Decision(
        {}, {"personality_label": False, "biased_language": True},
        {"personality_label": where, "biased_language": where}), draft, "en")
    assert not [f for f in cleared if f.kind == "personality_label"]
    (coded,) = [f for f in cleared if f.kind == "biased_language"]
    assert (coded.start, coded.end, coded.category) == (15, len(draft), "learned")
    assert coded.text in coded.message and "learned" in coded.message
    kept = _learned_findings(rules.findings, Decision(
        {}, {"personality_label": True}, {"personality_label": (0, 14)}), draft, "en")
    assert kept == rules.findings  # the rules' own finding stays; nothing is added
    assert _learned_findings([], Decision({}, {"personality_label": True},
                                          {"personality_label": (0, 0)}), "", "en") == []
    zh = _learned_findings([], Decision({}, {"personality_label": True},
                                        {"personality_label": (0, 4)}), "这人不行。", "zh")
    assert zh[0].text == "这人不行" and "学到" in zh[0].message


def test_learned_is_at_least_as_accurate_as_the_rules_on_held_out_labels() -> None:
    """Never trained on: per label, the learned mode must not fall below the rules."""
    cases = _cases("holdout")

    def labels(text: str, rating: int | None, mode: VerdictMode) -> dict[str, bool]:
        a = analyze(text, rating=rating, verdicts=mode)
        return {**a.verdicts.model_dump(), "biased": a.biased}

    got = {mode: [labels(c.text, c.rating, mode) for c in cases]
           for mode in ("rules", "learned")}
    for label in (*HYBRID_LABELS, "behavior_focused", "biased"):
        hits = {mode: sum(p[label] == getattr(c.labels, label)
                          for p, c in zip(preds, cases, strict=True))
                for mode, preds in got.items()}
        assert hits["learned"] >= hits["rules"], (label, hits)


def test_learned_keeps_to_the_rule_tables_as_a_whole() -> None:
    """The rules' own tables (written for the rules) must mostly hold for the learned mode
    too: at least 97 % of their expectations on the three learned labels, 95 % on
    ``behavior_focused`` and 99 % on ``biased``. Weights trained on 5,994 drafts kept 400 of
    405 on the three, those on 8,394 kept 395, and with the side models for balanced 399:
    the misses are mostly short drafts with one strength and one area called one-sided
    (deferring to the rules on small margins cost 0.3 points of balanced leaving sets out,
    so it is not done). With the label and coded-word models they keep 88 of 91
    ``behavior_focused`` expectations (two short positive labels cleared, "Top bloke",
    "a rock"; a family remark about shifts read as a label) and all 479 ``biased`` ones.
    The rules meet all of them."""
    rows = [*CASES, *(c for cs in CLASS_CASES.values() for c in cs)]
    learned = {draft: analyze(draft, verdicts="learned") for draft, *_ in rows}

    def share(expected: list[tuple[str, str, bool]]) -> float:
        return sum((learned[d].biased if k == "biased" else getattr(learned[d].verdicts, k))
                   == v for d, k, v in expected) / len(expected)

    verdicts = [(d, k, v) for d, exp, _ in rows for k, v in exp.items()]
    assert share([e for e in verdicts if e[1] in HYBRID_LABELS]) >= 0.97
    assert share([e for e in verdicts if e[1] == "behavior_focused"]) >= 0.95
    assert share([(d, "biased", b) for d, _, b in rows if b is not None]) >= 0.99


def test_learned_gives_gender_swapped_pairs_the_same_verdicts() -> None:
    for pair in load_jsonl(FAIRNESS_DATASET, FairnessPair):
        a = analyze(pair.a, verdicts="learned")
        b = analyze(pair.b, verdicts="learned")
        assert a.verdicts == b.verdicts and a.scores == b.scores, pair.id


def test_an_analysis_says_which_mode_decided() -> None:
    for mode in ("rules", "learned", "hybrid"):
        assert analyze("整体不错，但周报经常迟交。", verdicts=mode).decided_by == mode
    assert analyze("整體不錯，但週報經常遲交。", verdicts="learned").decided_by == "learned"


def test_learned_is_the_default_and_the_setting_picks_the_mode(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COACH_VERDICTS", raising=False)
    assert Settings(data_dir=tmp_path).verdicts == "learned"
    monkeypatch.setenv("COACH_VERDICTS", "rules")
    assert Settings(data_dir=tmp_path).verdicts == "rules"
