"""HTTP API with the scripted model: every endpoint, every error, the limits."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import CRITIQUE_REPLY, DRAFT_EN, DRAFT_ZH, make_app, make_coach, parse_sse
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.deps import api_key_id, is_loopback, parse_api_keys
from api.limits import ModelQueue, RateLimiter
from api.main import create_app
from assistant.cli import app as cli_app
from assistant.config import Settings
from assistant.graph.nodes.critique import visible_critique
from assistant.llm.errors import ModelUnavailable
from assistant.llm.fake import ScriptedModel
from assistant.schemas import CritiqueResult

REWRITE_OK = (
    "Alice shipped the billing launch on time. In meetings, [describe what she did and its "
    "impact]. Next quarter, [agree one step]."
)


def client(app: Any, **kw: Any) -> TestClient:
    return TestClient(app, **kw)


def assert_error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert "Traceback" not in resp.text
    return body


# -- POST /v1/critique ---------------------------------------------------------------------


def test_critique_no_llm_matches_the_cli_result(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever)
    with client(app) as c:
        resp = c.post("/v1/critique", json={"text": DRAFT_EN, "rating": 5, "no_llm": True})
    assert resp.status_code == 200
    result = CritiqueResult.model_validate(resp.json())
    direct = make_coach(settings, retriever, None).critique(DRAFT_EN, rating=5, no_llm=True)
    assert result.schema_version == 1
    assert result.verdicts == direct.verdicts and result.findings == direct.findings
    assert result.verdicts.behavior_focused is False
    assert any(f.kind == "personality_label" and f.text for f in result.findings)
    assert result.rewrite and result.meta.rewrite_source == "placeholder"


def test_critique_with_the_model(settings: Settings, retriever: Any) -> None:
    app, model = make_app(settings, retriever, [CRITIQUE_REPLY, REWRITE_OK])
    with client(app) as c:
        body = c.post("/v1/critique", json={"text": DRAFT_EN}).json()
    assert body["critique"].startswith("Name one concrete moment")
    assert body["rewrite"] == REWRITE_OK and body["meta"]["rewrite_source"] == "model"
    assert body["meta"]["model_calls"] == 2 and body["degraded"] is False
    assert model is not None and [c.stream for c in model.calls] == [False, False]


def test_model_fault_is_200_degraded(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever, [ModelUnavailable("down")])
    with client(app) as c:
        resp = c.post("/v1/critique", json={"text": DRAFT_EN})
    assert resp.status_code == 200
    assert resp.json()["degraded"] is True
    assert resp.json()["rewrite"]  # the placeholder rewrite


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"json": {"text": "   \n"}}, 400, "empty_draft"),
        ({"json": {"text": "bad\x00draft"}}, 400, "invalid_draft"),
        ({"json": {"text": "x" * 20_001}}, 413, "draft_too_large"),
        ({"json": {"text": "ok", "rating": 7}}, 422, "invalid_request"),
        ({"json": {"text": "ok", "extra": 1}}, 422, "invalid_request"),
        ({"json": {}}, 422, "invalid_request"),
        ({"json": ["not", "an", "object"]}, 422, "invalid_request"),
        ({"content": b'{"text": "unterminated',
          "headers": {"content-type": "application/json"}}, 422, "invalid_json"),
        ({"content": b"x" * 300_000,
          "headers": {"content-type": "application/json"}}, 413, "payload_too_large"),
    ],
)
def test_critique_errors_have_one_shape(settings: Settings, retriever: Any,
                                        kwargs: dict[str, Any], status: int, code: str) -> None:
    app, _ = make_app(settings, retriever)
    with client(app) as c:
        assert_error(c.post("/v1/critique", **kwargs), status, code)


def test_not_found_and_method_not_allowed(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever)
    with client(app) as c:
        assert_error(c.get("/v1/nothing"), 404, "not_found")
        assert_error(c.get("/v1/critique"), 405, "method_not_allowed")


def test_unexpected_failure_is_500_without_a_trace(settings: Settings, retriever: Any) -> None:
    # A scripted model with no replies left raises AssertionError: not a model fault.
    app, _ = make_app(settings, retriever, [])
    with client(app, raise_server_exceptions=False) as c:
        body = assert_error(c.post("/v1/critique", json={"text": DRAFT_EN}), 500,
                            "internal_error")
    assert "ScriptedModel" not in body["error"]["message"]


# -- POST /v1/critique/stream ----------------------------------------------------------------


def stream(c: TestClient, payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    with c.stream("POST", "/v1/critique/stream", json=payload) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        return parse_sse(resp.read().decode())


def test_stream_events_in_order_with_deltas(settings: Settings, retriever: Any) -> None:
    app, model = make_app(settings, retriever, [CRITIQUE_REPLY, REWRITE_OK])
    with client(app) as c:
        events = stream(c, {"text": DRAFT_EN})
    names = [e for e, _ in events]
    assert names[0] == "analysis" and names[1] == "guidance" and names[-1] == "done"
    order = [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]
    assert order == ["analysis", "guidance", "critique", "development_actions", "rewrite", "done"]
    analysis = events[0][1]
    assert set(analysis) == {"language", "verdicts", "scores", "findings"}
    done = CritiqueResult.model_validate(events[-1][1])
    assert analysis["verdicts"] == done.verdicts.model_dump()
    # Critique: deltas of the prose only (no format labels), then the checked text.
    critique = [d for e, d in events if e == "critique"]
    streamed = "".join(d["delta"] for d in critique if "delta" in d)
    assert "CRITIQUE" not in streamed and "ACTION" not in streamed
    assert streamed.startswith("Name one concrete moment")
    assert critique[-1] == {"reset": True, "text": done.critique}
    # Rewrite: the deltas add up to the final rewrite.
    rewrite = "".join(d["delta"] for e, d in events if e == "rewrite" and "delta" in d)
    assert rewrite == done.rewrite == REWRITE_OK
    assert model is not None and [call.stream for call in model.calls] == [True, True]


def test_stream_analysis_comes_before_any_model_call(settings: Settings, retriever: Any) -> None:
    from api.streaming import graph_events

    model_calls_at: dict[str, int] = {}
    _, model = make_app(settings, retriever, [CRITIQUE_REPLY, REWRITE_OK])
    coach = make_coach(settings, retriever, model)
    assert model is not None
    for name, _ in graph_events(coach, text=DRAFT_EN, rating=None, no_llm=False):
        model_calls_at.setdefault(name, len(model.calls))
    assert model_calls_at["analysis"] == 0 and model_calls_at["guidance"] == 0
    assert model_calls_at["done"] == 2


def test_stream_tells_the_client_when_a_rewrite_is_rejected(settings: Settings,
                                                            retriever: Any) -> None:
    # Invented details and labels alone are repaired in place (see the next test); a
    # rewrite that drops the draft is not.
    invented = "Great work on the 47 deals in March 2023. Keep it up!"
    app, _ = make_app(settings, retriever, [CRITIQUE_REPLY, invented, invented])
    with client(app) as c:
        events = stream(c, {"text": DRAFT_EN})
    rewrite = [d for e, d in events if e == "rewrite"]
    assert {"reset": True, "text": "", "retry": True} in rewrite
    done = events[-1][1]
    assert done["meta"]["rewrite_source"] == "placeholder" and done["degraded"] is True
    # What the client shows after the last reset is the final rewrite.
    last_reset = max(i for i, d in enumerate(rewrite) if d.get("reset"))
    shown = rewrite[last_reset]["text"] + "".join(
        d.get("delta", "") for d in rewrite[last_reset + 1:])
    assert shown == done["rewrite"]
    assert "47" not in done["rewrite"]


def test_stream_resets_the_rewrite_when_verify_repairs_it(settings: Settings,
                                                          retriever: Any) -> None:
    """An invented name alone is replaced by a placeholder: the client gets the new text."""
    rewrite_reply = ("Alice and Bob shipped the billing launch on time. In meetings, "
                     "[example of what she did]. Next step: [what], by [date].")
    app, model = make_app(settings, retriever, [CRITIQUE_REPLY, rewrite_reply])
    with client(app) as c:
        events = stream(c, {"text": DRAFT_EN})
    done = events[-1][1]
    assert model is not None and len(model.calls) == 2
    assert done["meta"]["rewrite_source"] == "model"
    assert done["rewrite"] == rewrite_reply.replace("Alice and Bob", "Alice and [name]")
    rewrite = [d for e, d in events if e == "rewrite"]
    assert rewrite[-1] == {"reset": True, "text": done["rewrite"]}


def test_stream_no_llm_and_chinese(settings: Settings, retriever: Any) -> None:
    app, model = make_app(settings, retriever, [])
    with client(app) as c:
        events = stream(c, {"text": DRAFT_ZH, "no_llm": True})
    assert events[0][0] == "analysis" and events[0][1]["language"] == "zh"
    assert [e for e, _ in events][-1] == "done"
    assert any(e == "rewrite" and d.get("reset") for e, d in events)
    assert model is not None and model.calls == []


def test_stream_failure_is_an_error_event(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever, [])  # no replies left: AssertionError in the node
    with client(app) as c:
        events = stream(c, {"text": DRAFT_EN})
    assert events[0][0] == "analysis"
    assert events[-1] == ("error", {"error": {"code": "internal_error",
                                              "message": "coaching failed; try again"}})


def test_stream_validates_before_streaming(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever)
    with client(app) as c:
        assert_error(c.post("/v1/critique/stream", json={"text": ""}), 400, "empty_draft")
        assert_error(c.post("/v1/critique/stream", json={"text": "x" * 20_001}), 413,
                     "draft_too_large")


# -- POST /v1/critique/batch -----------------------------------------------------------------


def test_batch_in_order_with_item_errors(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever)
    items = [{"id": "a", "text": DRAFT_EN}, {"id": 7, "text": " "},
             {"text": DRAFT_ZH, "rating": 2}, {"id": "big", "text": "y" * 20_001}]
    with client(app) as c:
        body = c.post("/v1/critique/batch", json={"items": items, "no_llm": True}).json()
    assert body["failed"] == 2
    r = body["results"]
    assert r[0]["id"] == "a" and r[0]["schema_version"] == 1
    assert r[1] == {"index": 1, "id": 7,
                    "error": {"code": "empty_draft", "message": "the draft is empty"}}
    assert r[2]["language"] == "zh"
    assert r[3]["index"] == 3 and r[3]["error"]["code"] == "draft_too_large"


def test_batch_limits(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever)
    with client(app) as c:
        too_many = {"items": [{"text": "Good."}] * 501, "no_llm": True}
        assert_error(c.post("/v1/critique/batch", json=too_many), 422, "invalid_request")
        assert_error(c.post("/v1/critique/batch", json={"items": []}), 422, "invalid_request")
        ok = c.post("/v1/critique/batch", json={"items": [{"text": "Good."}] * 500,
                                                "no_llm": True})
    assert ok.status_code == 200 and len(ok.json()["results"]) == 500


def test_batch_with_the_model_degrades_per_item(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever, [ModelUnavailable("down"), ModelUnavailable("down")])
    with client(app) as c:
        body = c.post("/v1/critique/batch",
                      json={"items": [{"text": DRAFT_EN}, {"text": DRAFT_ZH}]}).json()
    assert body["failed"] == 0 and all(r["degraded"] for r in body["results"])


# -- GET /v1/guidance/search, health ---------------------------------------------------------


def test_guidance_search(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever)
    with client(app) as c:
        body = c.get("/v1/guidance/search", params={"q": "平衡的反馈", "k": 2}).json()
        assert body["query"] == "平衡的反馈"
        assert body["results"][0]["source"].startswith("guidance/")
        assert retriever.queries[-1] == "平衡的反馈"
        assert_error(c.get("/v1/guidance/search"), 422, "invalid_request")
        assert_error(c.get("/v1/guidance/search", params={"q": "x", "k": 11}), 422,
                     "invalid_request")
        assert_error(c.get("/v1/guidance/search", params={"q": "   "}), 400, "empty_query")


def test_guidance_search_without_a_store(settings: Settings) -> None:
    app, _ = make_app(settings, None)
    with client(app) as c:
        assert_error(c.get("/v1/guidance/search", params={"q": "x"}), 503, "not_ready")


def test_health_and_readiness(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever)
    with client(app) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        assert c.get("/readyz").json()["status"] == "ready"
        assert c.get("/openapi.json").json()["paths"]["/v1/critique/stream"]
        docs = c.get("/docs")
        assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
        assert "cdn" not in docs.text.lower()
        assert c.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_not_ready_until_the_coach_is_built(settings: Settings) -> None:
    app = create_app(settings)  # no lifespan run: the background start-up never happens
    c = client(app)
    assert c.get("/healthz").status_code == 200
    resp = assert_error(c.get("/readyz"), 503, "not_ready")
    assert "store" in resp["error"]["message"]
    r = c.post("/v1/critique", json={"text": DRAFT_EN, "no_llm": True})
    assert_error(r, 503, "not_ready")
    assert r.headers["retry-after"]


# -- API keys ----------------------------------------------------------------------------------


def test_api_keys(settings: Settings, retriever: Any) -> None:
    hashed = "sha256:" + hashlib.sha256(b"second-key").hexdigest()
    app, _ = make_app(settings, retriever, api_keys=f"first-key, {hashed}")
    payload = {"text": DRAFT_EN, "no_llm": True}
    with client(app) as c:
        r = assert_error(c.post("/v1/critique", json=payload), 401, "unauthorized")
        assert r and c.post("/v1/critique", json=payload).headers["www-authenticate"] == "Bearer"
        assert_error(c.post("/v1/critique", json=payload,
                            headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
        assert_error(c.post("/v1/critique", json=payload,
                            headers={"Authorization": "Basic Zmlyc3Qta2V5"}), 401,
                     "unauthorized")
        for key in ("first-key", "second-key"):
            ok = c.post("/v1/critique", json=payload, headers={"Authorization": f"Bearer {key}"})
            assert ok.status_code == 200
        assert_error(c.get("/v1/guidance/search", params={"q": "x"}), 401, "unauthorized")
        assert c.get("/healthz").status_code == 200 and c.get("/").status_code == 200


def test_api_key_id_is_stable_and_not_secret(settings: Settings, retriever: Any) -> None:
    from fastapi.security import HTTPAuthorizationCredentials

    app, _ = make_app(settings, retriever, api_keys="k1")
    service = app.state.service
    creds = HTTPAuthorizationCredentials(scheme="Bearer", credentials="k1")
    key_id = asyncio.run(api_key_id(service, creds))
    assert key_id == hashlib.sha256(b"k1").hexdigest()[:16] and "k1" not in key_id
    local, _ = make_app(settings, retriever)
    assert asyncio.run(api_key_id(local.state.service, None)) == "local"
    assert parse_api_keys(" a, ,sha256:ABC ") == {hashlib.sha256(b"a").hexdigest(), "abc"}


# -- limits ------------------------------------------------------------------------------------


def test_rate_limit_per_key(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever, api_keys="k1,k2", rate_limit_per_minute=1,
                      rate_limit_burst=2)
    payload = {"text": DRAFT_EN, "no_llm": True}
    h1, h2 = {"Authorization": "Bearer k1"}, {"Authorization": "Bearer k2"}
    with client(app) as c:
        assert c.post("/v1/critique", json=payload, headers=h1).status_code == 200
        assert c.post("/v1/critique", json=payload, headers=h1).status_code == 200
        r = c.post("/v1/critique", json=payload, headers=h1)
        assert_error(r, 429, "rate_limited")
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert c.post("/v1/critique", json=payload, headers=h2).status_code == 200


def test_rate_limiter_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=1, clock=lambda: now[0])
    assert limiter.acquire("k") == 0
    assert limiter.acquire("k") == pytest.approx(1.0)
    now[0] = 1.0
    assert limiter.acquire("k") == 0
    assert RateLimiter(per_minute=0, burst=0).acquire("k") == 0


def test_model_queue_is_bounded(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever, [CRITIQUE_REPLY, REWRITE_OK], model_queue_size=1)
    queue = app.state.service.queue
    queue.admit()
    queue.admit()  # one generating, one waiting: the queue is full
    with client(app) as c:
        for path in ("/v1/critique", "/v1/critique/stream"):
            r = c.post(path, json={"text": DRAFT_EN})
            assert_error(r, 503, "model_busy")
            assert r.headers["retry-after"]
        # Requests without the model never wait on the queue.
        assert c.post("/v1/critique", json={"text": DRAFT_EN, "no_llm": True}).status_code == 200
        queue.release()
        queue.release()
        assert c.post("/v1/critique", json={"text": DRAFT_EN}).status_code == 200
    assert queue.admitted == 0


def test_model_queue_runs_one_at_a_time() -> None:
    import asyncio

    queue = ModelQueue(size=2)
    running, peak = 0, 0

    async def job() -> None:
        nonlocal running, peak
        async with queue.slot():
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1

    async def main() -> None:
        await asyncio.gather(job(), job(), job())

    asyncio.run(main())
    assert peak == 1 and queue.admitted == 0


def test_cors_closed_by_default(settings: Settings, retriever: Any) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    app, _ = make_app(settings, retriever)
    with client(app) as c:
        r = c.options("/v1/critique", headers=preflight)
        assert "access-control-allow-origin" not in r.headers
    app, _ = make_app(settings, retriever, cors_origins="https://hr.example")
    with client(app) as c:
        r = c.options("/v1/critique", headers={**preflight, "Origin": "https://hr.example"})
        assert r.headers["access-control-allow-origin"] == "https://hr.example"


# -- the page ------------------------------------------------------------------------------------


def test_page_is_self_contained(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever)
    with client(app) as c:
        page = c.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert 'id="draft"' in page.text and 'data-requires-key="false"' in page.text
        for asset in ("/static/coach.js", "/static/coach.css"):
            assert c.get(asset).status_code == 200
    static = Path(__file__).resolve().parents[1] / "api"
    for f in [*static.glob("static/*"), *static.glob("templates/*")]:
        text = f.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, f
        if f.suffix == ".js":
            assert "innerHTML" not in text and "insertAdjacentHTML" not in text


# -- units ---------------------------------------------------------------------------------------


def test_visible_critique_hides_the_format() -> None:
    assert visible_critique("CRIT") == ""
    assert visible_critique("CRITIQUE: Be spec") == "Be spec"
    assert visible_critique("CRITIQUE: Good [1].\nACT") == "Good [1]."
    assert visible_critique("CRITIQUE: Good [1].\nACTION 1: x") == "Good [1]."


def test_serve_refuses_public_host_without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.config import get_settings

    monkeypatch.delenv("COACH_API_KEYS", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "COACH_API_KEYS" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5")


def test_no_model_worker_pool_gives_the_in_process_result(settings: Settings,
                                                          retriever: Any) -> None:
    import asyncio

    from api.workers import NoModelPool

    coach = make_coach(settings, retriever, None)
    coach.warm_guidance_cache()
    pool = NoModelPool(coach, 1, warm_up=DRAFT_EN)
    try:
        assert pool.wait_warm(timeout=60)  # the worker ran its warm-up critique
        got = asyncio.run(pool.critique_json(DRAFT_ZH, 2))
    finally:
        pool.shutdown()
    direct = coach.critique(DRAFT_ZH, rating=2, no_llm=True)
    result = CritiqueResult.model_validate_json(got)
    assert result.verdicts == direct.verdicts and result.findings == direct.findings
    assert result.rewrite == direct.rewrite


def test_a_killed_worker_leaves_the_pool_and_the_draft_is_still_analysed(
        settings: Settings, retriever: Any) -> None:
    import asyncio
    import os
    import signal

    from api.workers import NoModelPool

    coach = make_coach(settings, retriever, None)
    coach.warm_guidance_cache()
    pool = NoModelPool(coach, 2)
    try:
        assert pool.wait_warm(timeout=60)
        os.kill(pool._workers[0].process.pid, signal.SIGKILL)
        pool._workers[0].process.join(5)

        async def three() -> list[bytes]:
            return [await pool.critique_json(DRAFT_EN, None) for _ in range(3)]

        answers = asyncio.run(three())
        assert len(pool._workers) == 1  # the dead one was dropped, the other kept serving
        os.kill(pool._workers[0].process.pid, signal.SIGKILL)
        pool._workers[0].process.join(5)
        answers.append(asyncio.run(pool.critique_json(DRAFT_EN, None)))  # in-process now
        assert pool._workers == []
    finally:
        pool.shutdown()
    direct = coach.critique(DRAFT_EN, no_llm=True)
    for answer in answers:
        assert CritiqueResult.model_validate_json(answer).verdicts == direct.verdicts


def test_critique_route_uses_the_worker_pool(settings: Settings, retriever: Any) -> None:
    from api.workers import NoModelPool

    app, _ = make_app(settings, retriever)
    service = app.state.service
    service.pool = NoModelPool(service.coach, 1)
    items = [{"id": "a", "text": DRAFT_EN}, {"id": "b", "text": ""}, {"text": DRAFT_ZH}]
    try:
        with client(app) as c:
            body = c.post("/v1/critique", json={"text": DRAFT_EN, "no_llm": True}).json()
            batch = c.post("/v1/critique/batch", json={"items": items, "no_llm": True}).json()
    finally:
        service.pool.shutdown()
    assert body["schema_version"] == 1 and body["verdicts"]["behavior_focused"] is False
    assert batch["failed"] == 1
    assert [r.get("id") for r in batch["results"]] == ["a", "b", None]
    assert batch["results"][1]["error"]["code"] == "empty_draft"
    assert batch["results"][2]["language"] == "zh"


def test_stream_stops_the_model_when_the_client_goes_away(settings: Settings,
                                                          retriever: Any) -> None:
    import threading

    from api.streaming import graph_events

    class SlowModel(ScriptedModel):
        """Streams one word every 50 ms, like a model generating."""

        def stream(self, **kwargs: Any) -> Iterator[str]:
            for delta in super().stream(**kwargs):
                time.sleep(0.05)
                yield delta

    model = SlowModel([CRITIQUE_REPLY, REWRITE_OK])
    coach = make_coach(settings, retriever, model)
    cancel = threading.Event()
    events = []
    for name, data in graph_events(coach, text=DRAFT_EN, rating=None, no_llm=False,
                                   cancel=cancel):
        events.append((name, data))
        if name == "critique" and "delta" in data:
            cancel.set()  # the client disconnected after the first token
    done = events[-1][1]
    assert events[-1][0] == "done" and done["degraded"] is True
    assert sum(1 for e, d in events if e == "critique" and "delta" in d) <= 3
    assert len(model.calls) == 1  # no rewrite call after that
    assert done["meta"]["rewrite_source"] == "placeholder"


def test_stream_sends_the_analysis_while_the_model_is_busy(settings: Settings,
                                                           retriever: Any) -> None:
    import asyncio

    from api.streaming import event_stream, graph_events

    _, model = make_app(settings, retriever, [CRITIQUE_REPLY, REWRITE_OK])
    coach = make_coach(settings, retriever, model)
    queue = ModelQueue(size=1)

    async def run() -> list[str]:
        async with queue.slot():  # another request is generating
            queue.admit()
            frames = event_stream(
                lambda cancel, take_turn: graph_events(
                    coach, text=DRAFT_EN, rating=None, no_llm=False, cancel=cancel,
                    take_turn=take_turn),
                queue,
            )
            first = [await frames.__anext__(), await frames.__anext__()]
            assert model is not None and model.calls == []  # still waiting for its turn
        rest = [frame async for frame in frames]
        return [f.decode().split("\n", 1)[0] for f in [*first, *rest]]

    names = asyncio.run(run())
    assert names[:2] == ["event: analysis", "event: guidance"]
    assert names[-1] == "event: done"
    assert model is not None and len(model.calls) == 2 and queue.admitted == 0


# -- POST /v1/critique/prime ---------------------------------------------------------------


def _priming_app(settings: Settings, retriever: Any, **overrides: Any) -> tuple[Any, ScriptedModel]:
    settings = settings.model_copy(update=overrides)
    model = ScriptedModel([CRITIQUE_REPLY, REWRITE_OK], can_prime=True)
    return create_app(settings, coach=make_coach(settings, retriever, model)), model


def test_prime_reads_the_prompt_the_critique_then_sends(settings: Settings,
                                                        retriever: Any) -> None:
    app, model = _priming_app(settings, retriever)
    with client(app) as c:
        r = c.post("/v1/critique/prime", json={"text": DRAFT_EN, "rating": 2})
        assert r.status_code == 202 and r.json() == {"accepted": True, "reason": None}
        deadline = time.monotonic() + 5
        while not model.primed and time.monotonic() < deadline:
            time.sleep(0.01)
        events = parse_sse(c.post("/v1/critique/stream",
                                  json={"text": DRAFT_EN, "rating": 2}).text)
    assert events[-1][0] == "done"
    first = model.calls[0]
    assert model.primed == [(first.system, first.user)]  # exactly the critique's prompt


def test_prime_is_declined_without_a_model_that_keeps_a_cache(settings: Settings,
                                                             retriever: Any) -> None:
    for app in (make_app(settings, retriever, None)[0],  # no model at all
                make_app(settings, retriever, [CRITIQUE_REPLY])[0]):  # can_prime False
        with client(app) as c:
            r = c.post("/v1/critique/prime", json={"text": DRAFT_ZH})
        assert r.status_code == 202
        assert r.json() == {"accepted": False, "reason": "model_keeps_no_cache"}


def test_prime_is_declined_while_the_model_is_busy(settings: Settings, retriever: Any) -> None:
    app, model = _priming_app(settings, retriever)
    app.state.service.queue.admit()  # a critique is generating
    with client(app) as c:
        r = c.post("/v1/critique/prime", json={"text": DRAFT_EN})
    assert r.json() == {"accepted": False, "reason": "model_busy"}
    assert model.primed == []


def test_prime_checks_the_draft_and_the_key(settings: Settings, retriever: Any) -> None:
    app, model = _priming_app(settings, retriever, api_keys="k1", max_draft_chars=100)
    auth = {"Authorization": "Bearer k1"}
    with client(app) as c:
        assert_error(c.post("/v1/critique/prime", json={"text": DRAFT_EN}), 401, "unauthorized")
        assert_error(c.post("/v1/critique/prime", json={"text": "  "}, headers=auth),
                     400, "empty_draft")
        assert_error(c.post("/v1/critique/prime", json={"text": "x" * 101}, headers=auth),
                     413, "draft_too_large")
        assert_error(c.post("/v1/critique/prime", json={"text": DRAFT_EN, "rating": 9},
                            headers=auth), 422, "invalid_request")
    assert model.primed == []


def test_priming_has_its_own_rate_limit_bucket(settings: Settings, retriever: Any) -> None:
    app, _ = make_app(settings, retriever, api_keys="k1", rate_limit_per_minute=1,
                      rate_limit_burst=2)
    h1 = {"Authorization": "Bearer k1"}
    with client(app) as c:
        for _ in range(2):  # pauses while typing
            assert c.post("/v1/critique/prime", json={"text": DRAFT_EN}, headers=h1).status_code \
                == 202
        assert_error(c.post("/v1/critique/prime", json={"text": DRAFT_EN}, headers=h1),
                     429, "rate_limited")
        # ... and the critique that follows still has its whole budget.
        payload = {"text": DRAFT_EN, "no_llm": True}
        assert c.post("/v1/critique", json=payload, headers=h1).status_code == 200
        assert c.post("/v1/critique", json=payload, headers=h1).status_code == 200
