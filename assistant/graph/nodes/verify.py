"""Node: re-analyze the rewrite and check it invents nothing."""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING, Any, Literal

from ... import factcheck
from ...analyzer import analyze
from ...placeholder import placeholder_rewrite, placeholder_slot
from ..context import Context
from ..state import CoachState

if TYPE_CHECKING:
    from langgraph.runtime import Runtime

MAX_REWRITE_ATTEMPTS = 2
"""The first rewrite plus one retry with the violation fed back."""
MAX_INVENTED_EVENTS = 3
"""A rewrite with this many sentences stating invented events (each would become a slot) is
more invention than rewrite: the outline, which keeps the draft's facts and slots the rest,
serves the manager better than a patchwork of slots. Sentences, not clauses: one Chinese
sentence strings several clauses together."""
MIN_CONTENT_KEPT = 0.35
"""A rewrite must keep at least this share of the draft's content (words or character
pairs); below it the model has replaced the draft instead of improving it."""


def verify(state: CoachState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Reject a model rewrite that fabricates facts or adds labels or biased words."""
    analysis = state.analysis
    assert analysis is not None
    if state.rewrite_source != "model" or state.rewrite is None:
        return {}
    replaceable = [(f.start, f.end) for f in analysis.findings
                   if f.start is not None and f.end is not None and f.kind in REPLACEABLE]
    replaceable += analysis.ignored_spans
    lang = analysis.message_language
    problems = violations(state.rewrite, analysis.text, replaceable=replaceable)
    outline = placeholder_rewrite(analysis)

    def accept(text: str, fixed: list[str]) -> dict[str, Any]:
        """The accepted rewrite, its empty advice and invented events made slots; the
        outline instead when the model invented more than it kept."""
        text, hollow = replace_exhortations(text, lang)
        spans = claim_spans(text, analysis.text, outline)
        events = _sentences_holding(text, spans)
        text, claims = replace_claims(text, spans, lang)
        if events >= MAX_INVENTED_EVENTS:
            return _fall_back(outline, f"it invented {events} sentences not in the draft ("
                              + " | ".join(claims) + ")")
        text = collapse_slots(text, placeholder_slot("vague", lang))
        return {"rewrite": text, "violation": None,
                "notes": _replaced(fixed + hollow) + _unsupported(claims)}

    if not problems:
        return accept(state.rewrite, [])
    repaired, fixed = repair(state.rewrite, analysis.text, lang)
    if fixed and violations(repaired, analysis.text, replaceable=replaceable) is None:
        # Invented details and leftover labels do not need a second generation: they
        # become placeholders for the manager, as in the placeholder rewrite.
        return accept(repaired, fixed)
    if state.rewrite_attempts < MAX_REWRITE_ATTEMPTS:
        return {"violation": problems, "notes": [f"verify: retry: {problems}"]}
    return _fall_back(outline, problems)


def _fall_back(outline: str, problems: str) -> dict[str, Any]:
    """The placeholder rewrite in place of a model rewrite that could not be accepted."""
    return {
        "rewrite": outline,
        "rewrite_source": "placeholder",
        "violation": problems,
        "degraded": True,
        "notes": [f"verify: fell back to placeholder rewrite: {problems}"],
    }


def repair(rewrite: str, draft: str, lang: str) -> tuple[str, list[str]]:
    """Replace invented facts, personality labels and identity-coded words in a rewrite by
    bracketed placeholders. Returns the text and what was replaced."""
    fixed: list[str] = []
    invented = factcheck.check(rewrite, draft).fabricated
    if invented:
        rewrite = factcheck.replace_fabrications(rewrite, invented)
        fixed.extend(invented)
    rewrite, labels = _replace_findings(rewrite, ("personality_label", "biased_language"),
                                        placeholder_slot("label", lang))
    return rewrite, fixed + labels


def replace_exhortations(rewrite: str, lang: str) -> tuple[str, list[str]]:
    """Put a slot for the wanted behaviour where a rewrite kept the draft's empty advice
    ("step it up", "再接再厉"), as the placeholder outline does. Returns the text and the
    phrases replaced."""
    return _replace_findings(rewrite, ("exhortation",), placeholder_slot("exhortation", lang))


def _replace_findings(text: str, kinds: tuple[str, ...], slot: str) -> tuple[str, list[str]]:
    """Replace the analyzer's findings of ``kinds`` in ``text`` by ``slot``; returns the text
    and the words replaced."""
    spans = sorted(((f.start, f.end, f.text or "") for f in analyze(text).findings
                    if f.kind in kinds and f.start is not None and f.end is not None),
                   reverse=True)
    replaced: list[str] = []
    last_start = len(text) + 1
    for start, end, words in spans:
        if end > last_start:  # overlapping findings: the outer one was replaced already
            continue
        text = text[:start] + slot + text[end:]
        last_start = start
        replaced.append(words)
    return text, replaced


def claim_spans(rewrite: str, draft: str, outline: str) -> list[tuple[int, int]]:
    """Spans where a rewrite states something the employee did that neither the draft nor
    the outline says (``factcheck.unsupported_claims``), or wraps such a statement in
    brackets as if it were a slot (``factcheck.bracketed_claims``): a small model fills the
    outline's slots with invented events."""
    return sorted(factcheck.unsupported_claims(rewrite, draft, outline)
                  + factcheck.bracketed_claims(rewrite))


def replace_claims(rewrite: str, spans: list[tuple[int, int]], lang: str
                   ) -> tuple[str, list[str]]:
    """Put an example slot over each of ``claim_spans``; neighbouring claims share one
    slot. Returns the text and the claims replaced, one by one."""
    if not spans:
        return rewrite, []
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:  # a bracket inside a flagged sentence
            merged[-1][1] = max(merged[-1][1], end)
        elif merged and not rewrite[merged[-1][1]:start].strip():
            merged[-1][1] = end
        else:
            merged.append([start, end])
    slot = placeholder_slot("vague", lang)
    claims = [" ".join(rewrite[start:end].split()) for i, (start, end) in enumerate(spans)
              if not any(s <= start and end <= e for s, e in spans[:i])]  # nested: one claim
    for start, end in reversed(merged):
        claim = rewrite[start:end]
        body = claim.rstrip()
        tail = body[len(body.rstrip(".!?。！？，,；;")):]  # keep the closing punctuation
        lead = claim[: len(claim) - len(claim.lstrip())]
        rewrite = rewrite[:start] + lead + slot + tail + claim[len(body):] + rewrite[end:]
    return rewrite, claims


_NESTED_SLOT = re.compile(r"\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)+\]")
_ZH_NUMBER_SLOT = factcheck.FACT_SLOTS["zh"]["number"]
_YEAR, _DAY = (rf"(?:{re.escape(_ZH_NUMBER_SLOT)}|\d{{{n}}})" for n in ("2,4", "1,2"))
_ZH_SLOTTED_DATE = re.compile(rf"(?:{_YEAR}年)?{_DAY}月{_DAY}[日号]")
"""A Chinese date whose invented parts became [数字] ("[数字]年1月[数字]日"): one [日期]."""
_SLOT_RUN = re.compile(
    r"(\[[^\[\]]*\])(?:[\s，,、;；。.]*(?:\b(?:and|or)\b|和|或|以及|并且?)?[\s，,、;；。.]*\1)+",
    re.IGNORECASE)


def collapse_slots(text: str, slot: str) -> str:
    """Tidy the slots that replacing invented text leaves behind: a bracket holding other
    brackets (the model's own "[例子：2019年1月1日，[…]，…]") becomes one ``slot``, a Chinese
    date partly made of slots becomes one date slot, and the same slot repeated with only
    punctuation or a connector ("and", 和) between becomes one."""
    while True:
        tidied = _NESTED_SLOT.sub(slot, text)
        if tidied == text:
            break
        text = tidied
    date_slot = factcheck.FACT_SLOTS["zh"]["date"]
    text = _ZH_SLOTTED_DATE.sub(
        lambda m: date_slot if _ZH_NUMBER_SLOT in m.group() else m.group(), text)
    return _SLOT_RUN.sub(lambda m: m.group(1), text)


def invented_sentences(rewrite: str, draft: str, outline: str) -> int:
    """How many sentences of ``rewrite`` state an invented event (in whole or in part)."""
    return _sentences_holding(rewrite, claim_spans(rewrite, draft, outline))


def _sentences_holding(text: str, spans: list[tuple[int, int]]) -> int:
    starts = [m.start() for m in factcheck.claim_sentences(text)]
    return len({bisect_right(starts, start) for start, _ in spans})


def _unsupported(claims: list[str]) -> list[str]:
    return ([f"verify: replaced claims not in the draft with a placeholder: {' | '.join(claims)}"]
            if claims else [])


def _replaced(items: list[str]) -> list[str]:
    return [f"verify: replaced with placeholders: {', '.join(items)}"] if items else []


REPLACEABLE = frozenset({"vague_language", "personality_label", "biased_language", "exhortation",
                         "absolute_language"})
"""Finding kinds whose words a rewrite is expected to replace rather than keep."""


def violations(rewrite: str, draft: str, *,
               replaceable: list[tuple[int, int]] | None = None) -> str | None:
    """Describe what is wrong with a rewrite, or None when it is acceptable."""
    problems = []
    if not rewrite.strip():
        return "the rewrite was empty"
    check = factcheck.check(rewrite, draft)
    kept = factcheck.retention(rewrite, draft, replaceable=replaceable or [])
    if kept.missing_facts:
        problems.append(
            "it drops facts of the draft ("
            + ", ".join(factcheck.as_written(kept.missing_facts, draft)) + "); keep them"
        )
    if kept.content_kept < MIN_CONTENT_KEPT:
        problems.append("it drops most of the draft; keep its sentences and improve them")
    if not check.ok:
        problems.append(
            "it adds facts that are not in the draft (" + check.describe() + "); "
            "remove them or replace them with a [placeholder]"
        )
    after = analyze(factcheck.strip_placeholders(rewrite))
    labels = [f.text for f in after.findings if f.kind == "personality_label" and f.text]
    if labels:
        problems.append("it still labels the person (" + ", ".join(labels) + ")")
    bias = [f.text for f in after.findings if f.kind == "biased_language" and f.text]
    if bias:
        problems.append("it keeps identity-coded words (" + ", ".join(bias) + ")")
    if after.ignored_spans:
        problems.append("it repeats instructions addressed to an AI")
    return "; ".join(problems) or None


def route_after_verify(state: CoachState) -> Literal["rewrite", "__end__"]:
    """Retry the rewrite once after a violation; otherwise finish."""
    if state.rewrite_source == "model" and state.violation:
        return "rewrite"
    return "__end__"
