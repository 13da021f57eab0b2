"""The debrief: rubric scores computed in code from the turns' tags, each with quotes from
the transcript; three things to do differently; a revised draft and development plan built
from the draft and the manager's own words, fact-checked so nothing is invented. A model
may only add a short encouraging summary, which is fact-checked too.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from ..analyzer import analyze, split_sentences
from ..factcheck import check
from ..graph.nodes._model import LANGUAGE_NAMES
from ..llm.errors import ModelError
from ..llm.gateway import ModelGateway
from ..placeholder import placeholder_rewrite
from ..prompts import PromptRenderer
from .scenario import Lang
from .state import Entry

DEBRIEF_FILE = Path(__file__).parent / "debrief.yaml"

Dimension = Literal[
    "evidence_and_sbi", "listening_and_acknowledgement", "open_questions", "behaviour_focus",
    "next_steps_owner_date", "tone",
]
DIMENSIONS: tuple[Dimension, ...] = (
    "evidence_and_sbi", "listening_and_acknowledgement", "open_questions", "behaviour_focus",
    "next_steps_owner_date", "tone",
)

# Which tags count for (+) and against (-) each dimension: the quotes shown as evidence.
_EVIDENCE: dict[Dimension, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "evidence_and_sbi": (("cites_evidence",), ("vague_claim",)),
    "listening_and_acknowledgement": (("acknowledges_feelings",), ("dismisses_or_interrupts",)),
    "open_questions": (("open_question",), ()),
    "behaviour_focus": (("cites_evidence",), ("personality_label", "vague_claim")),
    "next_steps_owner_date": (("next_step_owner_date", "next_step_partial"), ()),
    "tone": (("acknowledges_feelings",), ("dismisses_or_interrupts", "personality_label")),
}
MAX_QUOTES = 3


class Quote(BaseModel):
    """A manager line that moved a score."""

    turn: int
    """Index of the line in the transcript."""
    text: str
    tag: str
    effect: Literal["+", "-"]


class RubricScore(BaseModel):
    """One rubric dimension."""

    dimension: Dimension
    name: str
    score: int = Field(ge=1, le=5)
    evidence: list[Quote]


class Debrief(BaseModel):
    """What ``RoleplayService.debrief`` returns."""

    language: Lang
    scores: dict[str, int]
    """Dimension -> 1-5, computed in code."""
    rubric: list[RubricScore]
    do_differently: list[str] = Field(min_length=3, max_length=3)
    revised_draft: str
    """The draft with labels and vague verdicts replaced by [placeholders], plus what the
    manager said in the conversation (evidence, agreed steps)."""
    development_plan: list[str]
    persona: dict[str, int]
    """Final trust and stress."""
    turns: int
    """Manager turns in the conversation."""
    summary: str | None = None
    """The model's encouraging prose, when a model is configured and it passed the fact check."""
    degraded: bool = False
    """True when the model's summary failed or was rejected."""


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEBRIEF_FILE.read_text(encoding="utf-8"))
    return data


def _count(turns: Sequence[Entry], tag: str) -> int:
    return sum(tag in t["tags"] for t in turns)


def _clamp(x: float) -> int:
    return max(1, min(5, round(x)))


def score_dimensions(turns: Sequence[Entry], *, start_stress: int,
                     end_stress: int) -> dict[Dimension, int]:
    """1-5 per dimension from the manager turns' tags (pure, deterministic)."""
    c = {tag: _count(turns, tag) for tag in (
        "cites_evidence", "vague_claim", "acknowledges_feelings", "dismisses_or_interrupts",
        "open_question", "personality_label", "next_step_owner_date", "next_step_partial")}
    # One concrete situation already makes a good case; a second makes it strong.
    evidence = 1 + 3 * (c["cites_evidence"] >= 1) + (c["cites_evidence"] >= 2) - c["vague_claim"]
    listening = 2 + 1.5 * min(c["acknowledges_feelings"], 2) - 2 * c["dismisses_or_interrupts"]
    questions = {0: 1, 1: 3, 2: 4}.get(c["open_question"], 5)
    behaviour = (5 if c["cites_evidence"] else 4) - 2 * c["personality_label"] - (
        1 if c["vague_claim"] >= 2 else 0)
    steps = 5 if c["next_step_owner_date"] else 3 if c["next_step_partial"] else 1
    tone = (3 + (c["acknowledges_feelings"] > 0) + (end_stress < start_stress)
            - 2 * c["dismisses_or_interrupts"] - c["personality_label"])
    return {
        "evidence_and_sbi": _clamp(evidence),
        "listening_and_acknowledgement": _clamp(listening),
        "open_questions": _clamp(questions),
        "behaviour_focus": _clamp(behaviour),
        "next_steps_owner_date": _clamp(steps),
        "tone": _clamp(tone),
    }


