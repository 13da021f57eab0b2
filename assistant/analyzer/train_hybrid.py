"""Rebuild the learned verdicts' weights from the development sets.

``python -m assistant.analyzer.train_hybrid [--check] [--only learned|hybrid]``

Trains, on the ``dev`` group of the critique suite (never the held-out set or the blind
sets), one L2-regularised logistic regression per label for each learned mode, and writes
the weights beside the code:

- ``ngram_weights.npz`` (``COACH_VERDICTS=learned``, the default): the rules' features and
  hashed grams of the draft, by full-batch Adam from zero for a fixed number of steps; and
  the side models for ``balanced`` (over the draft and over its clauses), on the side labels
  of ``evals/datasets/critique_sides.jsonl`` (a balanced draft has both sides); and the
  same pair for personality labels and coded words, on the ``behavior_focused`` and
  ``biased`` labels;
- ``hybrid_weights.npz`` (``COACH_VERDICTS=hybrid``): the rules' features and sentence
  embeddings, by a Newton solve.

Neither uses randomness. ``--check`` prints cross-validated accuracy first, which is how
the recipes and the regularisation were chosen: for the learned mode, grouped five-fold by
set (``FOLDS``; about six minutes), for the hybrid, each dev set scored by a model trained on
the others. Run it after any change to the rules: the features include their verdicts and
findings (a test fails until you do).
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from ..evals.base import DATASETS_DIR, load_jsonl
from ..evals.critique import CritiqueCase
from ..evals.suites.critique import DEFAULT_GROUPS
from . import ngram
from .core import ANALYZER_VERSION, analyze
from .hybrid import HYBRID_LABELS, RECIPE, WEIGHTS_PATH, HybridModel, features

if TYPE_CHECKING:
    from .core import Analysis

L2 = 100.0
"""Hybrid: ridge strength on standardised features (100 beat 30 and 300 leaving one set out)."""

NGRAM_L2, NGRAM_STEPS = 1e-5, 1000
"""Learned: ridge strength and Adam steps (1e-5 and 1,000 beat 3e-6, 3e-5 and 1e-4 with
300-800 steps, grouped five-fold by set)."""
CLAUSE_STEPS = 800
"""Adam steps of the side models over clauses (same ridge strength)."""

SIDES_DATASET = DATASETS_DIR / "critique_sides.jsonl"
"""Which side (a strength, an area to improve) each unbalanced dev draft has, by annotators
who labelled from the definitions without seeing the analyzer."""


def fit(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], l2: float = L2,
        mean: np.ndarray[Any, Any] | None = None,
        scale: np.ndarray[Any, Any] | None = None) -> np.ndarray[Any, Any]:
    """Weights (bias last) of an L2 logistic regression on standardised ``x``."""
    mean = x.mean(0) if mean is None else mean
    scale = x.std(0) + 1e-6 if scale is None else scale
    z = np.c_[(x - mean) / scale, np.ones(len(x))]
    w = np.zeros(z.shape[1])
    ridge = l2 * np.r_[np.ones(z.shape[1] - 1), 0.0]
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + ridge * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(ridge)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def load_dev() -> tuple[list[str], list[Analysis], np.ndarray[Any, Any]]:
    """Set names, the rules' analyses and gold labels of every dev draft, in file order;
    the labels' columns are ``HYBRID_LABELS``, then ``ngram.SIDES`` (a side is NaN where
    unknown: an unbalanced draft without side labels, or one whose side labels say both),
    then ``ngram.FINDING_KINDS`` (the draft labels the person: not ``behavior_focused``; the
    draft uses coded language: ``biased``)."""
    sets: list[str] = []
    rows: list[CritiqueCase] = []
    for path in DEFAULT_GROUPS["dev"]:
        cases = load_jsonl(path, CritiqueCase)
        rows.extend(cases)
        sets.extend([path.stem] * len(cases))
    analyses = [analyze(c.text, rating=c.rating, verdicts="rules") for c in rows]
    y = np.array([[float(getattr(c.labels, k)) for k in HYBRID_LABELS] for c in rows])
    sides = {r["id"]: r for r in map(json.loads, SIDES_DATASET.read_text(
        encoding="utf-8").splitlines())}
    side_y = np.full((len(rows), len(ngram.SIDES)), np.nan)
    for i, c in enumerate(rows):
        if c.labels.balanced:
            side_y[i] = 1.0
        elif (r := sides.get(c.id)) is not None and not (r["strength"] and r["area"]):
            side_y[i] = [float(r[k]) for k in ngram.SIDES]
    has = np.array([[float(not c.labels.behavior_focused), float(c.labels.biased)]
                    for c in rows])
    return sets, analyses, np.c_[y, side_y, has]


def _provenance(n: int) -> dict[str, str]:
    digest = hashlib.sha256()
    for path in DEFAULT_GROUPS["dev"]:
        digest.update(path.read_bytes())
    return {"analyzer": ANALYZER_VERSION, "datasets": digest.hexdigest()[:16], "drafts": str(n)}


FIVE_LABELS = (*HYBRID_LABELS, "behavior_focused", "biased")
FOLDS = 5
"""The learned mode's ``--check``: dev sets dealt round-robin into this many folds, each
scored by a model trained on the others (the grouped five-fold the recipe was chosen by)."""


def _report(name: str, rules: np.ndarray[Any, Any], pred: np.ndarray[Any, Any],
            gold: np.ndarray[Any, Any], labels: tuple[str, ...] = HYBRID_LABELS) -> None:
    cells = [f"{label} {(rules[:, j] == gold[:, j]).mean():.3f}->"
             f"{(pred[:, j] == gold[:, j]).mean():.3f}" for j, label in enumerate(labels)]
    print(f"  {name:<18} " + "  ".join(cells))


def _rule_verdicts(analyses: list[Analysis],
                   labels: tuple[str, ...] = HYBRID_LABELS) -> np.ndarray[Any, Any]:
    return np.array([[a.biased if k == "biased" else getattr(a.verdicts, k) for k in labels]
                     for a in analyses])


def _learned_labels(margins: dict[str, np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    """``FIVE_LABELS`` from the learned mode's margins."""
    return np.stack([*(margins[k] > 0 for k in HYBRID_LABELS),
                     margins["personality_label"] <= 0, margins["biased_language"] > 0], 1)


