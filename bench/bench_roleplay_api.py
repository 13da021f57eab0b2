"""Role-play over HTTP (not a test): a real ``coach serve`` with the configured model (the
embedded one by default), one scripted English conversation through the streaming endpoint,
then the debrief.

Per turn, seen by the HTTP client: time to the ``turn`` event (hint and state, computed in
code), to the first reply ``delta``, and to ``done``. Also: creating the session, the
debrief, the server's start until its first role-play answer and until ``/readyz`` (the
conversation starts after that, in steady state). Writes ``bench/results/roleplay_api.json``.

Run: ``.venv/bin/python bench/bench_roleplay_api.py [--turns N]`` (a minute or two of CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
TURNS = [
    "Thanks for meeting. How do you see this year?",
    "Your reports are not great.",
    "For example, the March client report had three wrong totals. What happened there?",
    "I can see this is frustrating for you.",
    "What would help you catch errors before a report goes out?",
    "Let's agree you will use a review checklist, and I'll check in with you every Friday "
    "starting next week.",
]
DRAFT = ("Jordan is careless and his reports are not great. He should improve his attention "
         "to detail.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)


def _stream_turn(client: httpx.Client, sid: str, message: str) -> dict[str, Any]:
    started = time.perf_counter()
    marks: dict[str, float] = {}
    done: dict[str, Any] = {}
    resets = 0
    with client.stream("POST", f"/v1/roleplay/sessions/{sid}/turns/stream",
                       json={"message": message}) as resp:
        resp.raise_for_status()
        event = ""
        for line in resp.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
                marks.setdefault(event, time.perf_counter() - started)
                resets += event == "reset"
            elif line.startswith("data:") and event == "done":
                done = json.loads(line[5:])
    return {"turn_event_s": round(marks.get("turn", -1), 3),
            "first_delta_s": round(marks.get("delta", -1), 3),
            "done_s": round(marks.get("done", -1), 3), "resets": resets,
            "degraded": bool(done.get("degraded")), "reply": done.get("reply")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=4)
    args = parser.parse_args()
    port = _free_port()
    env = {**os.environ, "COACH_NO_LLM_WORKERS": "0", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    started = time.perf_counter()
    server = subprocess.Popen([str(ROOT / ".venv/bin/coach"), "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
            while True:
                try:
                    if client.get("/v1/roleplay/scenarios").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None:
                    raise SystemExit("the server exited during start-up")
                time.sleep(0.1)
            up_s = time.perf_counter() - started
            # Steady state: wait until start-up (store, warm-up, model load) is over.
            while client.get("/readyz").status_code != 200 and \
                    time.perf_counter() - started < 300:
                time.sleep(0.5)
            ready_s = time.perf_counter() - started
            t0 = time.perf_counter()
            created = client.post("/v1/roleplay/sessions", json={
                "scenario": "disputes_rating", "draft": DRAFT, "rating": 2}).json()
            create_s = time.perf_counter() - t0
            sid = created["session_id"]
            turns = []
            for message in TURNS[:args.turns]:
                time.sleep(2.0)  # a manager's typing time: lets the between-turn priming run
                turns.append(_stream_turn(client, sid, message))
                print(json.dumps(turns[-1], ensure_ascii=False), flush=True)
            t0 = time.perf_counter()
            debrief = client.post(f"/v1/roleplay/sessions/{sid}/debrief").json()
            debrief_s = time.perf_counter() - t0
            client.delete(f"/v1/roleplay/sessions/{sid}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    summary = {
        "model": os.environ.get("COACH_MODEL", "embedded (default)"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg": os.getloadavg()},
        "server_up_to_first_roleplay_answer_s": round(up_s, 2),
        "server_ready_s": round(ready_s, 2),
        "create_session_s": round(create_s, 3),
        "turn_event_s": {"p50": _pct([t["turn_event_s"] for t in turns], .5),
                         "max": max(t["turn_event_s"] for t in turns)},
        "first_delta_s": {"p50": _pct([t["first_delta_s"] for t in turns], .5),
                          "max": max(t["first_delta_s"] for t in turns)},
        "turn_done_s": {"p50": _pct([t["done_s"] for t in turns], .5),
                        "mean": round(statistics.mean(t["done_s"] for t in turns), 3),
                        "max": max(t["done_s"] for t in turns)},
        "degraded_turns": sum(t["degraded"] for t in turns),
        "resets": sum(t["resets"] for t in turns),
        "debrief_s": round(debrief_s, 2),
        "debrief_scores": debrief.get("scores"),
        "turns": turns,
    }
    out = ROOT / "bench" / "results" / "roleplay_api.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "turns"}, ensure_ascii=False,
                     indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
