"""Load benchmark of the HTTP API (not a test).

Starts ``coach serve`` as a subprocess on 127.0.0.1 and measures, from this second process:

- ``no_llm`` critiques (``POST /v1/critique``) at 1, 8 and 32 concurrent clients: req/s, p50,
  p95, errors; and the same load on a bare FastAPI endpoint of the same server
  (``POST /bench/bare``: parses the same body, does nothing), with the ratio;
- time to the first streamed event (``analysis``) of ``POST /v1/critique/stream``;
- time to the first model token with the embedded model: cold (the draft arrives with the
  request) and primed (the page sent the draft with ``POST /v1/critique/prime`` when it was
  pasted, and the manager pressed "Coach" ``think`` seconds later), a few drafts each;
- server start to ready (``/readyz`` 200) and the server's RSS;
- the server's CPU time per request (its workers included), which, unlike throughput, barely
  depends on what else the machine is running.

Run: ``.venv/bin/python bench/bench_api.py [--seconds 10] [--skip-model] [--client wrk]``.
The load generator is ``wrk`` when installed (``apt-get install wrk``), else httpx.
Writes ``bench/results/api.json`` and prints a table. The rate limit is switched off for the
run (``COACH_RATE_LIMIT_PER_MINUTE=0``): it would otherwise answer most requests with 429.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "evals/datasets/critique.jsonl"
COACH = Path(sys.executable).with_name("coach")


def _drafts(n: int = 60) -> list[str]:
    rows = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r["text"] for r in rows[:n]]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children (the no-model workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = {pid}
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        pids.update(int(p) for p in children.read_text().split())
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def start_server(port: int) -> tuple[subprocess.Popen[bytes], float]:
    env = {**os.environ, "COACH_BENCH_ROUTES": "1", "COACH_RATE_LIMIT_PER_MINUTE": "0"}
    started = time.perf_counter()
    proc = subprocess.Popen([str(COACH), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/readyz"
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                ready_s = time.perf_counter() - started
                _wait_for_store_open(url)
                return proc, ready_s
        except httpx.TransportError:
            pass
        if time.perf_counter() - started > 180:
            proc.kill()
            raise SystemExit("server not ready after 180 s")
        time.sleep(0.05)


def _wait_for_store_open(url: str, limit_s: float = 60.0) -> None:
    """After ready, the server opens the knowledge store (its encoder) in the background for
    free-text guidance searches; measure the load after that, not beside it."""
    deadline = time.perf_counter() + limit_s
    while time.perf_counter() < deadline:
        if "store_open_s" in httpx.get(url, timeout=1).json().get("startup", {}):
            return
        time.sleep(0.2)


async def load(url: str, drafts: list[str], concurrency: int, seconds: float) -> dict[str, Any]:
    """Closed-loop load: ``concurrency`` clients, each sending its next request as soon as
    the previous one is answered."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker(i: int, stop: float, record: bool) -> None:
            nonlocal errors
            n = i
            while time.perf_counter() < stop:
                body = {"text": drafts[n % len(drafts)], "no_llm": True}
                n += concurrency
                t = time.perf_counter()
                try:
                    ok = (await client.post(url, json=body)).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if record:
                    latencies.append(time.perf_counter() - t)
                    errors += not ok

        warm = time.perf_counter() + 1.0
        await asyncio.gather(*(worker(i, warm, False) for i in range(concurrency)))
        started = time.perf_counter()
        stop = started + seconds
        await asyncio.gather(*(worker(i, stop, True) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_pct(latencies, 0.5) * 1000, 1),
        "p95_ms": round(_pct(latencies, 0.95) * 1000, 1),
        "errors": errors,
    }


