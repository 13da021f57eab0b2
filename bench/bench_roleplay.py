"""Role-play benchmark (issue #4; not a test): a scripted 6-turn manager conversation on two
scenarios (English, Chinese) with the configured model (the embedded one by default).

Per turn: latency of the whole turn, time to the first released reply text (streamed),
completion tokens, regenerations and fallbacks. Writes ``bench/results/roleplay.json``.

Run: ``.venv/bin/python bench/bench_roleplay.py [--turns N]`` (a few minutes of CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

CONVERSATIONS: list[dict[str, Any]] = [
    {
        "scenario": "disputes_rating",
        "language": "en",
        "rating": 2,
        "draft": "Jordan is careless and his reports are not great. He should improve his "
                 "attention to detail.",
        "turns": [
            "Thanks for meeting. How do you see this year?",
            "Your reports are not great.",
            "For example, the March client report had three wrong totals. What happened there?",
            "I can see this is frustrating for you.",
            "What would help you catch errors before a report goes out?",
            "Let's agree you will use a review checklist, and I'll check in with you every "
            "Friday starting next week.",
        ],
    },
    {
        "scenario": "gets_upset",
        "language": "zh",
        "rating": 2,
        "draft": "王磊最近态度消极，工作不够积极。希望他调整状态。",
        "turns": [
            "我们来聊聊这次的评估，你怎么看？",
            "你最近态度有问题。",
            "我能理解你的失望，谢谢你愿意说出来。",
            "比如上周三的周会上，你没有回复客户的两个工单。当时发生了什么？",
            "你觉得什么样的支持对你最有帮助？",
            "我们约定下周五前一起定一个计划，我每周一跟你沟通一次。",
        ],
    },
]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class TimedModel:
    """Wraps the gateway to time each stream's first token (before the guard's hold-back)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.first_token: list[float] = []

    def generate(self, **kwargs: Any) -> Any:
        return self.inner.generate(**kwargs)

    def stream(self, **kwargs: Any) -> Any:
        start = time.perf_counter()
        first = True
        for delta in self.inner.stream(**kwargs):
            if first:
                self.first_token.append(time.perf_counter() - start)
                first = False
            yield delta


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=6, help="manager turns per conversation")
    args = parser.parse_args()

    from assistant.config import get_settings
    from assistant.llm.gateway import LiteLLMGateway
    from assistant.roleplay.service import RoleplayService
    from assistant.roleplay.store import SqliteSessionStore

    settings = get_settings()
    model = TimedModel(LiteLLMGateway(settings))
    t0 = time.perf_counter()
    model.generate(system="Say OK.", user="OK?", max_tokens=2)  # load the model once
    load_s = time.perf_counter() - t0

    tmp = Path(tempfile.mkdtemp(prefix="bench-roleplay-"))
    svc = RoleplayService.from_settings(settings, model=model, prime=settings.roleplay_prime,
                                        store=SqliteSessionStore(tmp / "sessions.sqlite"))
    turns: list[dict[str, Any]] = []
    prime_waits: list[float] = []
    sessions: list[dict[str, Any]] = []
    for conv in CONVERSATIONS:
        created = svc.create_session(owner="bench", scenario=conv["scenario"],
                                     draft=conv["draft"], rating=conv["rating"],
                                     language=conv["language"])
        sid = created["session_id"]
        for i, message in enumerate(conv["turns"][: args.turns]):
            # A manager takes longer to type a line than the priming takes; wait for it so
            # the figures are per turn, as a person would experience them.
            t_prime = time.perf_counter()
            svc.wait_idle()
            prime_waits.append(time.perf_counter() - t_prime)
            start = time.perf_counter()
            first: float | None = None
            resets = 0
            done: dict[str, Any] = {}
            for event in svc.stream_turn(owner="bench", session_id=sid, message=message):
                if event["event"] == "delta" and first is None:
                    first = time.perf_counter() - start
                elif event["event"] == "reset":
                    resets += 1
                elif event["event"] == "done":
                    done = event
            total = time.perf_counter() - start
            turns.append({
                "scenario": conv["scenario"], "language": conv["language"], "turn": i + 1,
                "message": message, "reply": done["reply"], "tags": done["tags"],
                "state": done["state"], "degraded": done["degraded"],
                "latency_s": round(total, 3),
                "first_text_s": round(first, 3) if first is not None else None,
                "resets": resets,
            })
            print(f"{conv['language']} t{i + 1}: {total:5.2f}s first {first or 0:5.2f}s "
                  f"{'FALLBACK ' if done['degraded'] else ''}{done['reply']}", flush=True)
        session = svc.get_session(owner="bench", session_id=sid)
        debrief = svc.debrief(owner="bench", session_id=sid, prose=False)
        sessions.append({"scenario": conv["scenario"], "language": conv["language"],
                         **session["stats"], "scores": debrief.scores})
    latencies = [t["latency_s"] for t in turns]
    firsts = [t["first_text_s"] for t in turns if t["first_text_s"] is not None]
    result = {
        "model": settings.model,
        "n_threads": settings.n_threads,
        "max_tokens": settings.roleplay_max_tokens,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_1m": os.getloadavg()[0]},
        "model_load_s": round(load_s, 2),
        "turns": len(turns),
        "turn_latency_s": {"p50": round(statistics.median(latencies), 2),
                           "p95": round(_pct(latencies, 0.95), 2), "max": max(latencies)},
        "first_text_s": {"p50": round(statistics.median(firsts), 2),
                         "p95": round(_pct(firsts, 0.95), 2)} if firsts else None,
        "first_model_token_s": {"p50": round(statistics.median(model.first_token), 2),
                                 "p95": round(_pct(model.first_token, 0.95), 2)},
        "priming": {"enabled": svc.prime,
                    "wait_before_turn_s_p50": round(statistics.median(prime_waits), 2)},
        "completion_tokens": sum(s["completion_tokens"] for s in sessions),
        "model_calls": sum(s["model_calls"] for s in sessions),
        "regenerations": sum(s["regenerations"] for s in sessions),
        "fallbacks": sum(s["fallbacks"] for s in sessions),
        "rejected_by_reason": {r: sum(s["rejected"].count(r) for s in sessions)
                               for r in sorted({r for s in sessions for r in s["rejected"]})},
        "sessions": sessions,
        "per_turn": turns,
    }
    out = ROOT / "bench" / "results" / "roleplay.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k not in ("per_turn", "sessions")},
                     indent=2))
    svc.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
