"""The rewrite built without a model (``assistant.placeholder``)."""

from __future__ import annotations

import pytest

from assistant import factcheck
from assistant.analyzer import analyze
from assistant.placeholder import placeholder_rewrite, placeholder_slot


@pytest.mark.parametrize(
    ("draft", "lang", "gone"),
    [
        ("Ana closed 14 tickets in May. She needs to step it up and show more initiative.",
         "en", ["step it up", "show more initiative"]),
        ("小王三月完成了 12 个需求。希望明年再接再厉，多用心。", "zh", ["再接再厉", "多用心"]),
    ],
)
def test_exhortations_become_one_slot_for_the_wanted_behaviour(draft: str, lang: str,
                                                              gone: list[str]) -> None:
    rewrite = placeholder_rewrite(analyze(draft))
    slot = placeholder_slot("exhortation", lang)
    for words in gone:
        assert words not in rewrite
    assert rewrite.count(slot) == 1  # the two joined exhortations share one slot
    assert factcheck.check(rewrite, draft).ok  # every fact kept, none added


def test_separate_exhortations_get_a_slot_each_and_facts_stay() -> None:
    draft = "Do better on the Q3 audit. Tom fixed 3 bugs on 2 May. Please step it up in meetings."
    rewrite = placeholder_rewrite(analyze(draft))
    assert rewrite.count(placeholder_slot("exhortation", "en")) == 2
    assert "Tom fixed 3 bugs on 2 May" in rewrite
    assert factcheck.check(rewrite, draft).ok


@pytest.mark.parametrize(
    ("draft", "kept", "gone"),
    [
        # The label's copula frame goes with it ...
        ("Priya had a great year and is a natural leader.", "Priya had a great year",
         ["is a", "natural leader"]),
        # ... and a label whose span opens with the person keeps the person.
        ("Tom is very careless and his reports were late in May.", "Tom [describe",
         ["careless", "is very"]),
        ("He comes across as a bit arrogant in meetings.", "He [describe", ["arrogant"]),
    ],
)
def test_a_label_slot_takes_the_whole_predicate_and_keeps_the_subject(
        draft: str, kept: str, gone: list[str]) -> None:
    rewrite = placeholder_rewrite(analyze(draft))
    assert kept in rewrite
    for words in gone:
        assert words not in rewrite
    assert factcheck.check(rewrite, draft).ok