WRK_SCRIPT = """
local bodies = {%s}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  return wrk.format(nil, nil, nil, bodies[(i %% #bodies) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, '
      .. '"errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def load_wrk(url: str, drafts: list[str], concurrency: int, seconds: float) -> dict[str, Any]:
    """The same closed-loop load with ``wrk`` (C, far lighter than an httpx client, so the
    client takes less of the two cores from the server). Non-2xx answers count as errors."""
    bodies = ",".join("[==[" + json.dumps({"text": d, "no_llm": True}) + "]==]" for d in drafts)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % bodies)
    threads = str(min(2, concurrency))

    def run(duration: float) -> dict[str, Any]:
        out = subprocess.run(
            ["wrk", "-t", threads, "-c", str(concurrency), "-d", f"{duration:g}s",
             "--timeout", "30s", "-s", f.name, url],
            capture_output=True, text=True, check=True).stdout
        return dict(json.loads(out.split("RESULT", 1)[1]))

    try:
        run(1.0)  # warm-up
        r = run(seconds)
    finally:
        os.unlink(f.name)
    return {
        "concurrency": concurrency,
        "requests": r["requests"],
        "req_per_s": round(r["requests"] / (r["duration_us"] / 1e6), 1),
        "p50_ms": round(r["p50_us"] / 1000, 1),
        "p95_ms": round(r["p95_us"] / 1000, 1),
        "errors": r["errors"],
    }


def _per_req(cpu_s: float, run: dict[str, Any]) -> float:
    """Server CPU per request, warm-up included (it ran 1 s of the same load)."""
    warm_share = (run["requests"] / run["req_per_s"] + 1.0) / (run["requests"] / run["req_per_s"])
    return round(cpu_s * 1000 / (run["requests"] * warm_share), 2) if run["requests"] else 0.0


def first_model_tokens(base: str, drafts: list[str], thinks: list[float | None],
                       per_condition: int) -> dict[str, Any]:
    """First model token, per condition: ``None`` is cold (no priming), a number is the
    seconds between ``POST /v1/critique/prime`` and the streamed request. Every request uses
    a draft not sent before, so no run finds another's prompt in the model's cache."""
    pool = iter(drafts)
    out: dict[str, Any] = {}
    for think in thinks:
        times = []
        for _ in range(per_condition):
            text = next(pool)
            if think is not None:
                r = httpx.post(base + "/v1/critique/prime", json={"text": text}, timeout=30)
                assert r.json().get("accepted"), r.text
                time.sleep(think)
            f = first_events(base, text, no_llm=False, until="critique")
            times.append(f.get("until_s", float("nan")))
            time.sleep(0.5)  # the closed stream stops its generation
        key = "cold" if think is None else f"primed_think_{think:g}s"
        out[key] = {"p50_s": round(statistics.median(times), 2),
                    "all_s": [round(t, 2) for t in times]}
    return out


def first_events(base: str, text: str, *, no_llm: bool, until: str) -> dict[str, float]:
    """Seconds from sending a stream request to its first event, and to the first event
    named ``until`` (the stream is then closed)."""
    seen: dict[str, float] = {}
    started = time.perf_counter()
    with httpx.stream("POST", base + "/v1/critique/stream", json={"text": text, "no_llm": no_llm},
                      timeout=300) as resp:
        for line in resp.iter_lines():
            if not line.startswith("event:"):
                continue
            name = line[6:].strip()
            seen.setdefault("first_event_s", time.perf_counter() - started)
            if name == until and "delta" not in seen:
                seen["until_s"] = time.perf_counter() - started
                break
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per load level")
    parser.add_argument("--levels", default="1,8,32")
    parser.add_argument("--skip-model", action="store_true", help="no embedded-model request")
    parser.add_argument("--model-drafts", type=int, default=3,
                        help="drafts per first-model-token condition")
    parser.add_argument("--thinks", default="2,10",
                        help="seconds between priming and pressing Coach, per condition")
    parser.add_argument("--client", choices=["auto", "httpx", "wrk"], default="auto",
                        help="load generator (auto: wrk when installed)")
    args = parser.parse_args()
    drafts = _drafts()
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "httpx"

    def run_load(url: str, c: int) -> dict[str, Any]:
        if client == "wrk":
            return load_wrk(url, drafts, c, args.seconds)
        return asyncio.run(load(url, drafts, c, args.seconds))

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc, ready_s = start_server(port)
    results: dict[str, Any] = {
        "client": client,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_at_start": os.getloadavg()},
        "start_to_ready_s": round(ready_s, 2),
        "rss_after_start_mb": _rss_mb(proc.pid),
        "readyz": httpx.get(base + "/readyz").json(),
    }
    try:
        levels = [int(x) for x in args.levels.split(",")]
        rows = []
        for c in levels:
            cpu = _cpu_s(proc.pid)
            coach = run_load(base + "/v1/critique", c)
            coach["server_cpu_ms_per_req"] = _per_req(_cpu_s(proc.pid) - cpu, coach)
            cpu = _cpu_s(proc.pid)
            bare = run_load(base + "/bench/bare", c)
            bare["server_cpu_ms_per_req"] = _per_req(_cpu_s(proc.pid) - cpu, bare)
            rows.append({"concurrency": c, "critique_no_llm": coach, "bare": bare,
                         "ratio_req_per_s": round(coach["req_per_s"] / bare["req_per_s"], 3)})
        results["load"] = rows
        firsts = [first_events(base, d, no_llm=True, until="done") for d in drafts[:20]]
        results["stream_no_llm"] = {
            "first_event_p50_ms": round(statistics.median(f["first_event_s"]
                                                          for f in firsts) * 1000, 1),
            "first_event_max_ms": round(max(f["first_event_s"] for f in firsts) * 1000, 1),
        }
        if not args.skip_model:
            text = ("Priya led the Q3 billing migration but she is sometimes careless with "
                    "code reviews. She should improve.")
            f = first_events(base, text, no_llm=False, until="critique")
            results["stream_model"] = {
                "first_event_ms": round(f["first_event_s"] * 1000, 1),
                "first_model_token_ms": round(f.get("until_s", float("nan")) * 1000, 1),
            }
            thinks: list[float | None] = [None, *(float(x) for x in args.thinks.split(","))]
            results["first_model_token"] = first_model_tokens(
                base, _drafts(200)[60:], thinks, args.model_drafts)
        results["rss_after_load_mb"] = _rss_mb(proc.pid)
        results["machine"]["load_avg_at_end"] = os.getloadavg()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    out = ROOT / "bench/results/api.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"start to ready: {results['start_to_ready_s']} s ({results['readyz']}); "
          f"RSS {results['rss_after_load_mb']}")
    print(f"{'clients':>7} | {'critique req/s':>14} {'p50':>7} {'p95':>7} {'err':>4} | "
          f"{'bare req/s':>10} {'p50':>7} {'p95':>7} | ratio | server CPU ms/req")
    for row in results["load"]:
        a, b = row["critique_no_llm"], row["bare"]
        print(f"{row['concurrency']:>7} | {a['req_per_s']:>14} {a['p50_ms']:>7} {a['p95_ms']:>7} "
              f"{a['errors']:>4} | {b['req_per_s']:>10} {b['p50_ms']:>7} {b['p95_ms']:>7} | "
              f"{row['ratio_req_per_s']} | {a['server_cpu_ms_per_req']} / "
              f"{b['server_cpu_ms_per_req']}")
    print("stream (no_llm):", results["stream_no_llm"])
    if "stream_model" in results:
        print("stream (embedded model):", results["stream_model"])
        for key, row in results["first_model_token"].items():
            print(f"first model token, {key}: p50 {row['p50_s']} s {row['all_s']}")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
