"""Development-action catalogue (``knowledge/development_actions.yaml``) and selection.

Actions are chosen deterministically from the growth areas the analyzer found; the model
may only tailor the wording of the chosen entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, PrivateAttr

from .analyzer import Analysis
from .schemas import DevelopmentAction, DevelopmentType

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster

Lang = Literal["en", "zh"]


class Bilingual(BaseModel):
    en: str
    zh: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


class Topics(BaseModel):
    en: list[str] = []
    zh: list[str] = []


class CatalogueEntry(BaseModel):
    """One development action of the catalogue."""

    id: str
    type: DevelopmentType
    title: Bilingual
    when: Bilingual
    timeframe: Bilingual
    progress_signal: Bilingual
    topics: Topics
    generic: bool = False
    _compiled: re.Pattern[str] | None = PrivateAttr(default=None)

    def _en_pattern(self) -> re.Pattern[str]:
        if self._compiled is None:
            words = sorted({t.lower() for t in self.topics.en}, key=len, reverse=True)
            alternation = "|".join(re.escape(w) for w in words) or "(?!)"
            self._compiled = re.compile(rf"(?<![a-z])(?:{alternation})", re.IGNORECASE)
        return self._compiled

    def to_action(self, lang: Lang, rationale: str) -> DevelopmentAction:
        return DevelopmentAction(
            title=self.title.get(lang),
            type=self.type,
            rationale=rationale,
            timeframe=self.timeframe.get(lang),
            progress_signal=self.progress_signal.get(lang),
            catalogue_id=self.id,
        )


@lru_cache(maxsize=4)
def load_catalogue(path: Path) -> tuple[CatalogueEntry, ...]:
    """Load and validate the catalogue once per process."""
    with path.open(encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=_YAML_LOADER) or []
    return tuple(CatalogueEntry.model_validate(item) for item in raw)


_Scorer = tuple[int, CatalogueEntry, Callable[[str], int]]
_SCORERS: dict[int, tuple[tuple[CatalogueEntry, ...], list[_Scorer]]] = {}


def _scorer(entry: CatalogueEntry) -> Callable[[str], int]:
    """How many of ``entry``'s topic keywords occur in a text; English ones must start a
    word ("late" is not found in "template"). Pattern and keywords are bound once: pydantic
    attribute access on every entry for every growth area was most of ``select``."""
    pattern, zh = entry._en_pattern(), tuple(entry.topics.zh)

    def score(text: str) -> int:
        return len({m.group().lower() for m in pattern.finditer(text)}) + sum(t in text for t in zh)

    return score


def _scorers(catalogue: tuple[CatalogueEntry, ...]) -> list[_Scorer]:
    """(index, entry, scorer) for the non-generic entries, built once per catalogue."""
    cached = _SCORERS.get(id(catalogue))
    if cached is None or cached[0] is not catalogue:
        scorers = [(i, e, _scorer(e)) for i, e in enumerate(catalogue) if not e.generic]
        cached = _SCORERS[id(catalogue)] = (catalogue, scorers)
    return cached[1]


def select(analysis: Analysis, catalogue: tuple[CatalogueEntry, ...], *, k: int = 3) -> list[
    tuple[CatalogueEntry, str]
]:
    """Pick up to ``k`` entries for the draft's growth areas.

    Returns (entry, growth-area text) pairs; the text is what the action addresses.
    Entries matching a named growth area come first; generic entries fill the rest.
    """
    areas = ([c.text for c in analysis.growth_areas]
             or [c.text for c in analysis.clauses if c.growth])
    chosen: list[tuple[CatalogueEntry, str]] = []
    used: set[str] = set()
    used_types: set[str] = set()
    scorers = _scorers(catalogue)
    for area in areas:
        ranked = sorted(
            ((score(area), i, e) for i, e, score in scorers),
            key=lambda t: (-t[0], t[1]),
        )
        for score, _, entry in ranked:
            if score == 0:
                break
            if entry.id in used or entry.type in used_types:
                continue
            chosen.append((entry, area))
            used.add(entry.id)
            used_types.add(entry.type)
            break
        if len(chosen) >= k:
            return chosen
    for entry in catalogue:
        if len(chosen) >= min(k, max(1, len(areas)) + 1):
            break
        if entry.generic and entry.id not in used:
            chosen.append((entry, areas[0] if areas else ""))
            used.add(entry.id)
    return chosen[:k]


def rationale(entry: CatalogueEntry, area: str, lang: Lang) -> str:
    """A deterministic rationale naming the gap the action addresses."""
    when = entry.when.get(lang)
    if not area:
        return when
    area = area if len(area) <= 120 else area[:117] + "..."
    return f"针对：“{area}”。{when}" if lang == "zh" else f'Addresses: "{area}". {when}'
