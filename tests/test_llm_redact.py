from __future__ import annotations

import pytest

from assistant.llm.redact import Redactor, redact, restore, restore_data


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("Mail zhang.san@example.com today", "zhang.san@example.com", "EMAIL"),
        ("邮箱zhangsan@corp.cn谢谢", "zhangsan@corp.cn", "EMAIL"),
        ("手机13812345678，谢谢", "13812345678", "PHONE"),
        ("call 138 1234 5678 now", "138 1234 5678", "PHONE"),
        ("call +86 138-1234-5678 now", "+86 138-1234-5678", "PHONE"),
        ("UK office +44 20 7946 0958.", "+44 20 7946 0958", "PHONE"),
        ("US (415) 555-0132 or", "(415) 555-0132", "PHONE"),
        ("US 415-555-0132 or", "415-555-0132", "PHONE"),
        ("座机 010-12345678 转", "010-12345678", "PHONE"),
        ("座机(0755)1234567", "(0755)1234567", "PHONE"),
        ("身份证号11010519491231002X。", "11010519491231002X", "ID"),
        ("SSN 123-45-6789.", "123-45-6789", "ID"),
        ("passport E12345678,", "E12345678", "ID"),
        ("护照号：G1234567", "G1234567", "ID"),
        ("Passport number: 534689210", "534689210", "ID"),
    ],
)
def test_identifiers_are_replaced_and_restored(text: str, value: str, kind: str) -> None:
    redacted, mapping = redact(text)
    assert value not in redacted
    assert mapping == {f"⟦{kind}_1⟧": value}
    assert restore(redacted, mapping) == text


@pytest.mark.parametrize(
    "text",
    [
        "Revenue grew 23.5% to $1,234,567.89 in Q3 2024.",
        "Due 2024-03-15, 2024/03/15, 15.03.2024 or 2024年3月15日 at 10:30.",
        "预算¥12000，完成率95%，共12345678件，订单号20240315001。",
        "Shipped v1.2.3 to 3 regions; ISO9001 audit; rated 4/5; +15% QoQ; 3.14159.",
        "Ticket ABC-1234 closed by a team of 12 in 2 weeks; score 100.",
        "Growth of +3.5 points, from 1,200,000 to 1,350,000 users.",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert redact(text) == (text, {})


def test_same_value_same_placeholder_across_texts() -> None:
    r = Redactor()
    a = r("Ask ann@example.com or 13912345678.")
    b = r("Again: ann@example.com; also bob@example.com")
    assert a == "Ask ⟦EMAIL_1⟧ or ⟦PHONE_1⟧."
    assert b == "Again: ⟦EMAIL_1⟧; also ⟦EMAIL_2⟧"
    assert set(r.mapping) == {"⟦EMAIL_1⟧", "⟦EMAIL_2⟧", "⟦PHONE_1⟧"}


def test_restore_tolerates_square_brackets_and_ignores_unknown() -> None:
    mapping = {"⟦EMAIL_1⟧": "ann@example.com"}
    assert restore("to [EMAIL_1] and ⟦EMAIL_9⟧", mapping) == "to ann@example.com and ⟦EMAIL_9⟧"


def test_restore_data_walks_nested_structures() -> None:
    mapping = {"⟦EMAIL_1⟧": "ann@example.com", "⟦PHONE_1⟧": "13912345678"}
    data = {
        "summary": "Reach ⟦EMAIL_1⟧",
        "items": [{"contact": "⟦PHONE_1⟧", "n": 3}, "plain"],
        "pair": ("⟦EMAIL_1⟧", None),
    }
    assert restore_data(data, mapping) == {
        "summary": "Reach ann@example.com",
        "items": [{"contact": "13912345678", "n": 3}, "plain"],
        "pair": ("ann@example.com", None),
    }
