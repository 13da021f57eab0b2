"""Benchmark: ``coach audit`` on 10,000 synthetic reviews (target <= 60 s on 2 cores).

The CSV is generated deterministically (seeded) from the development drafts, never the
held-out set, with managers, teams and a gender column. Prints the timings; nothing is
asserted (figures go in the README).

    .venv/bin/python bench/bench_audit.py [--rows 10000] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.evals.base import DATASETS_DIR, load_jsonl  # noqa: E402
from assistant.evals.critique import CritiqueCase  # noqa: E402

SEED = 20241008


def make_csv(path: Path, rows: int, seed: int = SEED) -> None:
    """Write ``rows`` reviews drawn (seeded) from the development drafts."""
    rng = random.Random(seed)
    texts = [c.text for p in ("critique.jsonl", "critique_dev2.jsonl")
             for c in load_jsonl(DATASETS_DIR / p, CritiqueCase)]
    managers = [f"manager-{i:02d}" for i in range(40)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "manager", "team", "gender", "text"])
        for i in range(rows):
            m = rng.choice(managers)
            w.writerow([i, m, f"team-{managers.index(m) % 8}", rng.choice("FM"),
                        rng.choice(texts)])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "reviews.csv"
        make_csv(src, args.rows)
        coach = ROOT / ".venv" / "bin" / "coach"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(coach), "audit", str(src), "--group-by", "manager", "--demographic", "gender",
             "--out", str(Path(tmp) / "out"), "--workers", str(args.workers)],
            capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"},
        )
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stderr)
            raise SystemExit(proc.returncode)
        print(f"coach audit, {args.rows:,} reviews, {args.workers} worker(s): {wall:.1f} s "
              f"end to end ({args.rows / wall:,.0f} reviews/s), target <= 60 s")


if __name__ == "__main__":
    main()
