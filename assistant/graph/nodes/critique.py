"""Node: the model's narrative critique, grounded in retrieved guidance (model call 1).

The same call rewords the chosen catalogue actions, so a full run needs only two model calls
(critique, rewrite). The reply is a small line format rather than JSON: on the embedded
model a JSON grammar costs a third of the generation speed, and the format is validated
just the same.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ... import factcheck
from ...analyzer import analyze
from ...llm.errors import ModelError
from ..context import Context
from ..state import CallRecord, CoachState, CritiqueOutput, TailoredAction
from ._model import MAX_PROMPT_GUIDANCE, failure, generate_text, prompt_vars

if TYPE_CHECKING:
    from langgraph.runtime import Runtime

_SENTENCE = re.compile(r"(?:[^.!?。！？]|(?<=\d)\.(?=\d))+[.!?。！？]?")
"""A sentence; a full stop between digits (0.8%) does not end one."""
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}|[a-z])\s*[.)、]?\s*$", re.I)
"""A list number left alone when the reply was a numbered list ("1." of "1. 老张...")."""
_CRITIQUE = re.compile(r"CRITIQUE\s*[:：]\s*(.+?)(?=\n\s*ACTION\s*\d|\Z)", re.S | re.I)
_ACTION = re.compile(r"^\s*ACTION\s*(\d+)\s*[:：]\s*(.+?)\s*$", re.M | re.I)


def critique_prompts(state: CoachState, ctx: Context) -> tuple[str, str]:
    """The critique call's system prompt and user message, from the analysis, guidance and
    chosen actions (also what ``Coach.prime`` reads into the model's cache ahead)."""
    analysis = state.analysis
    assert analysis is not None
    lang = analysis.message_language
    variables = prompt_vars(analysis, state.guidance)
    variables["candidates"] = [{"id": e.id, "title": e.title.get(lang)}
                               for e, _ in state.candidates]
    return (ctx.prompts.render("system", task="critique", **variables),
            ctx.prompts.render("critique", **variables))


def critique(state: CoachState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Ask the model for a critique citing guidance; keep only what passes the checks."""
    ctx = runtime.context
    analysis = state.analysis
    assert analysis is not None and ctx.model is not None
    system, user = critique_prompts(state, ctx)
    try:
        gen = generate_text(
            runtime,
            event="critique",
            system=system,
            user=user,
            max_tokens=160,
            visible=visible_critique,
            stop=reply_stops(len(state.candidates)),
        )
    except ModelError as exc:
        return failure("critique", exc)
    record = CallRecord(node="critique", prompt_tokens=gen.prompt_tokens,
                        completion_tokens=gen.completion_tokens)
    out = parse_reply(gen.text, [e.id for e, _ in state.candidates])
    if out is None:
        return {"degraded": True, "calls": [record],
                "notes": ["critique: reply did not follow the format; no critique shown"]}
    allowed = " ".join(f"{g.title} {g.heading or ''} {g.excerpt}" for g in state.guidance)
    shown = state.guidance[:MAX_PROMPT_GUIDANCE]
    titles = [f"{g.title} {g.heading or ''}" for g in shown]
    text, dropped = clean_critique(out.critique, analysis.text, allowed, len(shown), titles)
    return {
        "critique": text or None,
        "tailoring": out.actions,
        "degraded": state.degraded or not text,
        "calls": [record],
        "notes": [f"critique: dropped sentence: {d}" for d in dropped],
    }


def reply_stops(n_actions: int) -> list[str]:
    """Where a critique reply is complete: one ACTION line too many, or a second CRITIQUE
    (the small model otherwise goes on with actions nobody asked for)."""
    return [f"\nACTION {n_actions + 1}", "\nCRITIQUE"]


def parse_reply(text: str, candidate_ids: list[str]) -> CritiqueOutput | None:
    """Parse ``CRITIQUE: ...`` and ``ACTION n: ...`` lines; None when there is no critique."""
    m = _CRITIQUE.search(text)
    if not m:
        return None
    actions = []
    for num, title in _ACTION.findall(text):
        i = int(num) - 1
        title = _clean_title(title)
        if 0 <= i < len(candidate_ids) and title:
            actions.append(TailoredAction(catalogue_id=candidate_ids[i], title=title[:200]))
    try:
        return CritiqueOutput(critique=" ".join(m.group(1).split()), actions=actions[:3])
    except ValidationError:
        return None


_CRITIQUE_LABEL = re.compile(r"CRITIQUE\s*[:：]\s*", re.I)
_ACTION_START = re.compile(r"\n\s*ACTION", re.I)


def visible_critique(text: str) -> str:
    """The part of a partial reply that is critique prose, for streaming: after the
    ``CRITIQUE:`` label, before the first ``ACTION`` line. The last line is held back while
    it could still turn into an ``ACTION`` line."""
    m = _CRITIQUE_LABEL.search(text)
    if m is None:
        return ""
    body = text[m.end():]
    end = _ACTION_START.search(body)
    if end is not None:
        return body[: end.start()].rstrip()
    cut = body.rfind("\n")
    return body[:cut].rstrip() if cut != -1 else body


def _clean_title(title: str) -> str:
    """Strip format residue the small model copies from the template."""
    title = re.sub(r'["”,]?\s*(reworded|adapted|rewritten|made specific)\b.*$', "", title,
                   flags=re.I)
    title = re.sub(r"^\s*(reworded|adapted|rewritten)\s*[:：]\s*", "", title, flags=re.I)
    return title.strip().strip('"“”<>()').strip()


_QUOTED = re.compile(r"[\"“”「」『』‘’'][^\"“”「」『』‘’']{0,60}[\"“”「」『』‘’']")


def _unquoted(sentence: str, kinds: tuple[str, ...]) -> list[str]:
    """Finding texts of ``kinds`` in ``sentence`` outside quotation marks."""
    quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(sentence)]
    found = []
    for f in analyze(sentence).findings:
        if f.kind not in kinds or f.start is None:
            continue
        if not any(s <= f.start < e for s, e in quoted):
            found.append(f.text or "")
    return found


_LABEL_KINDS = ("personality_label", "biased_language")


_TERM = re.compile(r"[A-Za-z]+|[\u4e00-\u9fff]")


def _terms(text: str) -> list[str]:
    """Lower-cased words and single Chinese characters."""
    return [t.lower() for t in _TERM.findall(text)]


def echoes_titles(sentence: str, titles: list[str]) -> bool:
    """Whether ``sentence`` is mostly a copy of a guidance title from the prompt's list
    ("[1] Specific feedback: examples, numbers and situations - What makes feedback
    specific."): 80 % or more of its words or characters come from one title."""
    terms = _terms(re.sub(r"\[\d+\]", " ", sentence))
    if len(terms) < 3:
        return False
    for title in titles:
        vocab = set(_terms(title))
        if vocab and sum(t in vocab for t in terms) >= 0.8 * len(terms):
            return True
    return False


def clean_critique(text: str, draft: str, allowed: str, n_guidance: int,
                   titles: list[str] | None = None) -> tuple[str, list[str]]:
    """Drop sentences that state facts absent from the draft, label the employee, repeat
    the draft's empty advice or only echo a guidance title; drop citations out of range."""
    kept, dropped = [], []
    for sent in _SENTENCE.findall(text):
        if _NUMBERING.match(sent):
            continue
        check = factcheck.check(sent, draft, allowed=allowed)
        if titles and echoes_titles(sent, titles):
            dropped.append("echoes a guidance title: " + sent.strip())
        elif not check.ok:
            dropped.append(check.describe())
        elif labels := _unquoted(sent, _LABEL_KINDS):
            # The coach must not itself describe the employee by personality ("小李的工作
            # 态度认真"); quoting the draft's label to point at it is fine.
            dropped.append("labels the person: " + ", ".join(labels))
        elif vague := _unquoted(sent, ("exhortation",)):
            # Nor hand the draft's empty advice back as its own ("she should step it up").
            dropped.append("repeats vague advice: " + ", ".join(vague))
        else:
            kept.append(sent.strip())
    cleaned = " ".join(s for s in kept if s)
    cleaned = re.sub(
        r"\[(\d+)\]", lambda m: m.group() if 1 <= int(m.group(1)) <= n_guidance else "", cleaned
    )
    return cleaned.strip(), dropped
