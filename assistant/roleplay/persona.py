"""The persona's state machine: trust and stress (0-100) updated in code from the manager's
moves, the stance the persona takes next, the live hint, and the deterministic in-character
fallback line. Pure functions: the model only voices the persona given this state.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

import yaml

from ..analyzer import analyze, split_sentences
from .scenario import Lang, Scenario, Stance, stance_lines
from .tagging import TurnTags, find_vague
from .tags import NEGATIVE_TAGS, POSITIVE_TAGS, MoveTag

HINTS_FILE = Path(__file__).parent / "hints.yaml"

DELTAS: dict[MoveTag, tuple[int, int]] = {
    "open_question": (5, -4),
    "acknowledges_feelings": (7, -8),
    "cites_evidence": (4, -3),
    "next_step_owner_date": (6, -5),
    "next_step_partial": (1, -1),
    "personality_label": (-12, 14),
    "dismisses_or_interrupts": (-10, 12),
    "vague_claim": (-5, 6),
    "instruction_to_ai": (-3, 3),
}
"""(trust, stress) change per move. A scenario's ``calms_tags``/``inflames_tags`` weigh
half again as much for that persona."""

NO_MOVE = (0, 2)
"""A turn with no recognised move: nothing builds trust and the tension drifts up."""

SPECIAL_WEIGHT = 1.5

OPEN_UP_TRUST = 65
"""At or above this trust the persona lets its hidden concern show (in its own words)."""
WITHDRAW_STRESS = 80
"""At or above this stress the persona shuts down."""
AGREE_TRUST = 50
"""At or above this trust a concrete next step is accepted."""

_HINT_ORDER: tuple[MoveTag, ...] = (
    "instruction_to_ai", "personality_label", "dismisses_or_interrupts", "vague_claim",
    "next_step_owner_date", "acknowledges_feelings", "cites_evidence", "open_question",
    "next_step_partial",
)


class PersonaState(TypedDict):
    """The persona's inner state, persisted with the session."""

    trust: int
    """0-100: how safe the employee feels with this manager."""
    stress: int
    """0-100: how tense or upset the employee is."""


class DraftPoint(TypedDict):
    """A line of the manager's draft the persona can push back on."""

    kind: str
    """``label`` (a personality label) or ``vague`` (a verdict without evidence)."""
    quote: str


@dataclass(frozen=True)
class Directive:
    """What the persona does this turn, decided in code."""

    stance: Stance
    quote: str | None = None
    """Words the persona challenges (from the manager's turn or the draft)."""
    point_used: int | None = None
    """Index of the draft point raised this turn, if any."""


def clamp(value: float) -> int:
    """Round and clamp to 0-100."""
    return max(0, min(100, round(value)))


def initial_state(scenario: Scenario) -> PersonaState:
    """The scenario's starting trust and stress."""
    return {"trust": scenario.initial.trust, "stress": scenario.initial.stress}


def update_state(state: PersonaState, tags: TurnTags, scenario: Scenario) -> PersonaState:
    """Apply one manager turn's moves to trust and stress.

    Args:
        state: Before the turn.
        tags: The turn's moves.
        scenario: Weighs the moves this persona is especially sensitive to.

    Returns:
        The new state, clamped to 0-100.
    """
    if not tags.tags:
        return {"trust": clamp(state["trust"] + NO_MOVE[0]),
                "stress": clamp(state["stress"] + NO_MOVE[1])}
    trust, stress = float(state["trust"]), float(state["stress"])
    for tag in tags.tags:
        dt, ds = DELTAS[tag]
        special = (tag in scenario.calms_tags and tag in POSITIVE_TAGS) or (
            tag in scenario.inflames_tags and tag in NEGATIVE_TAGS
        )
        weight = SPECIAL_WEIGHT if special else 1.0
        trust += dt * weight
        stress += ds * weight
    return {"trust": clamp(trust), "stress": clamp(stress)}


