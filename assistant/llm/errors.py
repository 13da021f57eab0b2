"""Exceptions raised by the model layer. Callers catch these, never LiteLLM's own."""

from __future__ import annotations


class ModelError(Exception):
    """Base class for every failure of a model call."""


class ModelUnavailable(ModelError):
    """The model cannot be reached or loaded: missing files, refused connection, bad key."""


class ModelTimeout(ModelError):
    """The call ran past ``Settings.model_timeout_s``."""


class ModelOutputError(ModelError):
    """The model's output stayed invalid after the one repair attempt."""
