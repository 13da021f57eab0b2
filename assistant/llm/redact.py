"""Replace personal identifiers with placeholders before a draft leaves the machine.

Emails, phone numbers and ID numbers become ``⟦EMAIL_1⟧``, ``⟦PHONE_1⟧``, ``⟦ID_1⟧``. The
mathematical white brackets are rare in training text and tokenise as distinct symbols, so
models tend to copy them verbatim; ``restore`` also accepts ``[EMAIL_1]`` in case a model
normalises them. Ordinary numbers, dates, percentages and money are left alone: each pattern
needs a shape (separators, a ``+`` prefix, a mobile prefix, an embedded birth date) that those
do not have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

# Lookarounds instead of \b: \b sees no boundary between CJK characters and digits.
_NO_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NO_ALNUM_AFTER = r"(?![0-9A-Za-z])"
_NO_DIGIT_BEFORE = r"(?<![\d+])"
_NO_DIGIT_AFTER = r"(?![\d])"

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"
    + _NO_ALNUM_AFTER
)

# Chinese resident ID: 6-digit region, birth date 18xx-20xx, 3-digit sequence, check digit.
_CN_ID = re.compile(
    _NO_ALNUM_BEFORE
    + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    + _NO_ALNUM_AFTER
)
# US SSN, dashed form only; area 000, 666 and 9xx are never issued.
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
# Passport-like: one or two capital letters then 7-9 digits (E12345678, G1234567, PA1234567),
# or any 6-12 character code right after the word passport / 护照.
_PASSPORT = re.compile(_NO_ALNUM_BEFORE + r"[A-Z]{1,2}\d{7,9}" + _NO_ALNUM_AFTER)
_PASSPORT_CONTEXT = re.compile(
    r"(?i:passport(?:\s*(?:no\.?|number|#))?|护照(?:号码|号)?)\s*[:：#]?\s*([A-Z0-9]{6,12})"
    + _NO_ALNUM_AFTER
)

# Chinese mobile: 1[3-9] + 9 digits, optionally +86 and grouped 3-4-4.
_CN_MOBILE = re.compile(
    _NO_DIGIT_BEFORE + r"(?:(?:\+|00)86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}" + _NO_DIGIT_AFTER
)
# Chinese landline: 0 + 2-3 digit area code, separator, 7-8 digits (010-12345678, (0755)1234567).
_CN_LANDLINE = re.compile(
    _NO_DIGIT_BEFORE
    + r"(?:\(0\d{2,3}\)\s?|0\d{2,3}[\s-])\d{3,4}[\s-]?\d{4}(?:\s?(?:ext|x|转)\s?\d{1,5})?"
    + _NO_DIGIT_AFTER
)
# International: a leading + then 7-15 digits in groups.
_INTL_PHONE = re.compile(
    _NO_DIGIT_BEFORE + r"\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,6}" + _NO_DIGIT_AFTER
)
# North American without +1: (415) 555-0132, 415-555-0132, 415.555.0132.
_NANP = re.compile(
    _NO_DIGIT_BEFORE + r"(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.]\d{4}" + _NO_DIGIT_AFTER
)

_PLACEHOLDER = re.compile(r"[⟦\[]\s*(EMAIL|PHONE|ID)_(\d+)\s*[⟧\]]")

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", _EMAIL),
    ("ID", _CN_ID),
    ("ID", _SSN),
    ("ID", _PASSPORT_CONTEXT),
    ("ID", _PASSPORT),
    ("PHONE", _INTL_PHONE),
    ("PHONE", _CN_MOBILE),
    ("PHONE", _CN_LANDLINE),
    ("PHONE", _NANP),
)

T = TypeVar("T")


def _digit_count(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


class Redactor:
    """Redacts several texts with one numbering, so a value gets the same placeholder in each."""

    def __init__(self) -> None:
        self.mapping: dict[str, str] = {}
        """Placeholder -> original value, for ``restore``."""
        self._by_value: dict[str, str] = {}
        self._counters: dict[str, int] = {}

    def _placeholder(self, kind: str, value: str) -> str:
        if value in self._by_value:
            return self._by_value[value]
        self._counters[kind] = self._counters.get(kind, 0) + 1
        token = f"⟦{kind}_{self._counters[kind]}⟧"
        self._by_value[value] = token
        self.mapping[token] = value
        return token

    def __call__(self, text: str) -> str:
        """Return ``text`` with every identifier replaced by its placeholder."""
        for kind, pattern in _RULES:

            def substitute(m: re.Match[str], kind: str = kind) -> str:
                group = 1 if m.re.groups else 0
                value = m.group(group)
                if kind == "PHONE" and not 7 <= _digit_count(value) <= 15:
                    return m.group(0)
                start, end = m.start(group) - m.start(0), m.end(group) - m.start(0)
                whole = m.group(0)
                return whole[:start] + self._placeholder(kind, value) + whole[end:]

            text = pattern.sub(substitute, text)
        return text


def redact(text: str) -> tuple[str, dict[str, str]]:
    """Replace emails, phone numbers and ID numbers with numbered placeholders.

    The same value always maps to the same placeholder, so a model sees that two mentions
    are one person. Use ``Redactor`` to redact several texts with one numbering.

    Args:
        text: The text to clean.

    Returns:
        The redacted text and a mapping from each placeholder to the original value.
    """
    redactor = Redactor()
    return redactor(text), redactor.mapping


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Put the original values back where the placeholders are.

    Unknown placeholders are left as they are, so nothing is invented.
    """
    if not mapping:
        return text

    def back(m: re.Match[str]) -> str:
        return mapping.get(f"⟦{m.group(1)}_{m.group(2)}⟧", m.group(0))

    return _PLACEHOLDER.sub(back, text)


def restore_data(value: T, mapping: Mapping[str, str]) -> T:
    """``restore`` applied to every string inside nested dicts, lists and tuples."""
    if not mapping:
        return value
    if isinstance(value, str):
        return restore(value, mapping)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {restore_data(k, mapping): restore_data(v, mapping) for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [restore_data(v, mapping) for v in value]  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(restore_data(v, mapping) for v in value)  # type: ignore[return-value]
    return value
