"""Deterministic tagging of a manager's turn: which conversational moves it makes.

Rules live in ``tagging.yaml`` beside this module (regex lists per tag and language, both
languages applied to every message). Personality labels, vague verdicts and specific
evidence also come from the draft analyzer (``assistant.analyzer.analyze``), so the
role-play and the critique judge wording the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ..analyzer import analyze
from .tags import MOVE_TAGS, MoveTag

RULES_FILE = Path(__file__).parent / "tagging.yaml"
_FLAGS = re.IGNORECASE | re.ASCII | re.MULTILINE

# Rule groups in the YAML that are not tags themselves but parts of one.
_PARTS = ("step", "step_date", "step_owner")


@dataclass(frozen=True)
class TurnTags:
    """The moves found in one manager turn."""

    tags: tuple[MoveTag, ...]
    """In ``MOVE_TAGS`` order, no duplicates."""
    labels: tuple[str, ...] = ()
    """Personality labels the manager used (words from the message)."""
    vague: tuple[str, ...] = ()
    """Vague verdicts the manager used."""
    spans: dict[str, str] = field(default_factory=dict)
    """For each tag, the stretch of the message that triggered it (for the debrief)."""

    def has(self, tag: MoveTag) -> bool:
        """Whether the turn makes this move."""
        return tag in self.tags


@lru_cache(maxsize=1)
def _rules() -> dict[str, re.Pattern[str]]:
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    compiled: dict[str, re.Pattern[str]] = {}
    for name, langs in data.items():
        if name not in MOVE_TAGS and name not in _PARTS:
            raise ValueError(f"tagging.yaml: unknown rule group {name!r}")
        patterns = [p for lang in ("en", "zh") for p in langs.get(lang, [])]
        compiled[name] = re.compile("|".join(f"(?:{p})" for p in patterns), _FLAGS)
    return compiled


def _search(name: str, text: str) -> str | None:
    m = _rules()[name].search(text)
    return m.group().strip() if m else None


def find_vague(text: str) -> str | None:
    """The first vague verdict in ``text`` by the ``vague_claim`` rules, if any."""
    return _search("vague_claim", text)


def tag_message(message: str) -> TurnTags:
    """Tag one manager turn.

    Args:
        message: What the manager said, any mix of English and Chinese.

    Returns:
        The moves, with the words that triggered each.
    """
    found: dict[str, str] = {}
    analysis = analyze(message)
    labels = tuple(
        f.text for f in analysis.findings if f.kind == "personality_label" and f.text
    )
    vague = tuple(
        f.text for f in analysis.findings
        if f.kind in ("vague_language", "absolute_language") and f.text
    )
    injected = any(f.kind == "embedded_instruction" for f in analysis.findings)

    for name in ("open_question", "acknowledges_feelings", "cites_evidence",
                 "dismisses_or_interrupts", "vague_claim", "instruction_to_ai"):
        hit = _search(name, message)
        if hit:
            found[name] = hit
    if injected and "instruction_to_ai" not in found:
        found["instruction_to_ai"] = next(
            f.text or "" for f in analysis.findings if f.kind == "embedded_instruction"
        )
    if "cites_evidence" not in found:
        specific = next((c for c in analysis.clauses if c.specific), None)
        if specific is not None:
            found["cites_evidence"] = specific.text.strip()
    if labels:
        found["personality_label"] = labels[0]
    if vague and "vague_claim" not in found:
        found["vague_claim"] = vague[0]
    # A verdict backed by evidence in the same turn is not a vague claim.
    if "cites_evidence" in found and "vague_claim" in found:
        del found["vague_claim"]

    step = _search("step", message)
    if step:
        date = _search("step_date", message)
        owner = _search("step_owner", message)
        if date and owner:
            found["next_step_owner_date"] = f"{step} … {date}"
        else:
            found["next_step_partial"] = step
    tags = tuple(t for t in MOVE_TAGS if t in found)
    return TurnTags(tags=tags, labels=labels, vague=vague, spans={t: found[t] for t in tags})