def _quotes(transcript: Sequence[Entry], dim: Dimension) -> list[Quote]:
    plus, minus = _EVIDENCE[dim]
    out: list[Quote] = []
    for i, entry in enumerate(transcript):
        if entry["speaker"] != "manager":
            continue
        for tag in (*minus, *plus):
            if tag in entry["tags"]:
                out.append(Quote(turn=i, text=_short(entry["text"]), tag=tag,
                                 effect="-" if tag in minus else "+"))
                break
    negatives = [q for q in out if q.effect == "-"]
    positives = [q for q in out if q.effect == "+"]
    return (negatives + positives)[:MAX_QUOTES]


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sentences_with(entry: Entry, tag: str) -> list[str]:
    """The sentences of a manager line that carry ``tag`` (by its trigger words)."""
    trigger = entry["spans"].get(tag, "")
    sentences = [s.text.strip() for s in split_sentences(entry["text"])]
    hits = [s for s in sentences if trigger and any(part.strip() and part.strip() in s
                                                    for part in trigger.split("…"))]
    return hits or sentences


def revise(draft: str | None, rating: int | None, transcript: Sequence[Entry],
           lang: Lang) -> tuple[str, list[str]]:
    """The revised draft and the development plan.

    Built only from the draft (labels and vague verdicts replaced by placeholders) and the
    manager's own sentences that carried evidence or an agreed step; every added sentence
    must pass the fact check against the draft plus the manager's turns.
    """
    texts = _texts()[lang]
    manager = [e for e in transcript if e["speaker"] == "manager"]
    said = "\n".join(e["text"] for e in manager)
    source = (draft or "") + "\n" + said
    discussed: list[str] = []
    agreed: list[str] = []
    for e in manager:
        if "instruction_to_ai" in e["tags"]:
            continue
        if "cites_evidence" in e["tags"] and "personality_label" not in e["tags"]:
            discussed += [s for s in _sentences_with(e, "cites_evidence") if s not in discussed]
        if "next_step_owner_date" in e["tags"]:
            agreed += [s for s in _sentences_with(e, "next_step_owner_date") if s not in agreed]
    discussed = [s for s in discussed if s not in agreed and check(s, source).ok]
    agreed = [s for s in agreed if check(s, source).ok]

    parts: list[str] = []
    growth: list[str] = []
    if draft and draft.strip():
        analysis = analyze(draft, rating=rating)
        parts.append(placeholder_rewrite(analysis))
        growth = [c.text.strip() for c in analysis.growth_areas][:2]
    if discussed:
        parts.append(texts["sections"]["discussed"] + "\n" + "\n".join(f"- {s}" for s in discussed))
    if agreed:
        parts.append(texts["sections"]["agreed"] + "\n" + "\n".join(f"- {s}" for s in agreed))
    revised = "\n\n".join(parts) if parts else texts["plan"]["default"]

    plan = [texts["plan"]["agreed"].format(step=s) for s in agreed]
    plan += [texts["plan"]["growth"].format(area=_short(a, 80)) for a in growth]
    if not plan:
        plan.append(texts["plan"]["default"])
    return revised, plan


def build_debrief(
    *,
    transcript: Sequence[Entry],
    draft: str | None,
    rating: int | None,
    language: Lang,
    start_stress: int,
    model: ModelGateway | None = None,
    prompts: PromptRenderer | None = None,
    max_tokens: int = 120,
) -> Debrief:
    """Score a conversation and write the debrief.

    Args:
        transcript: All lines, persona's included (quotes come from manager lines only).
        draft: The manager's original draft, if one was given.
        rating: The rating given, if any.
        language: The session's language.
        start_stress: The persona's stress at the opening line.
        model: Optional; writes a short summary around the scores (fact-checked).
        prompts: Needed with ``model``.
        max_tokens: Limit of the summary.
    """
    texts = _texts()[language]
    manager = [e for e in transcript if e["speaker"] == "manager"]
    last = transcript[-1] if transcript else None
    end_stress = last["stress"] if last else start_stress
    scores = score_dimensions(manager, start_stress=start_stress, end_stress=end_stress)
    rubric = [RubricScore(dimension=d, name=texts["names"][d], score=scores[d],
                          evidence=_quotes(transcript, d)) for d in DIMENSIONS]
    worst = sorted(rubric, key=lambda r: (r.score, DIMENSIONS.index(r.dimension)))[:3]
    advice: list[str] = []
    for r in worst:
        negative = next((q for q in r.evidence if q.effect == "-"), None)
        quoted = texts["quoted"].format(quote=_short(negative.text, 60)) if negative else ""
        advice.append(texts["advice"][r.dimension].format(quoted=quoted))
    revised, plan = revise(draft, rating, transcript, language)
    summary: str | None = None
    degraded = False
    if model is not None and prompts is not None and manager:
        prompt = prompts.render(
            "roleplay_debrief", language_name=LANGUAGE_NAMES[language],
            scores=[{"name": r.name, "score": r.score} for r in rubric], advice=advice,
        )
        source = (draft or "") + "\n" + "\n".join(e["text"] for e in transcript)
        try:
            system = prompts.render("roleplay_debrief_system")
            text = model.generate(system=system, user=prompt, max_tokens=max_tokens).text.strip()
            if text and check(text, source).ok:
                summary = text
            else:
                degraded = True
        except ModelError:
            degraded = True
    return Debrief(
        language=language,
        scores={r.dimension: r.score for r in rubric},
        rubric=rubric,
        do_differently=advice,
        revised_draft=revised,
        development_plan=plan,
        persona={"trust": last["trust"] if last else 0, "stress": end_stress},
        turns=len(manager),
        summary=summary,
        degraded=degraded,
    )
