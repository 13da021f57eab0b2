"""The fabrication check: numbers, dates, names and proper nouns not in the draft."""

from __future__ import annotations

import pytest

from assistant import factcheck

DRAFT = ("Sarah rewrote the onboarding guide in March, cutting setup from two days to four hours. "
         "Her weekly reports were late.")
DRAFT_ZH = "小王在3月主导了支付系统迁移，把故障率从5%降到1%。但周报经常迟交。"


def test_faithful_paraphrase_passes() -> None:
    rewrite = ("Sarah rewrote the onboarding guide in March, cutting setup from 2 days to 4 hours. "
               "Next step: send the weekly report by [date], with [support].")
    assert factcheck.check(rewrite, DRAFT).ok


def test_invented_facts_are_caught() -> None:
    bad = "In April, Sarah and John reduced errors by 30% on Project Atlas."
    found = set(factcheck.check(bad, DRAFT).fabricated)
    assert {"april", "john", "30", "atlas"} <= found


def test_invented_name_at_sentence_start() -> None:
    assert "jennifer" in factcheck.check("Jennifer did well on the guide.", DRAFT).fabricated


def test_placeholders_are_not_facts() -> None:
    text = "[Example: on 12 May, at the Q3 review, Tom did X] Please send it by [Friday 5pm]."
    assert factcheck.check(text, DRAFT).ok


def test_chinese_numbers_and_names() -> None:
    ok = "小王在3月主导了支付系统迁移，把故障率从5%降到1%。建议在[日期]前提交周报。"
    assert factcheck.check(ok, DRAFT_ZH).ok
    bad = factcheck.check("小王和老李在4月完成了迁移，节省了20万元。", DRAFT_ZH)
    assert {"老李", "4", "20"} <= set(bad.fabricated)


def test_allowed_text_counts_as_source() -> None:
    assert factcheck.check("Use SBI as in the Situation-Behaviour-Impact guide.", DRAFT).ok
    assert factcheck.check("Try the COIN model.", DRAFT, allowed="the COIN model").ok


def test_ordinary_chinese_words_are_not_names() -> None:
    assert factcheck.check("建议每周总结一次，用一小时复盘，总是提前准备。", "周报经常迟交。").ok


def test_retention_catches_a_rewrite_that_drops_the_draft() -> None:
    only_slots = "[Example of Sarah's work] [Impact] [Next step by date]"
    kept = factcheck.retention(only_slots, DRAFT)
    assert "march" in kept.missing_facts and kept.content_kept < 0.2
    faithful = factcheck.retention(
        "Sarah rewrote the onboarding guide in March, cutting setup from two days to four "
        "hours. Her weekly reports were late; next step: send them by [date].", DRAFT)
    assert faithful.missing_facts == () and faithful.content_kept > 0.8


def test_invented_details_become_placeholders() -> None:
    draft = ("Priya rewrote the onboarding guide in March, cutting setup from two days to four "
             "hours.")
    made_up = ("In April Priya and Jonathan cut setup by 75% on Project Falcon [example: impact]. "
               "She cut setup from two days to 4 hours.")
    fixed = factcheck.replace_fabrications(made_up, factcheck.check(made_up, draft).fabricated)
    assert factcheck.check(fixed, draft).ok
    assert fixed.startswith("In [date] Priya and [name] cut setup by [number]% on [name] ")
    assert "[example: impact]" in fixed and "4 hours" in fixed  # "4" == "four": kept
    zh_draft = "小王三月把对账时间从五天缩短到两天。"
    zh_made_up = "小王在4月带领老张把对账时间缩短了七成，从五天缩短到两天。"
    zh_fixed = factcheck.replace_fabrications(
        zh_made_up, factcheck.check(zh_made_up, zh_draft).fabricated)
    assert factcheck.check(zh_fixed, zh_draft).ok
    assert zh_fixed == "小王在[数字]月带领[名称]把对账时间缩短了[数字]成，从五天缩短到两天。"


