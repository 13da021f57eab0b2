"""Role-play engine and service with the scripted model: persona state, debrief scores,
persistence across restarts (kill -9 included), owner scoping, expiry and deletion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from coach_support import PERSONA_LINES

from assistant.config import REPO_ROOT, Settings
from assistant.llm.errors import ModelUnavailable
from assistant.llm.fake import ScriptedModel
from assistant.roleplay.persona import update_state
from assistant.roleplay.scenario import load_scenarios
from assistant.roleplay.service import (
    InputError,
    RoleplayService,
    ScenarioNotFound,
    SessionNotFound,
)
from assistant.roleplay.tagging import tag_message

GOOD = [
    "Thanks for coming in. How do you see this year overall?",
    "I can see this is frustrating for you, and I appreciate you being honest.",
    "For example, in the March 3 client meeting the status report arrived two days late. "
    "What got in the way?",
    "That sounds really hard. What would help you most?",
    "Let's agree that you will send me a one-page plan by Friday, and I'll review it with you "
    "next Monday.",
]
BAD = [
    "Your work was not great this year.",
    "You're lazy and you always miss deadlines.",
    "Let me finish. That's not the point.",
    "Calm down, you're overreacting. The rating is final.",
    "You need to improve.",
]
DRAFT = "Jordan is lazy. He always misses deadlines. He should improve communication."


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def make_service(tmp_path: Path, replies: list[object] | None = None, *,
                 clock: Clock | None = None) -> tuple[RoleplayService, ScriptedModel]:
    model = ScriptedModel(replies or [])
    settings = Settings(data_dir=tmp_path / "data", model="embedded/test",
                        prompts_dir=REPO_ROOT / "prompts")
    svc = RoleplayService.from_settings(settings, model=model, clock=clock or Clock())
    return svc, model


def persona_lines(n: int) -> list[object]:
    return list(PERSONA_LINES[:n])


def test_update_state_is_pure_and_clamped() -> None:
    scenario = load_scenarios()["gets_upset"]
    state = {"trust": 98, "stress": 3}
    tags = tag_message("I can see this is hard. How do you see it?")
    up = update_state(state, tags, scenario)  # type: ignore[arg-type]
    assert up["trust"] == 100 and up["stress"] == 0
    assert state == {"trust": 98, "stress": 3}
    bad = tag_message("You're lazy. Calm down.")
    down = update_state({"trust": 2, "stress": 97}, bad, scenario)
    assert down == {"trust": 0, "stress": 100}


def test_good_conversation_builds_trust_and_scores_high(tmp_path: Path) -> None:
    svc, _ = make_service(tmp_path, [*persona_lines(len(GOOD)), "Well done: you listened."])
    created = svc.create_session(owner="k1", scenario="disputes_rating", draft=DRAFT, rating=2)
    start = created["state"]
    states = [svc.turn(owner="k1", session_id=created["session_id"], message=m)["state"]
              for m in GOOD]
    assert states[-1]["trust"] > start["trust"] + 20
    assert states[-1]["stress"] < start["stress"] - 20
    d = svc.debrief(owner="k1", session_id=created["session_id"])
    assert min(d.scores.values()) >= 4, d.scores
    assert d.scores["next_steps_owner_date"] == 5
    for r in d.rubric:
        assert r.evidence, r.dimension
        for q in r.evidence:
            assert q.text in " ".join(GOOD)
    assert len(d.do_differently) == 3
    # The revision keeps what the manager said (evidence and the agreed step), adds nothing.
    assert "March 3 client meeting" in d.revised_draft
    assert "by Friday" in d.revised_draft
    assert "[describe the behaviour you observed]" in d.revised_draft  # "lazy" replaced
    assert "lazy" not in d.revised_draft
    assert any("by Friday" in item for item in d.development_plan)
    assert d.summary == "Well done: you listened."


def test_bad_conversation_loses_trust_and_scores_low(tmp_path: Path) -> None:
    svc, _ = make_service(tmp_path, [*persona_lines(len(BAD)), "Keep practising."])
    created = svc.create_session(owner="k1", scenario="disputes_rating", draft=DRAFT, rating=2)
    start = created["state"]
    results = [svc.turn(owner="k1", session_id=created["session_id"], message=m) for m in BAD]
    assert results[-1]["state"]["trust"] < start["trust"] - 20
    assert results[-1]["state"]["stress"] > start["stress"] + 20
    assert "personality_label" in results[1]["tags"]
    assert results[1]["hint"].startswith('"')  # names the label it objects to
    d = svc.debrief(owner="k1", session_id=created["session_id"])
    assert max(d.scores.values()) <= 2, d.scores
    negative = [q for r in d.rubric for q in r.evidence if q.effect == "-"]
    assert any("lazy" in q.text for q in negative)
    assert len(d.do_differently) == 3
    # The advice quotes what the manager actually said.
    assert any('you said "' in tip for tip in d.do_differently), d.do_differently


GOOD_ZH = [
    "谢谢你来。你怎么看这一年的工作？",
    "我能理解你的失望，谢谢你愿意说出来。",
    "比如上周三的周会上，你没有回复客户的两个工单。当时发生了什么？",
    "听起来这段时间你压力很大。你觉得什么样的支持对你最有帮助？",
    "我们约定你下周五前把改进计划发给我，我每周一跟你沟通一次。",
]
BAD_ZH = [
    "你今年的表现不太好。",
    "你太懒了，总是拖延。",
    "别找借口了，听我说完。",
    "冷静一点，你想多了，结果已经定了。",
    "你需要改进。",
]
ZH_LINES = ["我不太同意。", "你指的是哪件事？", "最近家里事情比较多。", "也许吧，我想想。",
            "好，我可以做到。", "那我们写下来吧。"]


def test_chinese_good_and_bad_conversations(tmp_path: Path) -> None:
    results = {}
    for name, turns in (("good", GOOD_ZH), ("bad", BAD_ZH)):
        svc, _ = make_service(tmp_path / name, [*ZH_LINES[: len(turns)], "继续加油。"])
        created = svc.create_session(owner="k", scenario="gets_upset", language="zh",
                                     draft="王磊态度消极，工作不够积极。")
        last = [svc.turn(owner="k", session_id=created["session_id"], message=m)
                for m in turns][-1]
        results[name] = (created["state"], last["state"],
                         svc.debrief(owner="k", session_id=created["session_id"]))
    start, end, good = results["good"]
    assert end["trust"] > start["trust"] + 20 and end["stress"] < start["stress"] - 20
    assert min(good.scores.values()) >= 4, good.scores
    assert "下周五" in good.revised_draft and "[描述你观察到的具体行为]" in good.revised_draft
    start, end, bad = results["bad"]
    assert end["trust"] < start["trust"] - 20 and end["stress"] >= start["stress"] + 20
    assert max(bad.scores.values()) <= 2, bad.scores
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in tip) for tip in bad.do_differently)


def test_persona_pushes_back_on_the_draft(tmp_path: Path) -> None:
    svc, model = make_service(tmp_path, persona_lines(2))
    created = svc.create_session(owner="k1", scenario="disputes_rating", draft=DRAFT)
    sid = created["session_id"]
    svc.turn(owner="k1", session_id=sid, message="Let's go through your review.")
    # The draft's label "lazy" is what the persona challenges first: the prompt says so.
    assert "Jordan is lazy" in model.calls[0].user
    assert "feels judged as a person and pushes back" in model.calls[0].user
    svc.turn(owner="k1", session_id=sid, message="You always miss deadlines.")
    assert "asks what exactly is meant and when" in model.calls[1].user
    assert model.calls[1].temperature is None  # first attempt: the configured temperature
    # Append-only prompts: the second turn's prompt starts with the first one's transcript.
    first_transcript = model.calls[0].user.split("\n\n")[0]
    assert model.calls[1].user.startswith(first_transcript)
    assert model.calls[0].system == model.calls[1].system


def test_model_unavailable_falls_back_in_character(tmp_path: Path) -> None:
    svc, _ = make_service(tmp_path, [ModelUnavailable("down")])
    created = svc.create_session(owner="k1", scenario="gets_upset", language="zh")
    r = svc.turn(owner="k1", session_id=created["session_id"], message="你总是拖延。")
    assert r["degraded"] is True
    assert "总是" in r["reply"] and "？" in r["reply"]


def test_rejected_reply_is_regenerated(tmp_path: Path) -> None:
    svc, model = make_service(tmp_path, ["As an AI, I cannot feel upset.",
                                         "That is not how I remember it."])
    created = svc.create_session(owner="k1", scenario="gets_upset")
    events = list(svc.stream_turn(owner="k1", session_id=created["session_id"],
                                  message="How do you see it?"))
    done = events[-1]
    assert done["reply"] == "That is not how I remember it." and not done["degraded"]
    assert "Say something new" in model.calls[1].user  # the retry is told
    assert model.calls[1].temperature is not None and model.calls[1].temperature > 0.5
    assert events[0]["event"] == "turn"
    shown = "".join(e["text"] for e in events if e["event"] == "delta")
    assert "AI" not in shown


def test_streamed_reply_matches_final_reply(tmp_path: Path) -> None:
    svc, _ = make_service(tmp_path, ["Jordan: I did everything on my list, and more than that."])
    created = svc.create_session(owner="k1", scenario="disputes_rating")
    events = list(svc.stream_turn(owner="k1", session_id=created["session_id"],
                                  message="How do you see it?"))
    text = ""
    for e in events:
        if e["event"] == "reset":
            text = ""
        elif e["event"] == "delta":
            text += e["text"]
    assert text == events[-1]["reply"] == "I did everything on my list, and more than that."


def test_session_survives_restart(tmp_path: Path) -> None:
    svc, _ = make_service(tmp_path, persona_lines(2))
    created = svc.create_session(owner="k1", scenario="blames_others", draft=DRAFT)
    sid = created["session_id"]
    svc.turn(owner="k1", session_id=sid, message="How do you see the launch?")
    svc.close()
    svc2, _ = make_service(tmp_path, PERSONA_LINES[2:3])
    svc2.turn(owner="k1", session_id=sid, message="What got in the way?")
    session = svc2.get_session(owner="k1", session_id=sid)
    assert [e["speaker"] for e in session["transcript"]] == ["persona", "manager", "persona",
                                                             "manager", "persona"]
    assert session["draft"] == DRAFT


def test_turns_survive_kill_9(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import json, os, signal, sys
        from pathlib import Path
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from assistant.config import Settings
        from assistant.llm.fake import ScriptedModel
        from assistant.roleplay.service import RoleplayService
        svc = RoleplayService.from_settings(
            Settings(data_dir=Path({str(tmp_path / "data")!r}), model="embedded/test"),
            model=ScriptedModel(["First reply here.", "Second reply here."]))
        sid = svc.create_session(owner="k1", scenario="goes_silent")["session_id"]
        svc.turn(owner="k1", session_id=sid, message="How are you finding the work?")
        svc.turn(owner="k1", session_id=sid, message="What would help you most?")
        print(json.dumps({{"sid": sid}}), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    assert proc.returncode == -9, proc.stderr
    sid = json.loads(proc.stdout.strip().splitlines()[-1])["sid"]
    svc, _ = make_service(tmp_path)
    session = svc.get_session(owner="k1", session_id=sid)
    texts = [e["text"] for e in session["transcript"]]
    assert texts[1:] == ["How are you finding the work?", "First reply here.",
                         "What would help you most?", "Second reply here."]


def test_other_owner_gets_not_found(tmp_path: Path) -> None:
    svc, _ = make_service(tmp_path, persona_lines(1))
    sid = svc.create_session(owner="key-a", scenario="gets_upset")["session_id"]
    assert len(sid) >= 32
    for call in (
        lambda: svc.get_session(owner="key-b", session_id=sid),
        lambda: svc.turn(owner="key-b", session_id=sid, message="Hello?"),
        lambda: svc.stream_turn(owner="key-b", session_id=sid, message="Hello?"),
        lambda: svc.debrief(owner="key-b", session_id=sid),
        lambda: svc.delete_session(owner="key-b", session_id=sid),
        lambda: svc.get_session(owner="key-a", session_id="no-such-session"),
    ):
        with pytest.raises(SessionNotFound, match="no such session"):
            call()
    assert svc.get_session(owner="key-a", session_id=sid)["scenario"] == "gets_upset"


def test_expiry_and_deletion(tmp_path: Path) -> None:
    clock = Clock()
    svc, _ = make_service(tmp_path, persona_lines(1), clock=clock)
    old = svc.create_session(owner="k", scenario="gets_upset")["session_id"]
    clock.now += 60 * 60
    fresh = svc.create_session(owner="k", scenario="gets_upset")["session_id"]
    svc.turn(owner="k", session_id=fresh, message="How are you?")
    clock.now += 90 * 60  # old: idle 150 min > 120; fresh: 90 min
    assert svc.expire_idle() == [old]
    with pytest.raises(SessionNotFound):
        svc.get_session(owner="k", session_id=old)
    assert svc.get_session(owner="k", session_id=fresh)
    svc.delete_session(owner="k", session_id=fresh)
    with pytest.raises(SessionNotFound):
        svc.get_session(owner="k", session_id=fresh)
    # The checkpoints are gone too, not just the index row.
    config = {"configurable": {"thread_id": fresh}}
    assert svc.store.checkpointer.get_tuple(config) is None


def test_bad_input_gets_typed_errors(tmp_path: Path) -> None:
    svc, _ = make_service(tmp_path)
    with pytest.raises(ScenarioNotFound):
        svc.create_session(owner="k", scenario="nope")
    with pytest.raises(InputError):
        svc.create_session(owner="k", scenario="gets_upset", language="fr")
    with pytest.raises(InputError):
        svc.create_session(owner="k", scenario="gets_upset", rating=9)
    sid = svc.create_session(owner="k", scenario="gets_upset")["session_id"]
    for message in ("", "   ", "x" * 5000):
        with pytest.raises(InputError):
            svc.turn(owner="k", session_id=sid, message=message)
    assert {s.language for s in svc.list_scenarios()} == {"en", "zh"}
    assert all(s.language == "zh" for s in svc.list_scenarios(language="zh"))
    assert len(svc.list_scenarios(language="en")) >= 6


def test_store_settings(tmp_path: Path) -> None:
    from assistant.roleplay.store import SessionStoreError, SqliteSessionStore, open_store

    default = open_store(Settings(data_dir=tmp_path / "d"))
    assert isinstance(default, SqliteSessionStore)
    assert default.path == tmp_path / "d" / "sessions.sqlite"
    default.close()
    custom = open_store(Settings(data_dir=tmp_path / "d",
                                 sessions_url=f"sqlite:///{tmp_path / 'other.sqlite'}"))
    assert isinstance(custom, SqliteSessionStore) and custom.path.name == "other.sqlite"
    custom.close()
    with pytest.raises(SessionStoreError, match="unsupported"):
        open_store(Settings(data_dir=tmp_path, sessions_url="mysql://x"))
    try:
        import langgraph.checkpoint.postgres  # noqa: F401
    except ImportError:
        with pytest.raises(SessionStoreError, match=r"feedback-coach\[postgres\]"):
            open_store(Settings(data_dir=tmp_path, sessions_url="postgresql://u@127.0.0.1/db"))


def test_rating_must_be_a_real_integer(tmp_path: Path) -> None:
    svc, _ = make_service(tmp_path)
    for rating in (True, 0, 6, "3"):
        with pytest.raises(InputError, match="rating"):
            svc.create_session(owner="k", scenario="gets_upset", rating=rating)  # type: ignore[arg-type]
