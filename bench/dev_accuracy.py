"""Per-label accuracy of the analyzer alone on development sets, with the misses.

Run: ``.venv/bin/python bench/dev_accuracy.py [--misses] [--label L] FILE...``
(default: the dev sets). Never point it at the blind held-out set.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.analyzer import analyze  # noqa: E402
from assistant.evals.suites.critique import DEFAULT_GROUPS  # noqa: E402

LABELS = ("specific", "balanced", "actionable", "behavior_focused", "biased")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--label", action="append")
    args = ap.parse_args()
    files = args.files or [str(p) for p in DEFAULT_GROUPS["dev"]]
    for f in files:
        if "holdout" in f:
            sys.exit("the held-out set is blind")
        lines = Path(f).read_text(encoding="utf-8").splitlines()
        rows = [json.loads(x) for x in lines if x.strip()]
        right: dict[tuple[str, str], int] = defaultdict(int)
        total: dict[str, int] = defaultdict(int)
        misses = []
        for r in rows:
            a = analyze(r["text"], rating=r.get("rating"))
            pred = {**a.verdicts.model_dump(), "biased": a.biased}
            for lang in (r["language"], "all"):
                total[lang] += 1
                for lab in LABELS:
                    right[(lang, lab)] += pred[lab] == r["labels"][lab]
            for lab in LABELS:
                if pred[lab] != r["labels"][lab] and (not args.label or lab in args.label):
                    misses.append((lab, r, pred[lab], a))
        print(f"== {Path(f).name} (n={total['all']})")
        for lang in ("all", "en", "zh", "mixed"):
            if total[lang]:
                cells = " ".join(f"{lab[:8]}={right[(lang, lab)] / total[lang]:.3f}"
                                 for lab in LABELS)
                print(f"  {lang:5} n={total[lang]:3} {cells}")
        if args.misses:
            for lab, r, p, a in sorted(misses, key=lambda m: m[0]):
                fs = [(x.kind, x.text) for x in a.findings if x.start is not None
                      and x.kind in ("personality_label", "biased_language")]
                print(f"  MISS {lab} gold={r['labels'][lab]} pred={p} {r['id']}: {r['text']!r}")
                if fs:
                    print(f"      findings: {fs}")
                if r.get("note"):
                    print(f"      note: {r['note']}")


if __name__ == "__main__":
    main()
