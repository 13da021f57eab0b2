"""Benchmarks for issue #2 (not a test): analyzer latency, batch throughput, full coaching.

Run: ``.venv/bin/python bench/bench_core.py [--model-runs N] [--skip-model]``.
Writes ``bench/results/core.json`` and prints a table for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.config import VerdictMode

ROOT = Path(__file__).resolve().parents[1]
DATASETS = [ROOT / "evals/datasets/critique.jsonl", ROOT / "evals/datasets/critique_holdout.jsonl"]


def _drafts() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for path in DATASETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append({"id": row["id"], "text": row["text"], "rating": row.get("rating")})
    return rows


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_analyzer(drafts: list[dict[str, object]], rounds: int = 5,
                   verdicts: VerdictMode | None = None) -> dict[str, object]:
    """Per-draft analyzer time in one verdict mode (default: the configured one)."""
    from assistant.analyzer import analyze
    from assistant.analyzer.lexicon import load_lexicons
    from assistant.config import get_settings

    mode = verdicts or get_settings().verdicts
    analyze("warm up", verdicts=mode)
    cues = load_lexicons().cues
    times: list[float] = []
    for _ in range(rounds):
        cues._memo.clear()  # measure cold per-draft work, not the memo
        for d in drafts:
            t0 = time.perf_counter()
            analyze(str(d["text"]), verdicts=mode)
            times.append((time.perf_counter() - t0) * 1000)
    return {"verdicts": mode, "drafts": len(drafts), "median_ms": statistics.median(times),
            "p95_ms": _pct(times, 0.95), "max_ms": max(times)}


def bench_batch(drafts: list[dict[str, object]], copies: int = 6) -> dict[str, float]:
    """``coach critique --batch --no-llm`` end to end, and in-process steady state."""
    lines = []
    for i in range(copies):
        for d in drafts:
            lines.append(json.dumps({**d, "id": f"{d['id']}-{i}",
                                     "text": f"{d['text']}\n({i})"}, ensure_ascii=False))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        # The configured data dir: the store is built once per install, so this measures
        # the batch a user runs, not the first-ever start (see first_run_s).
        env = dict(os.environ)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "assistant", "critique", "--batch",
                               str(path), "--no-llm"], capture_output=True, env=env, check=False)
        wall = time.perf_counter() - t0
        out_lines = proc.stdout.decode().splitlines()
    from assistant.config import Settings
    from assistant.service import Coach

    coach = Coach.from_settings(Settings(), with_model=False)
    coach.critique("warm up", no_llm=True)
    t0 = time.perf_counter()
    n = 0
    for i in range(copies):
        for d in drafts:
            coach.critique(f"{d['text']}\n[{i}]", no_llm=True)
            n += 1
    steady = time.perf_counter() - t0
    return {"drafts": len(lines), "cli_wall_s": wall, "cli_drafts_per_s": len(lines) / wall,
            "cli_ok_lines": len(out_lines), "in_process_drafts_per_s": n / steady}


def bench_model(drafts: list[dict[str, object]], runs: int) -> dict[str, object]:
    from assistant import factcheck
    from assistant.config import Settings
    from assistant.service import Coach

    settings = Settings()
    coach = Coach.from_settings(settings)
    picks = [d for d in drafts if str(d["id"]).startswith("dev-en")][: (runs + 1) // 2]
    picks += [d for d in drafts if str(d["id"]).startswith("dev-zh")][: runs // 2]
    t0 = time.perf_counter()
    coach.critique("Warm-up: good job.", no_llm=False)
    load_s = time.perf_counter() - t0
    rows = []
    for d in picks:
        t0 = time.perf_counter()
        r = coach.critique(str(d["text"]), rating=d.get("rating"))  # type: ignore[arg-type]
        rows.append({"id": d["id"], "s": time.perf_counter() - t0, "calls": r.meta.model_calls,
                     "prompt_tokens": r.meta.prompt_tokens,
                     "completion_tokens": r.meta.completion_tokens,
                     "degraded": r.degraded, "rewrite_source": r.meta.rewrite_source,
                     "retry": r.meta.fabrication_retry,
                     # every returned rewrite must pass the fact check (0 expected)
                     "fabricated": bool(r.rewrite) and not factcheck.check(
                         r.rewrite, str(d["text"])).ok,
                     "notes": r.meta.notes})
    secs = [float(r["s"]) for r in rows]
    return {
        "model": settings.model, "n_threads": settings.n_threads, "first_call_s": load_s,
        "runs": rows, "p50_s": statistics.median(secs), "max_s": max(secs),
        "median_calls": statistics.median(int(r["calls"]) for r in rows),
        "median_tokens": statistics.median(
            int(r["prompt_tokens"]) + int(r["completion_tokens"]) for r in rows),
        "model_rewrites": sum(r["rewrite_source"] == "model" for r in rows),
        "degraded": sum(bool(r["degraded"]) for r in rows),
        "fabricated_rewrites": sum(bool(r["fabricated"]) for r in rows),
        "load_average_after": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-runs", type=int, default=6)
    parser.add_argument("--skip-model", action="store_true")
    args = parser.parse_args()
    drafts = _drafts()
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "analyzer": bench_analyzer(drafts),
        "analyzer_rules_only": bench_analyzer(drafts, verdicts="rules"),
        "batch_no_llm": bench_batch(drafts),
    }
    if not args.skip_model:
        results["full_coaching"] = bench_model(drafts, args.model_runs)
    results["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = ROOT / "bench/results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "core.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
