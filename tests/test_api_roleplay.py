"""``/v1/roleplay`` with the scripted model: every endpoint, every error, owner scoping,
expiry, the model queue, streaming, and a session resumed by a restarted app."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import pytest
from api_support import PERSONA_LINES, make_roleplay, make_roleplay_app, parse_sse
from fastapi.testclient import TestClient
from test_api import assert_error

from api.main import create_app, expire_sessions
from assistant.config import Settings
from assistant.llm.errors import ModelUnavailable

DRAFT = "Jordan is lazy. He always misses deadlines. He should improve communication."
OPEN = "How do you see this year overall?"
EVIDENCE = ("For example, in the March 3 client meeting the status report arrived two days "
            "late. What got in the way?")
LEAK = ("Which projects do you mean, and by the way my system prompt says my hidden concern "
        "is money.")
BASE = "/v1/roleplay"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def start(c: TestClient, headers: dict[str, str] | None = None, **body: Any) -> str:
    payload = {"scenario": "disputes_rating", **body}
    resp = c.post(f"{BASE}/sessions", json=payload, headers=headers)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["session_id"])


def sse(c: TestClient, sid: str, message: str) -> list[tuple[str, dict[str, Any]]]:
    with c.stream("POST", f"{BASE}/sessions/{sid}/turns/stream",
                  json={"message": message}) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        return parse_sse(resp.read().decode())


# -- scenarios and sessions ------------------------------------------------------------------


def test_scenarios_in_both_languages(settings: Settings, retriever: Any) -> None:
    app, _ = make_roleplay_app(settings, retriever, [])
    with TestClient(app) as c:
        every = c.get(f"{BASE}/scenarios").json()
        zh = c.get(f"{BASE}/scenarios", params={"language": "zh"}).json()
        assert_error(c.get(f"{BASE}/scenarios", params={"language": "fr"}), 422,
                     "invalid_request")
    ids = {s["id"] for s in every}
    assert {"disputes_rating", "gets_upset", "goes_silent"} <= ids
    assert {s["language"] for s in every} == {"en", "zh"} and len(every) == 2 * len(ids)
    assert all(s["language"] == "zh" and s["title"] for s in zh) and len(zh) == len(ids)
    assert set(every[0]) == {"id", "title", "language", "persona"}


def test_create_session_and_transcript(settings: Settings, retriever: Any) -> None:
    app, model = make_roleplay_app(settings, retriever, [])
    with TestClient(app) as c:
        resp = c.post(f"{BASE}/sessions", json={"scenario": "gets_upset", "draft": DRAFT,
                                                "rating": 2, "language": "zh"})
        assert resp.status_code == 201
        body = resp.json()
        assert set(body) == {"session_id", "scenario", "language", "opening", "state"}
        assert len(body["session_id"]) >= 32 and body["language"] == "zh"
        assert body["opening"] and set(body["state"]) == {"trust", "stress"}
        other = start(c)
        assert other != body["session_id"]
        got = c.get(f"{BASE}/sessions/{body['session_id']}").json()
    assert got["scenario"] == "gets_upset" and got["draft"] == DRAFT and got["rating"] == 2
    assert got["transcript"] == [{
        "speaker": "persona", "text": body["opening"], "at": got["transcript"][0]["at"],
        "state": body["state"], "tags": None, "hint": None, "stance": "push_back",
        "source": "opening",
    }]
    assert model.calls == []  # creating a session never uses the model


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"json": {"scenario": "no_such_scenario"}}, 404, "scenario_not_found"),
        ({"json": {"scenario": "disputes_rating", "rating": 7}}, 422, "invalid_request"),
        ({"json": {"scenario": "disputes_rating", "language": "fr"}}, 422, "invalid_request"),
        ({"json": {"scenario": "disputes_rating", "extra": 1}}, 422, "invalid_request"),
        ({"json": {"scenario": "disputes_rating", "draft": "x\x00y"}}, 422, "invalid_input"),
        ({"json": {"scenario": "disputes_rating", "draft": "x" * 20_001}}, 422,
         "invalid_request"),
        ({"json": {}}, 422, "invalid_request"),
        ({"content": b'{"scenario": "disputes_rating"',
          "headers": {"content-type": "application/json"}}, 422, "invalid_json"),
    ],
)
def test_create_session_errors(settings: Settings, retriever: Any, kwargs: dict[str, Any],
                               status: int, code: str) -> None:
    app, _ = make_roleplay_app(settings, retriever, [])
    with TestClient(app) as c:
        assert_error(c.post(f"{BASE}/sessions", **kwargs), status, code)


# -- turns -----------------------------------------------------------------------------------


def test_turns_move_the_state_and_are_kept(settings: Settings, retriever: Any) -> None:
    app, model = make_roleplay_app(settings, retriever, PERSONA_LINES[:2])
    with TestClient(app) as c:
        sid = start(c, draft=DRAFT, rating=2)
        first = c.post(f"{BASE}/sessions/{sid}/turns", json={"message": OPEN}).json()
        second = c.post(f"{BASE}/sessions/{sid}/turns", json={"message": EVIDENCE}).json()
        got = c.get(f"{BASE}/sessions/{sid}").json()
    assert set(first) == {"reply", "hint", "tags", "state", "degraded"}
    assert first["reply"] == PERSONA_LINES[0] and first["degraded"] is False
    assert "open_question" in first["tags"] and first["hint"]
    assert "cites_evidence" in second["tags"]
    assert second["state"]["trust"] > first["state"]["trust"]
    assert [line["speaker"] for line in got["transcript"]] == [
        "persona", "manager", "persona", "manager", "persona"]
    assert got["transcript"][3]["text"] == EVIDENCE
    assert got["transcript"][3]["hint"] == second["hint"]
    assert got["transcript"][4]["text"] == second["reply"]
    assert got["state"] == second["state"] and got["stats"]["model_calls"] == 2
    assert len(model.calls) == 2 and all(call.stream for call in model.calls)


def test_model_fault_is_an_in_character_fallback(settings: Settings, retriever: Any) -> None:
    app, _ = make_roleplay_app(settings, retriever, [ModelUnavailable("down")])
    with TestClient(app) as c:
        sid = start(c)
        resp = c.post(f"{BASE}/sessions/{sid}/turns", json={"message": OPEN})
    assert resp.status_code == 200
    body = resp.json()
    assert body["degraded"] is True and body["reply"] and body["hint"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"json": {"message": "   "}}, "invalid_input"),
        ({"json": {"message": "x" * 2_001}}, "invalid_input"),
        ({"json": {"message": "a\x00b"}}, "invalid_input"),
        ({"json": {}}, "invalid_request"),
        ({"json": {"message": 3}}, "invalid_request"),
        ({"content": b'{"message": "unterminated',
          "headers": {"content-type": "application/json"}}, "invalid_json"),
    ],
)
@pytest.mark.parametrize("path", ["turns", "turns/stream"])
def test_turn_errors(settings: Settings, retriever: Any, kwargs: dict[str, Any], code: str,
                     path: str) -> None:
    app, model = make_roleplay_app(settings, retriever, [])
    with TestClient(app) as c:
        sid = start(c)
        body = assert_error(c.post(f"{BASE}/sessions/{sid}/{path}", **kwargs), 422, code)
        if "message" in kwargs.get("json", {}) and len(str(kwargs["json"]["message"])) > 2000:
            assert "2,000" in body["error"]["message"]
        assert c.get(f"{BASE}/sessions/{sid}").json()["transcript"][-1]["source"] == "opening"
    assert model.calls == []


def test_message_limit_is_configurable(settings: Settings, retriever: Any) -> None:
    app, _ = make_roleplay_app(settings, retriever, PERSONA_LINES[:1],
                               roleplay_max_message_chars=40)
    with TestClient(app) as c:
        sid = start(c)
        assert_error(c.post(f"{BASE}/sessions/{sid}/turns", json={"message": "y" * 41}), 422,
                     "invalid_input")
        assert c.post(f"{BASE}/sessions/{sid}/turns", json={"message": OPEN}).status_code == 200


# -- streaming ------------------------------------------------------------------------------


def test_stream_event_order(settings: Settings, retriever: Any) -> None:
    app, _ = make_roleplay_app(settings, retriever, PERSONA_LINES[:1])
    with TestClient(app) as c:
        sid = start(c)
        events = sse(c, sid, OPEN)
        got = c.get(f"{BASE}/sessions/{sid}").json()
    names = [name for name, _ in events]
    assert names[0] == "turn" and names[-1] == "done"
    assert set(names[1:-1]) == {"delta"} and len(names) > 3
    turn, done = events[0][1], events[-1][1]
    assert set(turn) == {"hint", "tags", "state"} and "open_question" in turn["tags"]
    assert "".join(d["text"] for n, d in events if n == "delta") == done["reply"]
    assert done == {"reply": PERSONA_LINES[0], "hint": turn["hint"], "tags": turn["tags"],
                    "state": turn["state"], "degraded": False}
    assert got["transcript"][-1]["text"] == done["reply"]  # saved before done was sent


def test_stream_reset_when_a_shown_reply_is_rejected(settings: Settings,
                                                     retriever: Any) -> None:
    app, model = make_roleplay_app(settings, retriever, [LEAK, PERSONA_LINES[1]])
    with TestClient(app) as c:
        sid = start(c)
        events = sse(c, sid, OPEN)
    names = [name for name, _ in events]
    reset = names.index("reset")
    assert names[0] == "turn" and names[-1] == "done" and 1 < reset < len(names) - 2
    assert "delta" in names[1:reset] and "delta" in names[reset + 1:-1]
    shown_after = "".join(d["text"] for n, d in events[reset + 1:] if n == "delta")
    assert shown_after == events[-1][1]["reply"] == PERSONA_LINES[1]
    assert "hidden concern" not in "".join(d.get("text", "") for _, d in events)
    assert len(model.calls) == 2


def test_stream_failure_is_an_error_event(settings: Settings, retriever: Any) -> None:
    app, _ = make_roleplay_app(settings, retriever, [])  # no reply left: not a model fault
    with TestClient(app) as c:
        sid = start(c)
        events = sse(c, sid, OPEN)
    assert events[0][0] == "turn"
    assert events[-1] == ("error", {"error": {"code": "internal_error",
                                              "message": "coaching failed; try again"}})


def test_stream_sends_the_hint_while_the_model_is_busy(settings: Settings,
                                                       retriever: Any) -> None:
    """The ``turn`` event (code only) goes out at once; the reply waits for the queue."""
    from api.routes.roleplay import turn_stream
    from api.schemas import RoleplayTurnCreate

    app, model = make_roleplay_app(settings, retriever, PERSONA_LINES[:1])
    service = app.state.service
    rp = service.roleplay
    sid = rp.create_session(owner="local", scenario="disputes_rating")["session_id"]

    async def run() -> list[str]:
        async with service.queue.slot():  # another request is generating
            response = await turn_stream(sid, RoleplayTurnCreate(message=OPEN), rp, service,
                                         "local")
            frames = cast(AsyncIterator[bytes], response.body_iterator)
            first = await frames.__anext__()
            await asyncio.sleep(0.2)
            assert model.calls == []  # still waiting for its turn
        rest = [frame async for frame in frames]
        return [bytes(f).decode().split("\n", 1)[0] for f in [first, *rest]]

    lines = asyncio.run(run())
    assert lines[0] == "event: turn" and lines[-1] == "event: done"
    assert len(model.calls) == 1 and service.queue.admitted == 0
    rp.close()


def test_a_drained_stream_runs_to_its_end_after_the_client_left() -> None:
    """A role-play turn is finished (and saved) even when nobody reads the rest."""
    from api.streaming import event_stream

    finished = threading.Event()

    def events(cancel: threading.Event, _take_turn: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        for i in range(5):
            if i == 1:
                assert cancel.wait(5)  # the client goes away after the first frame
            yield "delta", {"text": str(i)}
        finished.set()

    async def run(drain: bool) -> None:
        frames = event_stream(events, drain=drain)
        await frames.__anext__()
        await cast(Any, frames).aclose()

    asyncio.run(run(drain=True))
    assert finished.is_set()
    finished.clear()
    asyncio.run(run(drain=False))  # the critique stream stops instead
    assert not finished.is_set()


# -- owners, deletion, expiry ------------------------------------------------------------------


def test_sessions_are_visible_only_to_their_key(settings: Settings, retriever: Any) -> None:
    app, model = make_roleplay_app(settings, retriever, PERSONA_LINES[:2], api_keys="k1,k2")
    h1, h2 = {"Authorization": "Bearer k1"}, {"Authorization": "Bearer k2"}
    with TestClient(app) as c:
        assert_error(c.post(f"{BASE}/sessions", json={"scenario": "disputes_rating"}), 401,
                     "unauthorized")
        sid = start(c, headers=h1)
        url = f"{BASE}/sessions/{sid}"
        for method, path, body in [("GET", "", None), ("POST", "/turns", {"message": OPEN}),
                                   ("POST", "/turns/stream", {"message": OPEN}),
                                   ("POST", "/debrief", None), ("DELETE", "", None)]:
            resp = c.request(method, url + path, json=body, headers=h2)
            assert_error(resp, 404, "session_not_found")
        assert model.calls == []
        # The owner still has it, untouched.
        assert c.post(f"{url}/turns", json={"message": OPEN}, headers=h1).status_code == 200
        assert len(c.get(url, headers=h1).json()["transcript"]) == 3
        # An unknown id looks exactly like someone else's session.
        unknown = c.get(f"{BASE}/sessions/{'A' * 32}", headers=h1)
        assert unknown.json() == c.get(url, headers=h2).json()


def test_deleted_session_is_gone(settings: Settings, retriever: Any) -> None:
    app, _ = make_roleplay_app(settings, retriever, PERSONA_LINES[:1])
    with TestClient(app) as c:
        sid = start(c)
        url = f"{BASE}/sessions/{sid}"
        assert c.post(f"{url}/turns", json={"message": OPEN}).status_code == 200
        resp = c.delete(url)
        assert resp.status_code == 204 and resp.content == b""
        for method, path, body in [("GET", "", None), ("POST", "/turns", {"message": OPEN}),
                                   ("POST", "/turns/stream", {"message": OPEN}),
                                   ("POST", "/debrief", None), ("DELETE", "", None)]:
            assert_error(c.request(method, url + path, json=body), 404, "session_not_found")


def test_idle_sessions_expire(settings: Settings, retriever: Any) -> None:
    clock = Clock()
    app, _ = make_roleplay_app(settings, retriever, [], clock=clock, session_idle_minutes=10)
    service = app.state.service
    with TestClient(app) as c:
        read_only, idle = start(c), start(c)
        clock.now += 9 * 60
        assert c.get(f"{BASE}/sessions/{read_only}").status_code == 200
        clock.now += 2 * 60
        # Refused on access at once, before any sweep.
        assert_error(c.get(f"{BASE}/sessions/{idle}"), 404, "session_not_found")
        fresh = start(c)

    async def sweep_once() -> None:
        task = asyncio.create_task(expire_sessions(service, every_s=3600))
        await asyncio.sleep(0.3)
        task.cancel()

    rp, _ = make_roleplay(settings.model_copy(update={"session_idle_minutes": 10}), [],
                          clock)
    service.roleplay = rp
    asyncio.run(sweep_once())
    # Reading is not activity: both are past the idle time now.
    assert rp.store.get(read_only) is None and rp.store.get(idle) is None
    assert rp.store.get(fresh) is not None
    rp.close()


# -- debrief ------------------------------------------------------------------------------------


def test_debrief(settings: Settings, retriever: Any) -> None:
    good = [OPEN, "I can see this is frustrating for you.", EVIDENCE,
            "Let's agree that you will send me a one-page plan by Friday, and I'll review it "
            "with you next Monday."]
    app, model = make_roleplay_app(settings, retriever,
                                   [*PERSONA_LINES[:4], "You listened and agreed a plan."])
    with TestClient(app) as c:
        sid = start(c, draft=DRAFT, rating=2)
        for message in good:
            assert c.post(f"{BASE}/sessions/{sid}/turns",
                          json={"message": message}).status_code == 200
        body = c.post(f"{BASE}/sessions/{sid}/debrief").json()
    assert body["session_id"] == sid and body["turns"] == 4
    assert set(body["scores"]) == {r["dimension"] for r in body["rubric"]}
    assert len(body["rubric"]) == 6 and all(1 <= v <= 5 for v in body["scores"].values())
    assert body["scores"]["next_steps_owner_date"] == 5
    quotes = [q["text"] for r in body["rubric"] for q in r["evidence"]]
    assert quotes and all(q in " ".join(good) for q in quotes)
    assert len(body["do_differently"]) == 3
    assert "by Friday" in body["revised_draft"] and "lazy" not in body["revised_draft"]
    assert body["development_plan"]
    assert body["summary"] == "You listened and agreed a plan." and body["degraded"] is False
    assert len(model.calls) == 5


def test_debrief_without_turns_uses_no_model(settings: Settings, retriever: Any) -> None:
    app, model = make_roleplay_app(settings, retriever, [], model_queue_size=0)
    queue = app.state.service.queue
    queue.admit()  # the model is busy and nobody may wait: only model calls are refused
    with TestClient(app) as c:
        sid = start(c, language="zh")
        body = c.post(f"{BASE}/sessions/{sid}/debrief").json()
    assert body["language"] == "zh" and body["turns"] == 0 and body["summary"] is None
    assert model.calls == []
    queue.release()


# -- the model queue ------------------------------------------------------------------------------


def test_model_queue_full_is_503(settings: Settings, retriever: Any) -> None:
    app, model = make_roleplay_app(settings, retriever, PERSONA_LINES[:2], model_queue_size=1)
    queue = app.state.service.queue
    with TestClient(app) as c:
        sid = start(c)
        assert c.post(f"{BASE}/sessions/{sid}/turns", json={"message": OPEN}).status_code == 200
        queue.admit()
        queue.admit()  # one generating, one waiting: full
        for path, body in [("turns", {"message": OPEN}), ("turns/stream", {"message": OPEN}),
                           ("debrief", None)]:
            resp = c.post(f"{BASE}/sessions/{sid}/{path}", json=body)
            assert_error(resp, 503, "model_busy")
            assert int(resp.headers["retry-after"]) > 0
        # Calls without the model never wait on the queue; bad input is not queued either.
        assert c.get(f"{BASE}/sessions/{sid}").status_code == 200
        assert start(c)
        assert_error(c.post(f"{BASE}/sessions/{sid}/turns", json={"message": ""}), 422,
                     "invalid_input")
        assert_error(c.post(f"{BASE}/sessions/{'B' * 32}/turns", json={"message": OPEN}), 404,
                     "session_not_found")
        queue.release()
        queue.release()
        assert c.post(f"{BASE}/sessions/{sid}/turns", json={"message": OPEN}).status_code == 200
    assert queue.admitted == 0 and len(model.calls) == 2


# -- restart -----------------------------------------------------------------------------------


def test_session_resumes_in_a_new_app_instance(settings: Settings, retriever: Any) -> None:
    """Same COACH_DATA_DIR, a new process's worth of objects: the session goes on."""
    headers = {"Authorization": "Bearer k1"}
    first, _ = make_roleplay_app(settings, retriever, PERSONA_LINES[:1], api_keys="k1")
    with TestClient(first) as c:
        sid = start(c, headers=headers, draft=DRAFT, rating=2)
        before = c.post(f"{BASE}/sessions/{sid}/turns", json={"message": OPEN},
                        headers=headers).json()
        transcript = c.get(f"{BASE}/sessions/{sid}", headers=headers).json()["transcript"]
    first.state.service.roleplay.close()
    # A second app with its own service opens the same files.
    second, model = make_roleplay_app(settings, retriever, PERSONA_LINES[1:2], api_keys="k1")
    with TestClient(second) as c:
        got = c.get(f"{BASE}/sessions/{sid}", headers=headers).json()
        assert got["transcript"] == transcript and got["state"] == before["state"]
        assert got["draft"] == DRAFT
        after = c.post(f"{BASE}/sessions/{sid}/turns", json={"message": EVIDENCE},
                       headers=headers).json()
        assert after["reply"] == PERSONA_LINES[1]
        assert len(c.get(f"{BASE}/sessions/{sid}", headers=headers).json()["transcript"]) == 5
    # The scripted model saw the first turn in its prompt: the history came from disk.
    assert OPEN in model.calls[0].user


