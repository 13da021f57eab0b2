"""Role-play scenarios: pydantic models and the loader of ``scenarios/*.yaml``.

Each file holds one scenario with an ``en`` and a ``zh`` variant (persona, opening line,
rubric, in-character lines) plus language-independent settings (initial trust and stress,
which move tags calm or inflame this persona). Files are validated when loaded, so a
malformed scenario fails at start-up, not in the middle of a conversation.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .tags import MoveTag

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")

Stance = Literal[
    "push_back", "ask_specifics", "defensive", "withdraw", "confused", "agree", "open_up"
]
"""What the persona does this turn, decided in code from its state and the manager's move."""

STANCES: tuple[Stance, ...] = (
    "push_back", "ask_specifics", "defensive", "withdraw", "confused", "agree", "open_up"
)

SCENARIO_DIR = Path(__file__).parent / "scenarios"
STANCES_FILE = Path(__file__).parent / "stances.yaml"


class ScenarioError(ValueError):
    """A scenario file that does not validate."""


class Persona(BaseModel):
    """Who the manager is talking to."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    """First name the persona goes by."""
    role: str = Field(min_length=1, max_length=80)
    tenure: str = Field(min_length=1, max_length=40)
    sketch: str = Field(min_length=10, max_length=400)
    """Two lines of character: how they work and react."""
    hidden_concern: str = Field(min_length=10, max_length=300)
    """What really worries them; surfaces only when trust is high, never verbatim."""
    calms: list[str] = Field(min_length=1, max_length=5)
    inflames: list[str] = Field(min_length=1, max_length=5)


class ScenarioText(BaseModel):
    """The language-specific part of a scenario."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=3, max_length=100)
    persona: Persona
    opening: str = Field(min_length=1, max_length=300)
    """The persona's first line."""
    rubric: list[str] = Field(min_length=3, max_length=8)
    """What a good manager does in this conversation."""
    lines: dict[Stance, list[str]]
    """In-character lines per stance; ``push_back`` and ``open_up`` are required."""

    @model_validator(mode="after")
    def _required_lines(self) -> ScenarioText:
        for stance in ("push_back", "open_up"):
            if not self.lines.get(stance):
                raise ValueError(f"lines.{stance} needs at least one line")
        for stance, lines in self.lines.items():
            if any(not line.strip() for line in lines):
                raise ValueError(f"lines.{stance} has an empty line")
        return self


class PersonaStart(BaseModel):
    """Initial persona state, 0-100."""

    model_config = ConfigDict(extra="forbid")

    trust: int = Field(ge=0, le=100)
    stress: int = Field(ge=0, le=100)


class Scenario(BaseModel):
    """One role-play scenario with both language variants."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{2,40}$")
    default_rating: int = Field(ge=1, le=5)
    initial: PersonaStart
    calms_tags: list[MoveTag] = Field(min_length=1)
    """Moves that calm this persona more than they calm others."""
    inflames_tags: list[MoveTag] = Field(min_length=1)
    """Moves that hurt this persona's trust more than others'."""
    en: ScenarioText
    zh: ScenarioText

    def text(self, lang: Lang) -> ScenarioText:
        """The variant for ``lang``."""
        return self.en if lang == "en" else self.zh


class ScenarioSummary(BaseModel):
    """What ``list_scenarios`` returns: one entry per scenario and language."""

    id: str
    title: str
    language: Lang
    persona: str
    """``name, role`` for display."""


def load_scenario(path: Path) -> Scenario:
    """Load and validate one scenario file.

    Raises:
        ScenarioError: the file is not valid YAML, or does not match the schema, or its id
            differs from its file name.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        scenario = Scenario.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise ScenarioError(f"{path.name}: {exc}") from exc
    if scenario.id != path.stem:
        raise ScenarioError(f"{path.name}: id {scenario.id!r} does not match the file name")
    return scenario


@lru_cache(maxsize=4)
def load_scenarios(directory: Path = SCENARIO_DIR) -> dict[str, Scenario]:
    """All scenarios in ``directory``, by id, in file-name order."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ScenarioError(f"no scenario files in {directory}")
    return {s.id: s for s in (load_scenario(p) for p in files)}


@lru_cache(maxsize=1)
def stance_lines() -> dict[Lang, dict[Stance, list[str]]]:
    """Generic in-character lines per language and stance (``stances.yaml``)."""
    data = yaml.safe_load(STANCES_FILE.read_text(encoding="utf-8"))
    out: dict[Lang, dict[Stance, list[str]]] = {}
    for lang in LANGS:
        table = data[lang]
        missing = [s for s in STANCES if not table.get(s)]
        if missing:
            raise ScenarioError(f"stances.yaml: {lang} lacks lines for {missing}")
        out[lang] = {s: list(table[s]) for s in STANCES}
    return out
