"""Runtime dependencies of the role-play graph (LangGraph context, never module globals)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..config import Settings
from ..llm.gateway import ModelGateway
from ..prompts import PromptRenderer
from .scenario import Scenario


@dataclass(frozen=True)
class RoleplayContext:
    """What nodes may use. Tests build one with a ``ScriptedModel``."""

    settings: Settings
    prompts: PromptRenderer
    scenarios: Mapping[str, Scenario]
    model: ModelGateway | None = None
    clock: Callable[[], float] = time.time
    max_attempts: int = 2
    """Model attempts per turn before the in-character fallback line."""
    max_tokens: int = 60
    """Completion limit of a persona reply (short replies keep turns fast)."""
