"""Rebuild ``hybrid_weights.npz`` from the development sets.

``python -m assistant.analyzer.train_hybrid [--check]``

Trains one L2-regularised logistic regression per hybrid label on the ``dev`` group of the
critique suite (never the held-out set or the blind sets), with a deterministic Newton
solve, and writes the weights beside ``hybrid.py``. ``--check`` prints leave-one-set-out
accuracy first (each dev set scored by a model trained on the others), which is how the
recipe and the regularisation were chosen. Run it after any change to the rules: the
features include their verdicts and findings.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

import numpy as np

from ..evals.base import load_jsonl
from ..evals.critique import CritiqueCase
from ..evals.suites.critique import DEFAULT_GROUPS
from .core import ANALYZER_VERSION, analyze
from .hybrid import HYBRID_LABELS, RECIPE, RULE_LABELS, WEIGHTS_PATH, HybridModel, features

L2 = 100.0
"""Ridge strength on standardised features (100 beat 30 and 300 leaving one set out)."""


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


def load_dev() -> tuple[list[str], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Set names, feature rows and gold labels of every dev draft, in file order."""
    sets: list[str] = []
    rows: list[CritiqueCase] = []
    for path in DEFAULT_GROUPS["dev"]:
        cases = load_jsonl(path, CritiqueCase)
        rows.extend(cases)
        sets.extend([path.stem] * len(cases))
    analyses = [analyze(c.text, rating=c.rating, verdicts="rules") for c in rows]
    x = features(analyses)
    y = np.array([[float(getattr(c.labels, k)) for k in HYBRID_LABELS] for c in rows])
    return sets, x, y


def main(argv: list[str]) -> int:
    """Train (and with ``--check``, cross-validate) the hybrid verdicts."""
    sets, x, y = load_dev()
    s = np.array(sets)
    rules = x[:, [RULE_LABELS.index(k) for k in HYBRID_LABELS]] > 0.5  # the rules' verdicts
    if "--check" in argv:
        print("leave one set out: rules -> hybrid")
        for name in dict.fromkeys(sets):
            tr, te = s != name, s == name
            mean, scale = x[tr].mean(0), x[tr].std(0) + 1e-6
            model = HybridModel(mean, scale, {k: fit(x[tr], y[tr, j], mean=mean, scale=scale)
                                              for j, k in enumerate(HYBRID_LABELS)})
            margins = model.margins(x[te])
            cells = []
            for j, label in enumerate(HYBRID_LABELS):
                pred = margins[label] > 0
                gold = y[te, j] > 0.5
                cells.append(f"{label} {(rules[te, j] == gold).mean():.3f}->"
                             f"{(pred == gold).mean():.3f}")
            print(f"  {name:<18} " + "  ".join(cells))
    mean, scale = x.mean(0), x.std(0) + 1e-6
    weights = {k: fit(x, y[:, j], mean=mean, scale=scale) for j, k in enumerate(HYBRID_LABELS)}
    digest = hashlib.sha256()
    for path in DEFAULT_GROUPS["dev"]:
        digest.update(path.read_bytes())
    HybridModel(mean, scale, weights).save(
        WEIGHTS_PATH, analyzer=ANALYZER_VERSION, datasets=digest.hexdigest()[:16],
        drafts=str(len(sets)), l2=str(L2))
    print(f"wrote {WEIGHTS_PATH} ({RECIPE}, {len(sets)} drafts)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
