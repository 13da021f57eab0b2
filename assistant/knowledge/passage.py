"""A retrieved guidance passage (kept apart from the store so that reading cached answers
does not import Chroma)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Passage:
    """One retrieved chunk."""

    id: str
    text: str
    """The chunk's body as written in the document (no title/heading prefix)."""
    source: str
    """Document path relative to the folder it was ingested from."""
    title: str
    heading: str | None
    language: str
    score: float
    """Cosine similarity to the query: 1 - cosine distance, higher is closer."""
    kind: str = ""
