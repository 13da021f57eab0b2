"""Inter-annotator agreement on the critique labels, and the analyzer against the annotators.

Two studies, both written from the label definitions alone by annotators who saw neither the
first labels nor the analyzer:

- ``evals/datasets/critique_second_annotator.jsonl`` (fourth sitting): a second annotator's
  labels for 200 drafts of ``critique_dev8.jsonl`` and ``critique_dev9.jsonl`` (100 each,
  drawn at random).
- ``evals/datasets/critique_third_fourth_annotators.jsonl`` (thirteenth sitting): two more
  annotators (``A`` and ``B``), each labelling the same 200 drafts, 100 drawn at random from
  the blind sets dev35-dev38 and 100 from dev39-dev46, shuffled together with the set names
  hidden.

For each study and group it prints, per label, how often the writer (W) and each annotator
agree, and how often the analyzer agrees with each of them and with the majority. The
analyzer's figures on dev39-dev46 are on its own training data (the learned verdicts were
trained on those sets), so only the blind group measures it on unseen drafts.

Run: ``.venv/bin/python bench/agreement.py [--verdicts rules|learned|hybrid]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.analyzer import analyze  # noqa: E402

LABELS = ("specific", "balanced", "actionable", "behavior_focused", "biased")
DATASETS = ROOT / "evals/datasets"
Labels = dict[str, bool]


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _drafts() -> dict[str, dict[str, object]]:
    """Every labelled draft of the critique sets by id."""
    return {str(r["id"]): r for path in sorted(DATASETS.glob("critique_dev*.jsonl"))
            for r in _rows(path)}


def _group(draft_id: str) -> str:
    m = re.match(r"dev(\d+)-", draft_id)
    n = int(m.group(1)) if m else 0
    return "blind dev35-38" if 35 <= n <= 38 else ("dev39-46" if n >= 39 else "dev8-9")


def _annotations() -> dict[str, dict[str, Labels]]:
    """Labels by draft id, then by annotator (``W`` is the writer of the set)."""
    out: dict[str, dict[str, Labels]] = defaultdict(dict)
    for row in _rows(DATASETS / "critique_second_annotator.jsonl"):
        out[str(row["id"])]["2nd"] = row["labels"]  # type: ignore[assignment]
    for row in _rows(DATASETS / "critique_third_fourth_annotators.jsonl"):
        out[str(row["id"])][str(row["annotator"])] = row["labels"]  # type: ignore[assignment]
    return out


def _rate(xs: list[bool], ys: list[bool]) -> str:
    return f"{sum(x == y for x, y in zip(xs, ys, strict=True)) / len(xs):7.3f}"


def _table(title: str, cases: list[tuple[dict[str, Labels], Labels]]) -> None:
    """Agreement of each pair of people, then of the analyzer (``an``) with each of them."""
    people = list(cases[0][0])  # "W" first, then the annotators
    pairs = [(a, b) for i, a in enumerate(people) for b in people[i + 1:]]
    pairs += [("an", p) for p in people]
    majority = len(people) > 2
    print(f"\n{title} ({len(cases)} drafts)")
    cols = [f"{a}~{b}" for a, b in pairs] + (["an~maj"] if majority else [])
    print(f"{'label':17} " + " ".join(f"{c:>7}" for c in [*cols, "an where all agree (n)"]))
    for label in LABELS:
        col = {p: [labels[p][label] for labels, _ in cases] for p in people}
        col["an"] = [pred[label] for _, pred in cases]
        cells = [_rate(col[a], col[b]) for a, b in pairs]
        if majority:
            votes = [sum(col[p][i] for p in people) * 2 > len(people) for i in range(len(cases))]
            cells.append(_rate(col["an"], votes))
        agreed = [i for i in range(len(cases)) if len({col[p][i] for p in people}) == 1]
        cells.append(f"{_rate([col['an'][i] for i in agreed], [col['W'][i] for i in agreed])} "
                     f"({len(agreed)})" if agreed else "-")
        print(f"{label:17} " + " ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verdicts", choices=("rules", "learned", "hybrid"), default=None,
                        help="verdict mode of the analyzer (default: COACH_VERDICTS)")
    args = parser.parse_args()
    drafts = _drafts()
    groups: dict[str, list[tuple[dict[str, Labels], Labels]]] = defaultdict(list)
    for draft_id, others in _annotations().items():
        draft = drafts[draft_id]
        a = analyze(str(draft["text"]), rating=draft.get("rating"),  # type: ignore[arg-type]
                    verdicts=args.verdicts)
        pred: Labels = {**a.verdicts.model_dump(), "biased": a.biased}
        people = {"W": draft["labels"], **others}
        groups[_group(draft_id)].append((people, pred))  # type: ignore[arg-type]
    print(f"analyzer (an): {a.decided_by} verdicts")
    for name in ("dev8-9", "dev39-46", "blind dev35-38"):
        _table(name, groups[name])


if __name__ == "__main__":
    main()
