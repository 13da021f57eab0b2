"""Nodes of the role-play graph, one file per node."""

from .assess import assess
from .finish import finish
from .open_session import open_session
from .respond import respond

__all__ = ["assess", "finish", "open_session", "respond"]
