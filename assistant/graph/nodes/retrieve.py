"""Node: guidance for each weakness found, and catalogue actions for each growth area."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import development
from ...schemas import GuidancePassage
from ..context import Context, PassageLike
from ..state import CoachState

if TYPE_CHECKING:
    from langgraph.runtime import Runtime

# One query per weakness, in the language of the draft. Retrieval is cross-lingual, so an
# English query still finds Chinese guidance when that is the better passage.
QUERIES: dict[str, dict[str, str]] = {
    "specific": {
        "en": "make feedback specific: a concrete example with situation, behaviour and impact",
        "zh": "反馈要具体：用情境、行为、影响描述一个具体事例",
    },
    "balanced": {
        "en": "balanced feedback names both strengths and a specific area to improve",
        "zh": "平衡的反馈：既肯定优点，也指出具体的改进方向",
    },
    "actionable": {
        "en": "actionable feedback: a next step with what to do, by when, and the support offered",
        "zh": "可执行的反馈：明确下一步做什么、何时完成、提供什么支持",
    },
    "behavior_focused": {
        "en": "describe behaviour, not personality or character labels",
        "zh": "描述行为而不是给人贴性格标签",
    },
    "biased_language": {
        "en": "gender, age and family-coded biased language in performance reviews",
        "zh": "绩效评价中与性别、年龄、家庭有关的偏见用语",
    },
    "rating_mismatch": {
        "en": "make the written feedback consistent with the rating",
        "zh": "评语与绩效评分保持一致",
    },
    "follow_up": {
        "en": "agree an improvement plan with goals, steps and a timetable, and follow it up",
        "zh": "共同制定改进计划：目标、步骤和时间表，并持续跟进",
    },
}
MAX_PASSAGES = 4


def retrieve(state: CoachState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Search guidance for the failed dimensions; choose catalogue actions."""
    ctx = runtime.context
    analysis = state.analysis
    assert analysis is not None
    lang = analysis.message_language
    topics = list(analysis.weak_dimensions)
    if any(f.kind == "rating_mismatch" for f in analysis.findings):
        topics.append("rating_mismatch")
    if not topics or "actionable" not in topics:
        topics.append("follow_up")
    guidance: list[GuidancePassage] = []
    seen: set[tuple[str, str | None]] = set()
    if ctx.retriever is not None:
        for topic in topics:
            for p in _search(ctx, QUERIES[topic][lang], k=2):
                key = (p.source, p.heading)
                if key in seen:
                    for g in guidance:
                        if (g.source, g.heading) == key and topic not in g.for_kinds:
                            g.for_kinds.append(topic)
                    continue
                seen.add(key)
                guidance.append(_passage(p, topic))
                break
            if len(guidance) >= MAX_PASSAGES:
                break
    candidates = development.select(analysis, ctx.catalogue)
    return {"guidance": guidance, "candidates": candidates}


def warm_cache(ctx: Context) -> None:
    """Answer every fixed guidance query now (there are a dozen)."""
    for by_lang in QUERIES.values():
        for query in by_lang.values():
            _search(ctx, query, k=2)


def _search(ctx: Context, query: str, *, k: int) -> list[PassageLike]:
    key = (query, k, None)
    if key not in ctx.cache:
        ctx.cache[key] = list(ctx.retriever.search(query, k=k)) if ctx.retriever else []
    return ctx.cache[key]


def _passage(p: PassageLike, topic: str) -> GuidancePassage:
    excerpt = " ".join(p.text.split())
    if len(excerpt) > 420:
        excerpt = excerpt[:417].rsplit(" ", 1)[0] + "..."
    return GuidancePassage(source=p.source, title=p.title, excerpt=excerpt, heading=p.heading,
                           language=p.language, for_kinds=[topic])