def test_service_built_from_settings_at_start_up(settings: Settings, retriever: Any) -> None:
    from api_support import make_coach

    app = create_app(settings, coach=make_coach(settings, retriever, None))
    assert app.state.service.roleplay is None
    with TestClient(app) as c:
        assert app.state.service.roleplay is not None
        sid = start(c)
        assert c.get(f"{BASE}/sessions/{sid}").status_code == 200
        paths = c.get("/openapi.json").json()["paths"]
    assert app.state.service.roleplay is None  # closed at shutdown
    with TestClient(app) as c:  # started again: a new service over the same store
        assert c.get(f"{BASE}/sessions/{sid}").status_code == 200
    assert {f"{BASE}/scenarios", f"{BASE}/sessions", f"{BASE}/sessions/{{session_id}}",
            f"{BASE}/sessions/{{session_id}}/turns", f"{BASE}/sessions/{{session_id}}/turns/stream",
            f"{BASE}/sessions/{{session_id}}/debrief"} <= set(paths)


def test_broken_session_store_is_503_not_500(settings: Settings, retriever: Any) -> None:
    from api_support import make_coach

    broken = settings.model_copy(update={"sessions_url": "mysql://nowhere/db"})
    app = create_app(broken, coach=make_coach(broken, retriever, None))
    with TestClient(app) as c:
        resp = assert_error(c.get(f"{BASE}/scenarios"), 503, "not_ready")
        assert "role-play" in resp["error"]["message"]
        assert c.get("/healthz").status_code == 200


# -- the page ------------------------------------------------------------------------------------


def test_roleplay_page(settings: Settings, retriever: Any) -> None:
    app, _ = make_roleplay_app(settings, retriever, [])
    with TestClient(app) as c:
        page = c.get("/roleplay")
        index = c.get("/")
        assert c.get("/static/roleplay.js").status_code == 200
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert 'value="disputes_rating"' in page.text and 'id="message"' in page.text
    assert 'data-requires-key="false"' in page.text
    assert 'href="/roleplay"' in index.text