def draft_points(draft: str | None, rating: int | None = None) -> list[DraftPoint]:
    """Lines of the draft the persona will challenge: labels first, then vague verdicts."""
    if not draft or not draft.strip():
        return []
    analysis = analyze(draft, rating=rating)
    points: list[DraftPoint] = []
    for kind, finding_kind in (("label", "personality_label"), ("vague", "vague_language")):
        for f in analysis.findings:
            if f.kind == finding_kind and f.text and all(p["quote"] != f.text for p in points):
                points.append({"kind": kind, "quote": f.text})
    for sentence in split_sentences(draft):
        if find_vague(sentence.text) and not any(p["quote"] in sentence.text for p in points):
            points.append({"kind": "vague", "quote": sentence.text.strip()})
    return points[:4]


def choose_stance(
    state: PersonaState, tags: TurnTags, points: list[DraftPoint], raised: list[int]
) -> Directive:
    """Decide the persona's stance for its reply (after ``update_state``).

    The manager's own words come first (an instruction to a model, a label, a dismissal, a
    vague verdict); then the persona's state; then, while trust is low, the draft's own
    labels and vague verdicts it has not challenged yet.
    """
    if tags.has("instruction_to_ai"):
        return Directive("confused")
    if tags.has("personality_label"):
        return Directive("defensive", tags.labels[0] if tags.labels else
                         tags.spans.get("personality_label"))
    if tags.has("dismisses_or_interrupts"):
        if state["stress"] >= WITHDRAW_STRESS - 10:
            return Directive("withdraw")
        return Directive("defensive", tags.spans.get("dismisses_or_interrupts"))
    if tags.has("vague_claim"):
        return Directive("ask_specifics", tags.vague[0] if tags.vague else
                         tags.spans.get("vague_claim"))
    if state["stress"] >= WITHDRAW_STRESS:
        return Directive("withdraw")
    if tags.has("next_step_owner_date") and state["trust"] >= AGREE_TRUST:
        return Directive("agree")
    if state["trust"] >= OPEN_UP_TRUST:
        return Directive("open_up")
    for i, point in enumerate(points):
        if i not in raised:
            stance: Stance = "defensive" if point["kind"] == "label" else "ask_specifics"
            return Directive(stance, point["quote"], point_used=i)
    return Directive("push_back")


@lru_cache(maxsize=1)
def _hints() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = yaml.safe_load(HINTS_FILE.read_text(encoding="utf-8"))
    return data


_MOODS: dict[str, tuple[str, str, str, str]] = {
    "en": ("calm", "wary", "tense", "upset"),
    "zh": ("平静", "有戒心", "紧张", "很激动"),
}


def mood_word(state: PersonaState, lang: Lang) -> str:
    """The persona's state as one word for the prompt (stress first, then trust)."""
    calm, wary, tense, upset = _MOODS[lang]
    if state["stress"] >= WITHDRAW_STRESS - 10:
        return upset
    if state["stress"] >= 55:
        return tense
    return calm if state["trust"] >= AGREE_TRUST else wary


def hint_for(tags: TurnTags, lang: Lang) -> str:
    """The one-line live hint for a turn: the first problem, else the first good move."""
    table = _hints()[lang]
    for tag in _HINT_ORDER:
        if tags.has(tag):
            quote = tags.spans.get(tag, "")
            return table[tag].format(quote=_short(quote))
    return table["none"]


def fallback_line(scenario: Scenario, lang: Lang, directive: Directive, turn: int) -> str:
    """A deterministic in-character line for a stance (model down or its replies rejected).

    The scenario's own lines come first; lines quoting ``{quote}`` are used only when the
    directive has a quote. ``turn`` rotates through the choices so repeats are rarer.
    """
    own = scenario.text(lang).lines.get(directive.stance, [])
    generic = stance_lines()[lang][directive.stance]
    candidates = [*own, *generic]
    if directive.quote:
        quoted = [c for c in candidates if "{quote}" in c]
        candidates = quoted or candidates
    else:
        candidates = [c for c in candidates if "{quote}" not in c]
    line = candidates[turn % len(candidates)]
    return line.format(quote=_short(directive.quote or ""))


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
