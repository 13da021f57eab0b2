"""Rebuild the learned verdicts' weights from the development sets.

``python -m assistant.analyzer.train_hybrid [--check] [--only learned|hybrid]``

Trains, on the ``dev`` group of the critique suite (never the held-out set or the blind
sets), one L2-regularised logistic regression per label for each learned mode, and writes
the weights beside the code:

- ``ngram_weights.npz`` (``COACH_VERDICTS=learned``, the default): the rules' features and
  hashed grams of the draft, by full-batch Adam from zero for a fixed number of steps; and
  the side models for ``balanced`` (over the draft and over its clauses), on the side labels
  of ``evals/datasets/critique_sides.jsonl`` (a balanced draft has both sides);
- ``hybrid_weights.npz`` (``COACH_VERDICTS=hybrid``): the rules' features and sentence
  embeddings, by a Newton solve.

Neither uses randomness. ``--check`` prints leave-one-set-out accuracy first (each dev set
scored by a model trained on the others), which is how the recipes and the regularisation
were chosen. Run it after any change to the rules: the features include their verdicts and
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
    the labels' columns are ``HYBRID_LABELS`` then ``ngram.SIDES`` (a side is NaN where
    unknown: an unbalanced draft without side labels, or one whose side labels say both)."""
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
    return sets, analyses, np.c_[y, side_y]


def _provenance(n: int) -> dict[str, str]:
    digest = hashlib.sha256()
    for path in DEFAULT_GROUPS["dev"]:
        digest.update(path.read_bytes())
    return {"analyzer": ANALYZER_VERSION, "datasets": digest.hexdigest()[:16], "drafts": str(n)}


def _report(name: str, rules: np.ndarray[Any, Any], pred: np.ndarray[Any, Any],
            gold: np.ndarray[Any, Any]) -> None:
    cells = [f"{label} {(rules[:, j] == gold[:, j]).mean():.3f}->"
             f"{(pred[:, j] == gold[:, j]).mean():.3f}" for j, label in enumerate(HYBRID_LABELS)]
    print(f"  {name:<18} " + "  ".join(cells))


def _rule_verdicts(analyses: list[Analysis]) -> np.ndarray[Any, Any]:
    return np.array([[getattr(a.verdicts, k) for k in HYBRID_LABELS] for a in analyses])


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
    """The labels on every draft; each side on the drafts whose side is known, over the
    draft and over its clause pieces (starting from the rules' own flag for the side)."""
    fitted = {k: ngram.fit(x, y[:, j], NGRAM_L2, NGRAM_STEPS)
              for j, k in enumerate(HYBRID_LABELS)}
    on_clauses = {}
    for j, k in enumerate(ngram.SIDES, start=len(HYBRID_LABELS)):
        known = ~np.isnan(y[:, j])
        fitted[k] = ngram.fit(_subset(x, known), y[known, j], NGRAM_L2, NGRAM_STEPS)
        sub, sub_doc = _subset_pieces(clauses, doc, known)
        on_clauses[k] = ngram.fit_pooled(sub, sub_doc, y[known, j],
                                         ngram.DIM + ngram.SIDE_FLAG[k], NGRAM_L2, CLAUSE_STEPS)
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
    s, rules = np.array(sets), _rule_verdicts(analyses)
    gold = y[:, :len(HYBRID_LABELS)] > 0.5
    if check:
        print("learned, leave one set out: rules -> learned")
        for name in dict.fromkeys(sets):
            tr, te = s != name, s == name
            model = _fit_ngram(_subset(x, tr), *_subset_pieces(clauses, doc, tr), y[tr],
                               rule_mean)
            margins = model.margins(_subset(x, te), *_subset_pieces(clauses, doc, te))
            pred = np.stack([margins[k] > 0 for k in HYBRID_LABELS], 1)
            _report(name, rules[te], pred, gold[te])
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