def train_hybrid(sets: list[str], analyses: list[Analysis], y: np.ndarray[Any, Any],
                 check: bool) -> None:
    """Fit and write ``hybrid_weights.npz``."""
    x = features(analyses)
    y = y[:, :len(HYBRID_LABELS)]
    s, rules, gold = np.array(sets), _rule_verdicts(analyses), y > 0.5
    if check:
        print("hybrid, leave one set out: rules -> hybrid")
        for name in dict.fromkeys(sets):
            tr, te = s != name, s == name
            mean, scale = x[tr].mean(0), x[tr].std(0) + 1e-6
            model = HybridModel(mean, scale, {k: fit(x[tr], y[tr, j], mean=mean, scale=scale)
                                              for j, k in enumerate(HYBRID_LABELS)})
            margins = model.margins(x[te])
            pred = np.stack([margins[k] > 0 for k in HYBRID_LABELS], 1)
            _report(name, rules[te], pred, gold[te])
    mean, scale = x.mean(0), x.std(0) + 1e-6
    weights = {k: fit(x, y[:, j], mean=mean, scale=scale) for j, k in enumerate(HYBRID_LABELS)}
    HybridModel(mean, scale, weights).save(WEIGHTS_PATH, **_provenance(len(sets)), l2=str(L2))
    print(f"wrote {WEIGHTS_PATH} ({RECIPE}, {len(sets)} drafts)")