def test_key_facts_keep_surface_forms_in_order() -> None:
    assert factcheck.key_facts("小王在9月20日上线，差错率从0.8%降到0.1%。") == [
        "小王", "9月20日", "0.8%", "0.1%"]
    facts = factcheck.key_facts("In March Priya cut setup by 75% at Acme.")
    assert facts == ["March", "Priya", "75%", "Acme"]


def test_key_facts_are_whole_tokens_and_whole_dates() -> None:
    # A small model cannot keep "H" and "3": it can keep "H1" and "Q3".
    facts = factcheck.key_facts(
        "In the Q3 launch, Dana moved 1.2M users on Sept 14 for Acme Corp; in H1 she mentors.")
    assert facts == ["Q3", "Dana", "1.2M", "Sept 14", "Acme Corp", "H1"]
    assert factcheck.key_facts("By Q4 2024 the score rose 20%.") == ["Q4 2024", "20%"]


def test_possessive_of_a_name_in_the_draft_is_not_invented() -> None:
    draft = DRAFT.replace("Sarah", "Priya")
    assert factcheck.check("Priya's guide is the example to cite.", draft).ok


def test_one_on_one_meetings_are_not_numbers() -> None:
    assert factcheck.check("We will review it in our 1:1 and in a 1对1 next week.", DRAFT).ok
    assert not factcheck.check("She closed 12 deals.", DRAFT).ok


def test_list_markers_are_not_numbers() -> None:
    assert factcheck.check("建议：1、每周五前提交周报；2、主动同步进度。", DRAFT_ZH).ok
    assert factcheck.check("1. Send the report weekly.\n2. Ask for help early.", DRAFT).ok
    assert not factcheck.check("We met at 3. Then we left.", DRAFT).ok  # a time, not a marker


def test_a_month_abbreviation_and_its_full_name_are_one_fact() -> None:
    draft = "Priya moved the billing records on Sept 14."
    for rewrite in ("On September 14, Priya moved the billing records.",
                    "On Sept. 14, Priya moved the billing records."):
        assert factcheck.check(rewrite, draft).ok
        assert factcheck.retention(rewrite, draft).missing_facts == ()
    invented = factcheck.check("In Oct and on Sept 14 Priya moved the records.", draft)
    assert invented.fabricated == ("october",)
    assert factcheck.replace_fabrications("In Oct, then October.", ("october",)) == (
        "In [date], then [date].")


_CLAIM_DRAFT = ("Priya migrated the billing service to the new ledger and wrote the runbook the "
                "team now uses. Her status reports were late three times.")
_CLAIM_DRAFT_ZH = "小王负责的对账模块按期上线，差错率明显下降。评审意见回复比较慢。"


@pytest.mark.parametrize(("rewrite", "flagged"), [
    # invented events: past tense, content the draft never mentions
    ("Priya also mentored two interns and organised the hackathon last spring.", True),
    ("You showed great initiative by volunteering for the customer escalations.", True),
    ("老张在项目中主动提出解决方案，帮助团队解决了关键问题。", True),
    # Chinese episodes without 了/过: an event ("一位…", "在…时", "结果…") or a conclusion
    # drawn from one ("这表明…"), in words and characters the draft never uses
    ("一位供应商因为付款延误而投诉到总部。", True),
    ("小王在接待新客户时主动介绍产品，促成交易。", True),
    ("老张在项目中主动提出解决方案。", True),
    ("在评审中多听取同事的意见，会后整理成纪要。", False),
    ("这表明他具备出色的谈判技巧。", True),
    ("他主动提供理财建议，成功促成交易。", True),  # 建议 as a noun is no plan
    # ... but a paraphrase of the draft, advice, and 了 inside a word are not
    ("这导致评审意见回复得比较慢，差错率也随之下降。", False),
    ("定期与各部门沟通，及时提供帮助和支持。", False),
    ("了解各部门的需求和困难，及时提供帮助。", False),
    ("建议下季度在评审会上发言时放慢语速，会后发一份纪要。", False),
    ("是否可以在评审时多听取同事的意见？", False),
    # the draft's own facts, reworded
    ("Priya's migration of the billing service to the new ledger went well.", False),
    ("You wrote the runbook that the team now uses.", False),
    ("小王负责的对账模块按期上线了，差错率下降明显。", False),
    # plans, requests and wishes are not claims about the past
    ("Next quarter you will present the migration lessons at the engineering forum.", False),
    ("希望你下季度主动组织一次复盘会，分享上线经验。", False),
    # the outline's slots, and sentences too short to judge
    ("For example, [when and where], [name] [what they did], which [what it changed].", False),
    ("That helped.", False),
])
def test_unsupported_claims(rewrite: str, flagged: bool) -> None:
    spans = factcheck.unsupported_claims(rewrite, _CLAIM_DRAFT, _CLAIM_DRAFT_ZH)
    assert bool(spans) is flagged, (rewrite, spans)


