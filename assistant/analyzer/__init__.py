"""Deterministic analyzer: language, sentences, verdicts, scores and findings. No model."""

from .core import ANALYZER_VERSION, Analysis, analyze
from .language import detect_language, split_sentences

__all__ = ["ANALYZER_VERSION", "Analysis", "analyze", "detect_language", "split_sentences"]