def _fit_ngram(x: ngram.SparseRows, clauses: ngram.SparseRows, doc: np.ndarray[Any, Any],
               y: np.ndarray[Any, Any], rule_mean: np.ndarray[Any, Any]) -> ngram.NgramModel:
    """The labels on every draft; each side on the drafts whose side is known and each
    finding kind on every draft, over the draft and over its clause pieces (starting from
    the rules' own flag for it)."""
    fitted = {k: ngram.fit(x, y[:, j], NGRAM_L2, NGRAM_STEPS)
              for j, k in enumerate(HYBRID_LABELS)}
    on_clauses = {}
    for j, k in enumerate((*ngram.SIDES, *ngram.FINDING_KINDS), start=len(HYBRID_LABELS)):
        known = ~np.isnan(y[:, j])
        fitted[k] = ngram.fit(_subset(x, known), y[known, j], NGRAM_L2, NGRAM_STEPS)
        sub, sub_doc = _subset_pieces(clauses, doc, known)
        on_clauses[k] = ngram.fit_pooled(sub, sub_doc, y[known, j],
                                         ngram.DIM + ngram.START_FLAG[k], NGRAM_L2, CLAUSE_STEPS)
    return ngram.NgramModel({k: w for k, (w, _) in fitted.items()},
                            {k: b for k, (_, b) in fitted.items()}, rule_mean,
                            {k: w for k, (w, _) in on_clauses.items()},
                            {k: b for k, (_, b) in on_clauses.items()})


def _subset_pieces(clauses: ngram.SparseRows, doc: np.ndarray[Any, Any],
                   keep: np.ndarray[Any, Any]) -> tuple[ngram.SparseRows, np.ndarray[Any, Any]]:
    """The clause pieces of the drafts where ``keep`` is true, drafts renumbered."""
    keep_rows = keep[doc]
    return _subset(clauses, keep_rows), (np.cumsum(keep) - 1)[doc[keep_rows]]


def _subset(x: ngram.SparseRows, keep: np.ndarray[Any, Any]) -> ngram.SparseRows:
    """The rows of ``x`` where ``keep`` is true, renumbered."""
    new = np.cumsum(keep) - 1
    on = keep[x.rows]
    return ngram.SparseRows(new[x.rows[on]], x.cols[on], x.vals[on], int(keep.sum()), x.d)


def train_learned(sets: list[str], analyses: list[Analysis], y: np.ndarray[Any, Any],
                  check: bool) -> None:
    """Fit and write ``ngram_weights.npz``."""
    from .hybrid import rule_features

    x = ngram.features(analyses)
    clauses, doc = ngram.clause_features(analyses)
    rule_mean = np.array([rule_features(a) for a in analyses]).mean(0)
    if check:
        names = list(dict.fromkeys(sets))
        fold = np.array([names.index(name) % FOLDS for name in sets])
        rules = _rule_verdicts(analyses, FIVE_LABELS)
        gold = np.c_[y[:, :len(HYBRID_LABELS)] > 0.5, y[:, -2] < 0.5, y[:, -1] > 0.5]
        pred = np.zeros_like(gold)
        print(f"learned, grouped {FOLDS}-fold by set: rules -> learned")
        for f in range(FOLDS):
            tr, te = fold != f, fold == f
            model = _fit_ngram(_subset(x, tr), *_subset_pieces(clauses, doc, tr), y[tr],
                               rule_mean)
            pred[te] = _learned_labels(
                model.margins(_subset(x, te), *_subset_pieces(clauses, doc, te)))
            _report(f"fold {f}", rules[te], pred[te], gold[te], FIVE_LABELS)
        _report("all folds", rules, pred, gold, FIVE_LABELS)
    _fit_ngram(x, clauses, doc, y, rule_mean).save(
        ngram.WEIGHTS_PATH, **_provenance(len(sets)), l2=str(NGRAM_L2),
        steps=str(NGRAM_STEPS), clause_steps=str(CLAUSE_STEPS),
        sides=hashlib.sha256(SIDES_DATASET.read_bytes()).hexdigest()[:16])
    print(f"wrote {ngram.WEIGHTS_PATH} ({ngram.RECIPE}, {len(sets)} drafts)")


def main(argv: list[str]) -> int:
    """Train (and with ``--check``, cross-validate) the learned and hybrid verdicts."""
    only = argv[argv.index("--only") + 1] if "--only" in argv[:-1] else None
    if only not in (None, "learned", "hybrid"):
        print("--only takes learned or hybrid", file=sys.stderr)
        return 2
    sets, analyses, y = load_dev()
    if only in (None, "learned"):
        train_learned(sets, analyses, y, "--check" in argv)
    if only in (None, "hybrid"):
        train_hybrid(sets, analyses, y, "--check" in argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
