"""Inter-annotator agreement on the critique labels, and the analyzer against each annotator.

``evals/datasets/critique_second_annotator.jsonl`` holds a second, independent annotator's
labels for 200 drafts of ``critique_dev8.jsonl`` and ``critique_dev9.jsonl`` (100 each, drawn
at random), written from the label definitions alone without seeing the first labels.

Run: ``.venv/bin/python bench/agreement.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.analyzer import analyze  # noqa: E402

LABELS = ("specific", "balanced", "actionable", "behavior_focused", "biased")
DATASETS = ROOT / "evals/datasets"


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def main() -> None:
    first = {str(r["id"]): r for name in ("critique_dev8.jsonl", "critique_dev9.jsonl")
             for r in _rows(DATASETS / name)}
    second = _rows(DATASETS / "critique_second_annotator.jsonl")
    n = len(second)
    # per label: agree, analyzer~1st, analyzer~2nd, analyzer right where they agree, agreed
    counts = {label: [0, 0, 0, 0, 0] for label in LABELS}
    for row in second:
        draft = first[str(row["id"])]
        gold: dict[str, bool] = draft["labels"]  # type: ignore[assignment]
        other: dict[str, bool] = row["labels"]  # type: ignore[assignment]
        a = analyze(str(draft["text"]), rating=draft.get("rating"))  # type: ignore[arg-type]
        pred = {**a.verdicts.model_dump(),
                "biased": any(f.kind == "biased_language" for f in a.findings)}
        for label in LABELS:
            c = counts[label]
            c[0] += gold[label] == other[label]
            c[1] += pred[label] == gold[label]
            c[2] += pred[label] == other[label]
            if gold[label] == other[label]:
                c[4] += 1
                c[3] += pred[label] == gold[label]
    print(f"{n} drafts")
    print(f"{'label':17} {'1st~2nd':>8} {'analyzer~1st':>13} {'analyzer~2nd':>13} "
          f"{'analyzer on agreed (n)':>23}")
    for label, (agree, a1, a2, on_agreed, agreed) in counts.items():
        print(f"{label:17} {agree / n:8.3f} {a1 / n:13.3f} {a2 / n:13.3f} "
              f"{on_agreed / max(1, agreed):15.3f} ({agreed})")


if __name__ == "__main__":
    main()
