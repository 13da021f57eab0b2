"""Node: the rewrite (model call 2), or the placeholder rewrite without a model."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from ... import factcheck
from ...llm.errors import ModelError
from ...placeholder import placeholder_rewrite
from ..context import Context
from ..state import CallRecord, CoachState
from ._model import failure, generate_text, prompt_vars

if TYPE_CHECKING:
    from langgraph.runtime import Runtime

_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
_PREAMBLE = re.compile(
    r"^\s*(?:\*\*|#+\s*)?"
    r"(?:(?:here is|here's|below is|rewritten|revised|rewrite|改写后|修改后|以下是)[^\n:：]*"
    r"|(?:improved |revised |rewritten )?feedback[^\n:：]{0,20}|(?:改进后的|修改后的)?反馈)"
    r"[:：]\s*(?:\*\*)?\s*",
    re.IGNORECASE,
)


def rewrite(state: CoachState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Rewrite the draft; without a usable model, build the placeholder rewrite."""
    ctx = runtime.context
    analysis = state.analysis
    assert analysis is not None
    if state.no_llm or ctx.model is None or state.model_unavailable:
        return {"rewrite": placeholder_rewrite(analysis), "rewrite_source": "placeholder"}
    variables = prompt_vars(analysis, state.guidance)
    variables["violation"] = state.violation
    variables["facts"] = factcheck.key_facts(analysis.text)
    # A small model polishes a fact-safe outline far more reliably than it rewrites from
    # scratch (it kept labels and dropped the draft); a strong model loses nothing by it.
    variables["skeleton"] = placeholder_rewrite(analysis)
    words, max_tokens = rewrite_budget(variables["skeleton"])
    variables["max_words"] = words
    try:
        gen = generate_text(
            runtime,
            event="rewrite",
            system=ctx.prompts.render("system", task="rewrite", **variables),
            user=ctx.prompts.render("rewrite", **variables),
            max_tokens=max_tokens,
            stop=META_STOPS[analysis.message_language],
        )
    except ModelError as exc:
        return {
            **failure("rewrite", exc),
            "rewrite": placeholder_rewrite(analysis),
            "rewrite_source": "placeholder",
        }
    text = clean_rewrite(gen.text)
    if gen.completion_tokens >= max_tokens:  # cut off mid-way: end at its last full sentence
        text = last_full_sentence(text)
    return {
        "rewrite": text,
        "rewrite_source": "model",
        "rewrite_attempts": state.rewrite_attempts + 1,
        "violation": None,
        "calls": [CallRecord(node="rewrite", prompt_tokens=gen.prompt_tokens,
                             completion_tokens=gen.completion_tokens)],
    }


def rewrite_budget(outline: str) -> tuple[int, int]:
    """(words or Chinese characters to ask for, max_tokens) for a rewrite of ``outline``.

    The outline's length plus a little room: the rewrite polishes the outline, and
    generation is the slow part on a small local model (~15-35 tokens/s). The token limit
    leaves headroom over the asked length; a reply cut off there ends at its last full
    sentence (``last_full_sentence``).
    """
    cjk = len(_CJK.findall(outline))
    words = len(_WORD.findall(outline))
    if cjk > words:  # Chinese: characters, a little under one token each
        size = min(max(cjk + 30, 60), 300)
        return size, min(int(size * 1.1) + 40, 400)
    size = min(max(words + 15, 40), 200)
    return size, min(int(size * 1.4) + 40, 400)


_SENTENCE_END = re.compile(r"(?:[.!?][\"'”’)\]]*(?=\s|$)|[。！？][”’）」]*)")


def last_full_sentence(text: str) -> str:
    """``text`` up to the end of its last complete sentence (all of it when none ends)."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends:
        return text
    return text[: ends[-1]].rstrip()


_ECHO = re.compile(
    r'^\s*(?:\*\*|#+\s*)?\[?'
    r'(guidance|draft|problems found|outline[^\n:\]*]*|rewrite|note|notes|feedback'
    r'|注意|说明|备注|反馈)'
    r'\]?(?:\*\*)?\s*[:：]'
    r'|^\s*\*\*\s*(note|注意|说明|备注)|^\s*"""|^\s*\[\d+\]\s'
    r'|^\s*your previous rewrite\b',  # the retry prompt's own line, echoed
    re.IGNORECASE | re.MULTILINE,
)


# A paragraph that talks about the feedback instead of to the employee ("This feedback is
# specific and balanced...", "To improve this feedback: 1. ..."): it and what follows go.
_META = re.compile(
    r"^\W*(?:(?:this|the above|the revised|the rewritten|the improved|my)\s+"
    r"(?:feedback|rewrite|version|draft|outline)\b|(?:\[name\]|to|how to)\s+improve\s+"
    r"(?:this|the)\s+(?:feedback|draft)|(?:这段|该|本|以上|上述|修改后的|改写后的)(?:反馈|改写|内容|版本))",
    re.IGNORECASE,
)
_PARAGRAPHS = re.compile(r"\n\s*\n")
META_STOPS = {
    "en": ["\n\nThis feedback", "\n\nThis rewrite", "\n\nThis revised", "\n\nNote"],
    "zh": ["\n\n这份反馈", "\n\n以上", "\n\n注：", "\n\n改写后"],
}
"""Paragraphs about the rewrite rather than of it, which ``clean_rewrite`` would cut: the
generation ends where one starts (every token costs ~60 ms on the embedded model)."""


def clean_rewrite(text: str) -> str:
    """Strip a chatty preamble, code fences, markdown bold, lone headings, and what a small
    model adds after the text (the prompt's guidance list, a trailing "Note:", a paragraph about the
    feedback itself, the same paragraph again), which would otherwise reach the manager as
    part of the rewrite."""
    text = text.strip().strip("`").strip()
    text = _PREAMBLE.sub("", text, count=1)
    echo = _ECHO.search(text, 1)
    if echo:
        text = text[:echo.start()]
    text = text.replace("**", "")
    text = _LONE_HEADING.sub("", text)
    kept: list[str] = []
    said: set[str] = set()
    for para in _PARAGRAPHS.split(text.strip()):
        if kept and _META.search(para):
            break
        squeezed = re.sub(r"\s+", "", para)
        if any(SequenceMatcher(None, squeezed, re.sub(r"\s+", "", k)).ratio() > 0.85
               for k in kept):
            continue  # the same paragraph again, near enough
        sentences = []
        for sentence in _REPEATABLE.findall(para):
            key = re.sub(r"\W+", "", sentence).lower()
            if key in said and len(key) >= (6 if _CJK.search(key) else 15):
                continue  # a sentence said already (a small model loops on its last one)
            said.add(key)
            sentences.append(sentence)
        para = "".join(sentences).strip()
        if para:
            kept.append(para)
    return "\n\n".join(kept).strip().strip('"“”').strip()


_LONE_HEADING = re.compile(
    r"^[ \t]*(?:【[^【】\n]{1,10}】|#{1,6}[^\n]{1,30})[ \t]*(?:\n|$)", re.MULTILINE)
"""A line that is only a heading the model added ("【反馈】", "【下一步】", "## Feedback")."""
_REPEATABLE = re.compile(r"[^.!?。！？]+(?:[.!?。！？]+[\"'”’)）\]]*\s*|$)")
