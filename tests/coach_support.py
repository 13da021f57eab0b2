"""Test helpers with light imports (no FastAPI): a coach over the repository's prompts and
catalogue with given fakes, and persona lines the role-play guard accepts."""

from __future__ import annotations

from assistant.config import REPO_ROOT, Settings
from assistant.development import load_catalogue
from assistant.graph.context import Context, Retriever
from assistant.llm.fake import ScriptedModel
from assistant.prompts import PromptRenderer
from assistant.service import Coach


def make_coach(settings: Settings, retriever: Retriever | None,
               model: ScriptedModel | None) -> Coach:
    """A coach over the repository's prompts and catalogue with the given fakes."""
    ctx = Context(
        settings=settings,
        prompts=PromptRenderer(REPO_ROOT / "prompts"),
        catalogue=load_catalogue(REPO_ROOT / "knowledge" / "development_actions.yaml"),
        retriever=retriever,
        model=model,
    )
    return Coach(ctx)


PERSONA_LINES = [
    "I'm not sure I agree with that.",
    "Which projects do you actually mean?",
    "It has been a hard few months, honestly.",
    "Maybe. I would need to think about it.",
    "Okay, that sounds like something I can do.",
    "Fine, let's put it in writing then.",
]
"""Persona replies the guard accepts (short, in character, none repeated)."""
