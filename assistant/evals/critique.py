"""The labelled-draft case model shared by the critique, judge, rewrite and promptfoo code.

The suite itself is ``assistant/evals/suites/critique.py``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

LABELS = ("specific", "balanced", "actionable", "behavior_focused", "biased")


class Labels(BaseModel):
    """Gold labels for one draft (the five verdicts of the spec)."""

    model_config = ConfigDict(extra="forbid")

    specific: bool
    balanced: bool
    actionable: bool
    behavior_focused: bool
    biased: bool


class CritiqueCase(BaseModel):
    """One line of ``evals/datasets/critique*.jsonl``."""

    model_config = ConfigDict(extra="forbid")

    id: str
    language: Literal["en", "zh", "mixed"]
    text: str
    rating: int | None = None
    labels: Labels
    tags: list[str] = []
    note: str = ""
