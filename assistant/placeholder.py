"""The rewrite built without a model: the draft's own sentences, labels replaced by
placeholders, and bracketed slots for whatever the analyzer found missing.

It keeps every fact of the draft and adds none, so it is always a safe fallback.
"""

from __future__ import annotations

import re

from .analyzer import Analysis

_SLOTS = {
    "en": {
        "label": "[describe the behaviour you observed]",
        "vague": "[example: when, what they did, what it changed]",
        "exhortation": "[the specific behaviour you want instead, and by when]",
        "strength": ("A strength to recognise: [a specific achievement: when, what they did, "
                     "the result]."),
        "growth": "One area to develop: [a specific behaviour or skill, with one example].",
        "example": ("For example, [when and where], [name] [what they did], which "
                    "[what it changed]."),
        "step": ("Next step: [what to do] by [date], with [support you will give]; we will "
                 "review progress on [date]."),
    },
    "zh": {
        "label": "[描述你观察到的具体行为]",
        "vague": "[例子：何时、做了什么、带来了什么变化]",
        "exhortation": "[希望对方具体做到什么、何时做到]",
        "strength": "值得肯定的是：[一项具体成绩：何时、做了什么、结果如何]。",
        "growth": "需要提升的方面：[一个具体的行为或技能，并附一个例子]。",
        "example": "例如，[时间和场合]，[姓名][做了什么]，[带来了什么影响]。",
        "step": "下一步：在[日期]前[完成什么]，我会提供[支持]；我们在[日期]一起回顾进展。",
    },
}


def placeholder_slot(kind: str, lang: str) -> str:
    """One of the bracketed slots (``label``, ``vague``, ...) in ``lang``."""
    return _SLOTS["zh" if lang == "zh" else "en"][kind]


def placeholder_rewrite(analysis: Analysis) -> str:
    """Build a fact-safe rewrite from the draft and the analysis alone."""
    lang = analysis.message_language
    slots = _SLOTS[lang]
    text = analysis.text
    # Replace label, biased and vague spans (right to left so offsets stay valid);
    # drop sentences addressed to a model.
    edits: list[tuple[int, int, str]] = [(s, e, "") for s, e in analysis.ignored_spans]
    # An exhortation ("step it up", "再接再厉") asks for nothing the employee can do: its
    # words go, a slot for the wanted behaviour takes their place (one slot for a run of
    # them joined by "and" or a comma).
    exhortations = _join_runs(sorted((f.start, f.end) for f in analysis.findings
                                     if f.kind == "exhortation" and f.start is not None
                                     and f.end is not None), text)
    edits += [(s, e, slots["exhortation"]) for s, e in exhortations]
    for f in analysis.findings:
        if f.start is None or f.end is None:
            continue
        if f.kind in ("personality_label", "biased_language"):
            edits.append((_label_frame_start(text, f.start), f.end, slots["label"]))
        elif f.kind == "vague_language":
            edits.append((f.start, f.end, f"{f.text} {slots['vague']}"))
    # Earliest first; at one position the longer edit, then exhortations and ignored spans
    # (listed first) win over the findings that overlap them.
    edits.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    merged: list[tuple[int, int, str]] = []
    for s, e, r in edits:
        if merged and s < merged[-1][1]:
            continue
        merged.append((s, e, r))
    body = text
    for s, e, r in reversed(merged):
        body = body[:s] + r + body[e:]
    body = "\n".join(line.rstrip() for line in body.strip().splitlines() if line.strip())
    extra: list[str] = []
    v = analysis.verdicts
    has_strength = bool(analysis.strengths)
    if not v.specific:
        extra.append(slots["example"])
    if not v.balanced:
        extra.append(slots["growth"] if has_strength else slots["strength"])
        if not has_strength and not analysis.growth_areas:
            extra.append(slots["growth"])
    if not v.actionable:
        extra.append(slots["step"])
    sep = "" if lang == "zh" else " "
    if extra:
        body = body + ("\n\n" if body else "") + sep.join(extra)
    return body


# "is a natural leader", "comes across as a bit arrogant": the slot takes the place of the
# whole predicate, so the outline reads "Priya ... and [describe the behaviour you observed]"
# rather than "is a [describe the behaviour you observed]".
_COPULA = (r"(?:is|was|are|were|'s|seems|seemed|comes across as|came across as|can be"
           r"|has been)")
_LABEL_FRAME = re.compile(
    rf"\b{_COPULA}(?:\s+(?:a|an|such a|so|very|really|quite|a bit|a little|rather|too|always"
    r"|often|sometimes|generally|just))*\s+$",
    re.IGNORECASE,
)
_SUBJECT = re.compile(rf"(?:[A-Z][\w'’-]*|[Hh]e|[Ss]he|[Tt]hey)\s+(?={_COPULA}\b)")


def _label_frame_start(text: str, start: int) -> int:
    """Where the slot for an English label should begin: at its copula frame ("is a"
    before "natural leader"), and after the subject when the label's span opens with one
    ("Tom is very careless" keeps "Tom")."""
    if m := _SUBJECT.match(text, start):
        return m.end()
    m = _LABEL_FRAME.search(text, max(0, start - 60), start)
    return m.start() if m else start


_JOINER = re.compile(r"\s*(?:,|，|、|;|；|\band\b|\bor\b|和|并且|并|或)?\s*", re.IGNORECASE)


def _join_runs(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Merge spans that only a connector ("and", a comma, 和) separates."""
    runs: list[tuple[int, int]] = []
    for start, end in spans:
        if runs and start >= runs[-1][1] and _JOINER.fullmatch(text[runs[-1][1]:start]):
            runs[-1] = (runs[-1][0], max(end, runs[-1][1]))
        elif not runs or start >= runs[-1][1]:
            runs.append((start, end))
    return runs
