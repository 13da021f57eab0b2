"""The names of the manager's moves, shared by the tagger, the persona and the debrief."""

from __future__ import annotations

from typing import Literal

MoveTag = Literal[
    "open_question",
    "acknowledges_feelings",
    "cites_evidence",
    "personality_label",
    "dismisses_or_interrupts",
    "next_step_owner_date",
    "next_step_partial",
    "vague_claim",
    "instruction_to_ai",
]
"""One move in a manager turn. ``next_step_partial``: a step without an owner or a date;
``instruction_to_ai``: text addressed to a model (it is treated as in-world speech)."""

MOVE_TAGS: tuple[MoveTag, ...] = (
    "open_question",
    "acknowledges_feelings",
    "cites_evidence",
    "personality_label",
    "dismisses_or_interrupts",
    "next_step_owner_date",
    "next_step_partial",
    "vague_claim",
    "instruction_to_ai",
)

POSITIVE_TAGS: frozenset[MoveTag] = frozenset(
    {"open_question", "acknowledges_feelings", "cites_evidence", "next_step_owner_date"}
)
NEGATIVE_TAGS: frozenset[MoveTag] = frozenset(
    {"personality_label", "dismisses_or_interrupts", "vague_claim"}
)