def test_unsupported_claims_judge_chinese_clause_by_clause() -> None:
    text = "整体不错，具体表现了你在工作中的努力和进步。"
    spans = factcheck.unsupported_claims(text, "整体不错，继续加油。")
    assert [text[s:e] for s, e in spans] == ["具体表现了你在工作中的努力和进步。"]


@pytest.mark.parametrize(("text", "flagged"), [
    ("Next step: [what to do] by [date], with [support you will give].", False),
    ("值得肯定的是：[一项具体成绩：何时、做了什么、结果如何]。", False),
    ("[Priya mentored the two new interns and organised the spring hackathon.]", True),
    ("需要提升：[小葛在4月4日向全体员工展示了操作手册，并推广到全区。]", True),
    ("需要提升：[李会计没有及时提供反馈和帮助，导致新人感到困惑。]", True),
    ("[the team's collaboration]", False),
    # a slot's label in front of a statement: still a statement
    ("[例子：2019年1月，接待了一位来自美国的客人，帮助其办理入住手续。]", True),
    ("[Example: in May she led the vendor review and cut the renewal cost.]", True),
    ("[例子：何时、做了什么、带来了什么变化]", False),
    ("[example: when, what they did, what it changed]", False),
])
def test_bracketed_claims_are_statements_not_slots(text: str, flagged: bool) -> None:
    assert bool(factcheck.bracketed_claims(text)) is flagged


def test_no_outline_slot_reads_as_a_bracketed_claim() -> None:
    from assistant.placeholder import _SLOTS

    for slots in _SLOTS.values():
        for slot in slots.values():
            assert not factcheck.bracketed_claims(slot), slot


@pytest.mark.parametrize(("rewrite", "draft"), [
    ("比计划提前了1周。", "上个月的迁移比计划提前了一周。"),
    ("She closed it in 1 week.", "She closed it in one week."),
    ("It was the 1st release to ship on time.", "It was the first release to ship on time."),
])
def test_a_digit_for_the_drafts_number_word_is_no_fabrication(rewrite: str, draft: str) -> None:
    # "一"/"one" are skipped as facts of their own, but they still support the digit
    assert factcheck.check(rewrite, draft).ok


def test_dropped_facts_are_named_as_the_draft_writes_them() -> None:
    """A retry prompt names "Sept 14" and "0.8%", not "14, september" and "0.8"."""
    draft = ("Priya moved 1.2M customer records on Sept 14 and cut the H1 backlog. "
             "小王在9月20日上线，差错率从0.8%降到0.1%。")
    kept = factcheck.retention("Priya moved records. 小王上线了。", draft)
    named = factcheck.as_written(kept.missing_facts, draft)
    assert {"1.2M", "Sept 14", "9月20日", "0.8%", "0.1%"} <= set(named)
    assert "september" not in named and "0.8" not in named
