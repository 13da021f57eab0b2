"""Render prompt templates from ``prompts/*.j2`` (StrictUndefined: a missing variable fails)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined


@lru_cache(maxsize=4)
def _env(prompts_dir: str) -> Environment:
    return Environment(
        loader=FileSystemLoader(prompts_dir),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


class PromptRenderer:
    """Renders named templates from one prompts directory."""

    def __init__(self, prompts_dir: Path) -> None:
        self._dir = str(prompts_dir)

    def render(self, name: str, /, **variables: Any) -> str:
        """Render ``prompts/<name>.j2`` with keyword variables only."""
        return _env(self._dir).get_template(f"{name}.j2").render(**variables).strip()
