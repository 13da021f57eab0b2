"""Node: the rewrite (model call 2), or the placeholder rewrite without a model."""

from __future__ import annotations

import re
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
    r"^\s*(here is|here's|below is|rewritten|revised|rewrite|改写后|修改后|以下是)[^\n:：]*[:：]\s*",
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
    words, max_tokens = rewrite_budget(analysis.text)
    variables["max_words"] = words
    try:
        gen = generate_text(
            runtime,
            event="rewrite",
            system=ctx.prompts.render("system", **variables),
            user=ctx.prompts.render("rewrite", **variables),
            max_tokens=max_tokens,
        )
    except ModelError as exc:
        return {
            **failure("rewrite", exc),
            "rewrite": placeholder_rewrite(analysis),
            "rewrite_source": "placeholder",
        }
    text = clean_rewrite(gen.text)
    return {
        "rewrite": text,
        "rewrite_source": "model",
        "rewrite_attempts": state.rewrite_attempts + 1,
        "violation": None,
        "calls": [CallRecord(node="rewrite", prompt_tokens=gen.prompt_tokens,
                             completion_tokens=gen.completion_tokens)],
    }


def rewrite_budget(draft: str) -> tuple[int, int]:
    """(words or Chinese characters to ask for, max_tokens) for a rewrite of ``draft``.

    About the draft's length plus room for placeholders and a next step: generation is the
    slow part on a small local model (~15-35 tokens/s), and a short draft needs no essay.
    """
    cjk = len(_CJK.findall(draft))
    words = len(_WORD.findall(draft))
    if cjk > words:  # Chinese: characters, about one token each
        size = min(max(cjk + 60, 100), 300)
        return size, min(max(int(size * 1.2) + 40, 160), 480)
    size = min(max(words + 40, 60), 200)
    return size, min(max(int(size * 1.5) + 40, 140), 480)


_ECHO = re.compile(
    r'^\s*(?:\*\*|#+\s*)?\[?'
    r'(guidance|draft|problems found|outline[^\n:\]*]*|rewrite|note|notes|注意|说明|备注)'
    r'\]?(?:\*\*)?\s*[:：]'
    r'|^\s*\*\*\s*(note|注意|说明|备注)|^\s*"""|^\s*\[\d+\]\s',
    re.IGNORECASE | re.MULTILINE,
)


def clean_rewrite(text: str) -> str:
    """Strip a chatty preamble, code fences, and what a small model echoes after the text
    (the prompt's guidance list, a trailing "Note:"), which would otherwise reach the
    manager as part of the rewrite."""
    text = text.strip().strip("`").strip()
    text = _PREAMBLE.sub("", text, count=1)
    echo = _ECHO.search(text, 1)
    if echo:
        text = text[:echo.start()]
    return text.strip().strip('"“”').strip()
