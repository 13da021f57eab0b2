"""One module per node; each is ``(state, runtime) -> dict`` of the keys it changes."""

from .actions import development_actions
from .analyze import analyze_draft
from .critique import critique
from .retrieve import retrieve
from .rewrite import rewrite
from .verify import verify

__all__ = ["analyze_draft", "critique", "development_actions", "retrieve", "rewrite", "verify"]
