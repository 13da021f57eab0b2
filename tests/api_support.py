"""Helpers for the API tests: an app around a coach with a scripted model."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from coach_support import PERSONA_LINES, make_coach
from fastapi import FastAPI

from api.main import create_app
from assistant.config import Settings
from assistant.graph.context import Retriever
from assistant.llm.fake import ScriptedModel
from assistant.roleplay.service import RoleplayService

__all__ = ["PERSONA_LINES", "make_coach"]  # re-exported for the API tests

CRITIQUE_REPLY = (
    "CRITIQUE: Name one concrete moment and its impact [1]; replace the label with the "
    "behaviour you saw [2].\nACTION 1: Agree weekly check-ins on the launch plan"
)
DRAFT_EN = "Alice shipped the billing launch on time, but she is lazy in meetings."
DRAFT_ZH = "小王上个月按时完成了支付项目，但他工作态度不好，总是迟到。"


def make_app(
    settings: Settings,
    retriever: Retriever | None,
    replies: list[Any] | None = None,
    **overrides: Any,
) -> tuple[FastAPI, ScriptedModel | None]:
    """``create_app`` with an injected coach; ``replies=None`` means no model at all."""
    settings = settings.model_copy(update=overrides)
    model = ScriptedModel(replies) if replies is not None else None
    return create_app(settings, coach=make_coach(settings, retriever, model)), model


def make_roleplay(settings: Settings, replies: list[Any],
                  clock: Callable[[], float] = time.time) -> tuple[RoleplayService, ScriptedModel]:
    """A role-play service over ``settings.data_dir`` with a scripted model."""
    model = ScriptedModel(replies)
    return RoleplayService.from_settings(settings, model=model, clock=clock), model


def make_roleplay_app(
    settings: Settings,
    retriever: Retriever | None,
    replies: list[Any],
    clock: Callable[[], float] = time.time,
    **overrides: Any,
) -> tuple[FastAPI, ScriptedModel]:
    """``create_app`` with an injected role-play service whose model plays ``replies``
    (and a model-free coach)."""
    settings = settings.model_copy(update=overrides)
    rp, model = make_roleplay(settings, replies, clock)
    return create_app(settings, coach=make_coach(settings, retriever, None), roleplay=rp), model


def parse_sse(body: str) -> list[tuple[str, dict[str, Any]]]:
    """(event, data) pairs of an SSE body."""
    events = []
    for frame in body.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in frame.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events
