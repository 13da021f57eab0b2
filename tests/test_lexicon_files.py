"""Structural and behavioural checks of the bias and personality lexicons (yaml + re only)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

LEXICON_DIR = Path(__file__).resolve().parents[1] / "assistant" / "analyzer" / "lexicons"
FLAGS = re.IGNORECASE
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

BIAS_KEYS = {"id", "category", "lang", "patterns", "exclude", "reason", "reason_zh",
             "suggestion", "suggestion_zh"}
PERSONALITY_KEYS = {"id", "lang", "polarity", "kind", "patterns", "exclude"}
OPTIONAL_KEYS = {"judges_person"}  # bias: coded framing that labels nobody
CATEGORIES = {"gender", "age", "family", "race_ethnicity", "nationality", "religion",
              "disability", "appearance", "sexuality", "other"}


def _load(name: str) -> list[dict[str, Any]]:
    with (LEXICON_DIR / name).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, list)
    return data


BIAS = _load("bias.yaml")
PERSONALITY = _load("personality.yaml")


class Compiled:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.id: str = raw["id"]
        self.patterns = [re.compile(p, FLAGS) for p in raw["patterns"]]
        self.exclude = [re.compile(p, FLAGS) for p in raw.get("exclude") or []]

    def hit(self, sentence: str) -> str | None:
        """First non-empty match in the sentence, unless an exclude matches it."""
        for p in self.patterns:
            for m in p.finditer(sentence):
                if m.end() > m.start():
                    if any(x.search(sentence) for x in self.exclude):
                        return None
                    return m.group()
        return None


BIAS_C = [Compiled(e) for e in BIAS]
PERSONALITY_C = [Compiled(e) for e in PERSONALITY]


def _hits(entries: list[Compiled], sentence: str) -> dict[str, str]:
    out = {}
    for e in entries:
        h = e.hit(sentence)
        if h is not None:
            out[e.id] = h
    return out


# ---------------------------------------------------------------- structure

@pytest.mark.parametrize(("entries", "keys"), [(BIAS, BIAS_KEYS), (PERSONALITY, PERSONALITY_KEYS)],
                         ids=["bias", "personality"])
def test_exact_keys_and_unique_ids(entries: list[dict[str, Any]], keys: set[str]) -> None:
    ids = [e.get("id") for e in entries]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, dupes
    for e in entries:
        assert keys <= set(e) <= keys | OPTIONAL_KEYS, (e.get("id"), set(e) ^ keys)
        assert e["lang"] in {"en", "zh"}, e["id"]
        assert isinstance(e["patterns"], list) and e["patterns"], e["id"]
        assert isinstance(e["exclude"], list), e["id"]
        assert all(isinstance(p, str) and p for p in e["patterns"] + e["exclude"]), e["id"]


def test_bias_fields() -> None:
    for e in BIAS:
        assert re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", e["id"]), e["id"]
        assert e["category"] in CATEGORIES, e["id"]
        assert e["id"].split(".")[0] == e["category"], e["id"]
        for k in ("reason", "suggestion"):
            assert isinstance(e[k], str) and len(e[k]) > 10, (e["id"], k)
        for k in ("reason_zh", "suggestion_zh"):
            assert isinstance(e[k], str) and CJK.search(e[k]), (e["id"], k)
    assert len(BIAS) >= 120


def test_personality_fields() -> None:
    for e in PERSONALITY:
        assert re.fullmatch(r"(en|zh)\.[a-z0-9_]+", e["id"]), e["id"]
        assert e["id"].split(".")[0] == e["lang"], e["id"]
        assert e["polarity"] in {"negative", "positive", "neutral"}, e["id"]
        assert e["kind"] in {"adjective", "phrase"}, e["id"]
    assert len(PERSONALITY) >= 200
    polarities = Counter(e["polarity"] for e in PERSONALITY)
    assert polarities["negative"] and polarities["positive"]


@pytest.mark.parametrize("entries", [BIAS, PERSONALITY], ids=["bias", "personality"])
def test_patterns_compile_and_never_match_empty(entries: list[dict[str, Any]]) -> None:
    probe = "She is 34. 他很好。 The team shipped it on 3 May; 小王按时完成了。"
    for e in entries:
        for p in e["patterns"] + e["exclude"]:
            rx = re.compile(p, FLAGS)
            assert rx.match("") is None, (e["id"], p)
            assert "(?P<" not in p, (e["id"], p)  # named groups collide in the union regex
            assert all(m.end() > m.start() for m in rx.finditer(probe)), (e["id"], p)
        for p in e["patterns"]:
            # Backreferences break once all patterns are joined into one union regex.
            assert not re.search(r"\\[1-9]", p), (e["id"], p)


@pytest.mark.parametrize("entries", [BIAS, PERSONALITY], ids=["bias", "personality"])
def test_union_regex_compiles(entries: list[dict[str, Any]]) -> None:
    """The analyzer finds start positions with one lookahead over all patterns."""
    alternatives = [f"(?:{p})" for e in entries for p in e["patterns"]]
    re.compile("(?=" + "|".join(alternatives) + ")", FLAGS)


def test_english_patterns_use_word_boundaries() -> None:
    for e in BIAS + PERSONALITY:
        if e["lang"] != "en":
            continue
        for p in e["patterns"]:
            assert "\\b" in p or "(?<![A-Za-z])" in p, (e["id"], p)


# ---------------------------------------------------------------- neutral sentences

NEUTRAL = [
    "The aggressive timeline slipped by two weeks.",
    "The team adopted an aggressive pricing strategy for the spring launch.",
    "She presented the Q3 numbers to the board on 12 March.",
    "He led the emotional intelligence workshop for new managers in May.",
    "Our nurses provide emotional support for patients during discharge.",
    "Marketing ran an emotional campaign for Mother's Day.",
    "We found the sweet spot between batch size and latency.",
    "The build is flaky on Windows runners, so she added retries.",
    "The test suite is unreliable on ARM, so she rewrote the fixtures.",
    "She fixed the lazy loading bug in the settings page.",
    "He wrote a naive implementation first and then optimised it to run in 40 ms.",
    "She is responsible for the billing API and the nightly exports.",
    "He is dedicated to the payments migration until June.",
    "The SMART goals for Q4 were agreed on 3 October.",
    "Omar reviewed twelve pull requests and caught two security issues.",
    "The dashboard now shows a legend under each chart.",
    "She ran the setup wizard on all 40 laptops before the offsite.",
    "Kai added a star schema to the warehouse in April.",
    "The node has no children after the tree is pruned.",
    "We should retire the legacy reporting service next quarter.",
    "Customer loyalty scores rose 8% after the redesign.",
    "Her attention to detail and communication in the audit were excellent.",
    "His time management improved: he shipped all four reports on time in May.",
    "He planned the migration in three phases and owned the rollback plan.",
    "The old version of the library is too old for Python 3.12.",
    "The vendor API is a high-maintenance integration for us.",
    "The change in conversion was dramatic after the checkout fix.",
    "Gen Z customers made up 30% of new sign-ups.",
    "The invoice export now handles accented characters correctly.",
    "We changed the accent colour of the primary buttons.",
    "She covered Li's accounts while Li was on maternity leave.",
    "Paternity leave was extended to four weeks company-wide.",
    "The sick leave policy was updated by HR in January.",
    "He is pretty good at estimating.",
    "She is kind of busy this week, so Lena will run the retro.",
    "The patient portal went live on 2 May.",
    "The team is young, so we paired every new hire with a mentor.",
    "Due diligence on the acquisition finished on 2 May.",
    "Greedy decoding was replaced with beam search in the model.",
    "The petty cash process moved to the new tool.",
    "The market is immature in that region, so we delayed the launch.",
    "In my humble opinion the plan needs another review.",
    "A talk entitled 'Scaling Postgres' was given by Wei at the meetup.",
    "Employees are entitled to 15 days of annual leave.",
    "The chatty protocol caused extra round trips.",
    "He used the gossip protocol for cluster membership.",
    "She migrated the styles to Sass in two sprints.",
    "He spent Thursday debugging a stubborn memory leak.",
    "She is confident that the migration will finish by Friday.",
    "The migration was difficult, but Ana finished it on 4 June.",
    "The release was a natural next step after the beta.",
    "She found a natural fit for the role in the data team.",
    "She is a natural language processing engineer.",
    "The feature is a nice to have for Q3.",
    "Priya's analysis was brilliant and saved two days of work.",
    "The older version of the API is deprecated.",
    "This is a single point of failure.",
    "He is single-handedly maintaining the build system.",
    "She is single-threading the rollout to reduce risk.",
    "The report covers women in leadership programmes across the company.",
    "The mentoring program for women engineers had 40 applicants.",
    "We use a blind review process for code submissions.",
    "Double-blind tests showed no difference between the variants.",
    "He added a health check endpoint to the service.",
    "Their health dashboard shows all green.",
    "His body of work on search is impressive.",
    "Her presentation on the roadmap was clear.",
    "The 50-year-old company moved to a new office.",
    "The invoices aged 30 days were escalated to finance.",
    "The cache max-age is 60 seconds.",
    "She merged the feature flag, so the old path is now disabled.",
    "The attractive pricing won the Lyon deal.",
    "Pretty much every ticket was closed by Friday.",
    "He manned the booth at the conference in Berlin.",
    "The deck is presentable now that finance checked the numbers.",
    "Ana shipped the search filters on 3 May, two days early.",
    "Next month, send the release notes to support two days before each launch.",
    "The new hire onboarding checklist is in the wiki.",
    "这个quarter的delivery整体不错, but stakeholder communication needs work.",
    # Chinese
    "小王负责的三个模块都按时上线。",
    "老张带新人做了两次代码评审。",
    "小王和老张上周一起完成了机房搬迁。",
    "小李3月把对账脚本的运行时间从两小时缩短到二十分钟。",
    "老王在5月12日的客户会上演示了新报表。",
    "老同志带新人做了两次演练。",
    "这个方案在华东市场表现非常强势。",
    "年轻的团队在第三季度上线了五个功能。",
    "产假期间由小李代理她的客户。",
    "病假期间由小王接手值班。",
    "系统反应慢的问题已在4月修复。",
    "我们对下个季度的市场比较悲观。",
    "这个接口不可靠，需要加重试。",
    "数据来源靠谱，结论可以直接用。",
    "他认真地核对了三季度的所有发票。",
    "新版本的界面颜值提升了不少。",
    "公司品牌形象在发布会后明显提升。",
    "这个方案还不成熟，下周再评审。",
    "小王的执行力很强。",
    "她的沟通能力和专业能力都很强。",
    "今年整体表现很好，但周报经常迟交。",
    "她在第三季度主导了12个客户的续约。",
    "我们需要一个懒加载方案来优化首屏。",
    "他把口音识别模型的准确率提升到95%。",
    "客户对价格很挑剔。",
    "供应链的韧性在疫情后变得更重要。",
    "新系统上线后大家心里踏实多了。",
    "他是技术出身，后来转做产品。",
    "我们把这个功能低调发布了。",
    "市场对新产品的反响冷淡。",
    "礼拜一上午她主持了周会。",
    "这个方案很靠谱，下周开始实施。",
    "客户现场的拉拉队表演很精彩。",
    "上海客户的续约在4月完成。",
    "新员工35人已全部完成入职培训。",
    "本次招聘了25名应届生。",
    "他的英语邮件写得很清楚。",
    "这个PPT做得很漂亮。",
    "团队为她的成绩感到骄傲。",
    "这个bug很顽固，排查了三天。",
    "这次迭代节奏有点拖沓。",
    "大家对这次调整都很积极地配合。",
    "团队里女生比较多，所以我们调整了团建安排。",
    "他在周会上提出了三个风险点，并在5月3日前给出了方案。",
    "建议下个月起每周五前把项目进度表发给我，我会和你一起过第一份。",
    "这个timeline很aggressive，我们需要砍掉两个需求。",
    "客人很热情，活动很成功。",
    "她很冷静地处理了线上故障。",
    "他独立完成了支付模块的重构。",
    "方案比较保守，但风险可控。",
    "系统很稳定，全年可用性99.99%。",
    "告警阈值太敏感，她调整了参数。",
    "他休育儿假到9月，期间由小陈负责他的客户。",
    "他负责孕产假政策的宣导工作。",
    "希望明年能更积极主动一些，多承担一些责任。",
    # English, more
    "Solid work this cycle, nice effort overall.",
    "Amazing results this quarter, 30% above target.",
    "Omar is great at negotiation.",
    "Lena is the best person to lead the rollout.",
    "Kubernetes is demanding on small teams.",
    "Thanks for stepping in, it was invaluable.",
    "Quiet week, mostly bug fixes.",
    "Kind regards, Wei.",
    "Negative growth in EMEA for Q2.",
    "Honest feedback from the client helped us fix the onboarding.",
    "The rollout was aggressive but we hit the date.",
    "We added support for screen readers and hearing aids in the app.",
    "The kid-friendly mode shipped in the family plan.",
    "The script is dumb but it works.",
    "She was transparent about the delay and told the client a week early.",
    "He is open to moving to the platform team next year.",
    "She is flexible on the start date.",
    "The charming old office will close in June.",
    "Her handwritten notes at shift change were hard to read twice.",
    "Mei is very detail-oriented and a strong communicator.",
    "Good communicator, good attention to detail, good with clients.",
    "He is reserved for the on-call rotation next week.",
    "It was a quiet quarter for support tickets.",
    "The alert was too sensitive, so she tuned the threshold.",
    # Hard negatives for the classes added from the research lists.
    "The old school building was sold in May.",
    "The team is young and hungry for feedback.",
    "He has a junior developer on his team.",
    "She ran the parental leave policy review.",
    "上海人口在五年里增长了3%。",
    "她负责女性员工关爱项目。",
    "小组很乐观地估计了工期，结果延误了两周。",
    "技术方案比较成熟，下周上线。",
    "老板对下季度比较乐观。",
    "她负责生理期假期政策的宣导。",
    "这个阿姨的客户给了好评。",
    "He is a machine learning engineer on the search team.",
    "Patient is stable after the transfusion.",
    "Her medication-round documentation is excellent.",
    "She is expecting a reply from legal by Friday.",
    "He settled down to work on the backlog after lunch.",
    "We use the bro library for parsing.",
]


@pytest.mark.parametrize("sentence", NEUTRAL)
def test_neutral_sentences_have_no_hits(sentence: str) -> None:
    assert _hits(BIAS_C, sentence) == {}, "bias"
    assert _hits(PERSONALITY_C, sentence) == {}, "personality"


# ---------------------------------------------------------------- expected hits

BIAS_EXPECTED = [
    ("She is feisty and a bit high-maintenance.", {"gender.feisty", "gender.high_maintenance"}),
    ("Honestly he is too old to change how he works.", {"age.too_old"}),
    ("For a new mother she kept up well.", {"family.new_parent"}),
    ("She can be abrasive in design reviews.", {"gender.abrasive"}),
    ("He was too aggressive with the vendor.", {"gender.aggressive"}),
    ("She gets emotional when plans change.", {"gender.emotional"}),
    ("Since her maternity leave she has been less focused.", {"family.parental_leave"}),
    ("He is set in his ways.", {"age.set_in_ways"}),
    ("She is surprisingly articulate.", {"race_ethnicity.articulate"}),
    ("His accent makes client calls hard.", {"nationality.accent"}),
    ("He is not a culture fit.", {"race_ethnicity.culture_fit"}),
    ("She is a bit bossy with juniors.", {"gender.bossy"}),
    ("He is a digital native.", {"age.digital_native"}),
    ("She is overqualified for this role.", {"age.overqualified"}),
    ("Typical millennial, always asking for feedback.", {"age.generations"}),
    ("With kids at home she cannot travel.", {"family.young_children"}),
    ("He looks tired in every meeting.", {"appearance.looks"}),
    ("She is well-groomed and attractive.", {"appearance.grooming", "appearance.attractive"}),
    ("她是个女强人。", {"gender.zh_nvqiangren"}),
    ("大龄员工学新系统比较慢。", {"age.zh_dalin"}),
    ("年纪大了，学新东西比较慢。", {"age.zh_nianji"}),
    ("老同志对新系统接受不了。", {"age.zh_laotongzhi"}),
    ("她孩子还小，出差不方便。", {"family.zh_kids"}),
    ("她刚休完产假，状态还没恢复。", {"family.zh_pregnancy"}),
    ("已婚已育，稳定性好。", {"family.zh_marital"}),
    ("他是外地人，对客户不熟。", {"nationality.zh_waidi"}),
    ("小姑娘做事还是太情绪化。", {"gender.zh_xiaoguniang", "gender.zh_qingxuhua"}),
    ("她太强势了，团队有意见。", {"gender.zh_qiangshi"}),
    ("她很emotional，开会容易激动。", {"gender.zh_mixed_coded"}),
    ("典型的00后，吃不了苦。", {"age.zh_generation"}),
    ("他身体不好，经常请假。", {"disability.zh_health"}),
    ("她形象气质好，适合对外。", {"appearance.zh_xingxiang"}),
    ("他快35岁了，学不动了。", {"age.zh_35", "age.zh_xuebudong"}),
    ("年轻人毛躁，做事不稳重。", {"age.zh_young"}),
    ("她是宝妈，要照顾家庭。", {"family.zh_baoma", "family.zh_family_care"}),
    ("Considering he's in his late fifties, Gary learned the POS fast.", {"age.age_reference"}),
    ("Old-timer wisdom you can't teach.", {"age.too_old"}),
    ("Probably won't want to travel now that she has kids.", {"family.young_children"}),
    ("就是太young了, 需要多些experience.", {"age.zh_mixed_age"}),
    ("年轻人有冲劲，90后嘛，可以理解。", {"age.zh_young_energetic", "age.zh_generation"}),
    ("刚毕业的00后，抗压能力差。", {"age.zh_generation"}),
    # Classes added from the research list (one representative each).
    ("He has a junior mindset about estimates.", {"age.junior_mindset"}),
    ("We should give the launch to someone younger.", {"age.junior_mindset"}),
    ("He is a real man's man with clients.", {"gender.gendered_types"}),
    ("She acts like a mother hen to the juniors.", {"gender.gendered_types"}),
    ("Now that his kids are older, he has more time for the role.", {"family.children_status"}),
    ("She let her ego get in the way of the deal.", {"gender.ego"}),
    ("小周虽然是女孩子，但干活不怕苦。", {"gender.zh_as_woman"}),
    ("Grace 作为一个 girl 带 team 不容易。", {"gender.zh_as_woman"}),
    ("男生做行政总归不太细致。", {"gender.zh_as_woman"}),
    ("年轻人做事不靠谱。", {"age.zh_young"}),
    ("老周是老油条了，能推就推。", {"age.zh_old_hand_labels"}),
    ("她是东北人，说话直。", {"nationality.zh_regional"}),
    ("She is expecting, so keep her off the launch.", {"family.pregnancy"}),
    ("He'll probably want to settle down soon.", {"family.plans_family"}),
    ("He keeps the sabbath, so Fridays are short.", {"religion.practice"}),
    ("He is long in the tooth for this role.", {"age.past_prime"}),
    ("She is on medication, which explains the dip.", {"disability.diagnosis_label"}),
    ("He is a leader of colour on the team.", {"race_ethnicity.minority"}),
    ("Typical snowflake, can't take criticism.", {"age.generations"}),
    ("She's no spring chicken.", {"age.past_prime"}),
    ("He is a bright young man.", {"age.past_prime"}),
    ("He is such a bro.", {"gender.gendered_types"}),
    ("她到了更年期，脾气大。", {"gender.zh_qingxuhua"}),
    ("他们是丁克，可以多安排加班。", {"family.zh_marital"}),
    ("他都五十了还在当专员。", {"age.zh_35"}),
    ("他是乡巴佬，不懂规矩。", {"nationality.zh_waidi"}),
]


@pytest.mark.parametrize(("sentence", "ids"), BIAS_EXPECTED, ids=[s for s, _ in BIAS_EXPECTED])
def test_bias_expected_hits(sentence: str, ids: set[str]) -> None:
    got = _hits(BIAS_C, sentence)
    assert ids <= set(got), got


PERSONALITY_EXPECTED = [
    ("He is careless and difficult to work with.", {"en.careless", "en.difficult"}),
    ("She is a born salesperson and a joy to manage.", {"en.born_role", "en.joy_to_work_with"}),
    ("Priya is a natural leader.", {"en.natural_role"}),
    ("Omar is lazy.", {"en.lazy"}),
    ("She is very reliable.", {"en.reliable"}),
    ("Lena is smart and hardworking.", {"en.smart", "en.hardworking"}),
    ("He is a team player.", {"en.team_player"}),
    ("He is not a team player.", {"en.not_team_player"}),
    ("She has a great attitude.", {"en.positive_attitude"}),
    ("He has a bad attitude.", {"en.bad_attitude"}),
    ("She's so kind to new hires.", {"en.kind"}),
    ("He is a rock star.", {"en.rock_star"}),
    ("She is a pleasure to work with.", {"en.joy_to_work_with"}),
    ("He is arrogant and stubborn.", {"en.arrogant", "en.stubborn"}),
    ("She is too passive in meetings.", {"en.passive"}),
    ("小张做事不靠谱，性格急。", {"zh.bu_kaopu", "zh.xingge_ji"}),
    ("他很有天赋。", {"zh.talent"}),
    ("她是个很靠谱的人。", {"zh.kaopu"}),
    ("他工作认真负责。", {"zh.renzhen"}),
    ("他很聪明。", {"zh.smart"}),
    ("他很nice，大家都喜欢他。", {"zh.mixed_positive"}),
    ("他太lazy了。", {"zh.mixed_negative"}),
    ("他没有上进心。", {"zh.not_ambitious"}),
    ("她不够自信。", {"zh.timid"}),
    ("他情商很高。", {"zh.eq_high"}),
    ("她有点玻璃心。", {"zh.glass_heart"}),
    ("他踏实肯干。", {"zh.tashi"}),
    ("她天生就是做销售的料。", {"zh.born"}),
    ("他太佛系了，最近有点躺平。", {"zh.foxi", "zh.tangping"}),
    ("他脾气大，态度不端正。", {"zh.piqi_da", "zh.attitude_bad"}),
    ("Terrence has a great work ethic and is a natural fit for the team.",
     {"en.work_ethic_good", "en.natural"}),
    ("Very dependable. Great attitude.", {"en.fragment_positive", "en.positive_attitude"}),
    ("Jamal's very reliable.", {"en.reliable"}),
    ("He comes off as arrogant.", {"en.arrogant"}),
    ("She's amazing.", {"en.global_verdict_positive"}),
    ("She has a lot of potential.", {"en.potential"}),
    ("态度很好，学习能力强。", {"zh.attitude_good"}),
    ("该员工能力一般，工作被动，需要督促。", {"zh.passive"}),
    ("性格比较闷，开会不爱发言。", {"zh.introvert"}),
    ("这个新人很eager, 学东西快.", {"zh.mixed_positive"}),
    ("他人挺好的。", {"zh.character_good"}),
    ("Brian 技术没问题, 就是 EQ 低。", {"zh.eq_low"}),
    ("可能心思不在工作上了。", {"zh.mind_elsewhere"}),
    ("小刘很干练，就是有点书呆子气。", {"zh.trait_more_positive", "zh.trait_more_negative"}),
    ("王姐为人很随和。", {"zh.trait_markers_positive"}),
    ("小周比较呆板。", {"zh.trait_more_negative"}),
]


@pytest.mark.parametrize(("sentence", "ids"), PERSONALITY_EXPECTED,
                         ids=[s for s, _ in PERSONALITY_EXPECTED])
def test_personality_expected_hits(sentence: str, ids: set[str]) -> None:
    got = _hits(PERSONALITY_C, sentence)
    assert ids <= set(got), got


@pytest.mark.parametrize(("sentence", "absent"), [
    ("He is not a team player.", "en.team_player"),
    ("他没有上进心。", "zh.shangjin"),
    ("她不够自信。", "zh.confident"),
    ("这个人不靠谱。", "zh.kaopu"),
    ("他没有天赋。", "zh.talent"),
    ("他没有责任心。", "zh.responsible"),
    ("他是个老好人。", "zh.character_good"),
])
def test_negated_positive_does_not_fire(sentence: str, absent: str) -> None:
    assert absent not in _hits(PERSONALITY_C, sentence)


# ---------------------------------------------------------------- trait classes (traits.yaml)

with (LEXICON_DIR / "traits.yaml").open(encoding="utf-8") as _fh:
    TRAITS_RAW = yaml.safe_load(_fh)


def _trait_classes() -> list[Compiled]:
    from assistant.analyzer.lexicon import expand_trait_classes

    return [Compiled(e) for e in expand_trait_classes(TRAITS_RAW)]


TRAITS_C = _trait_classes()


def test_trait_classes_structure() -> None:
    frames = set(TRAITS_RAW["frames"])
    ids = [c["id"] for c in TRAITS_RAW["classes"]]
    assert len(ids) == len(set(ids))
    for c in TRAITS_RAW["classes"]:
        assert re.fullmatch(r"en\.trait_[a-z_]+", c["id"]), c["id"]
        assert c["polarity"] in {"negative", "positive", "neutral"}, c["id"]
        assert isinstance(c.get("source"), str) and len(c["source"]) > 10, c["id"]
        assert c.get("words") or c.get("thing_words"), c["id"]
        assert set(c.get("frames") or []) <= frames, c["id"]
        assert set(c.get("thing_frames") or TRAITS_RAW["thing_frames"]) <= frames, c["id"]
    assert all(e.patterns for e in TRAITS_C)
    for e in TRAITS_C:
        for p in e.patterns:
            assert p.match("") is None, (e.id, p.pattern[:80])


# One representative sentence per class and frame kind (not dataset sentences).
TRAIT_EXPECTED = [
    ("Sam can be quite brusque with vendors.", "en.trait_agreeableness_negative"),
    ("I find him condescending.", "en.trait_agreeableness_negative"),
    ("She is harsh with new hires.", "en.trait_agreeableness_negative"),
    ("Known for being forgetful.", "en.trait_conscientiousness_negative"),
    ("He has been a bit flaky lately.", "en.trait_conscientiousness_negative"),
    ("Priya comes across as temperamental.", "en.trait_neuroticism"),
    ("His volatile temperament worries the team.", "en.trait_neuroticism"),
    ("A timid, withdrawn colleague.", "en.trait_extraversion_negative"),
    ("He is so gullible.", "en.trait_openness_negative"),
    ("Very set in her ways.", "en.trait_openness_negative"),
    ("Omar is genuinely good-natured.", "en.trait_agreeableness_positive"),
    ("She is patient with the juniors.", "en.trait_agreeableness_positive"),
    ("Tireless and dependable.", "en.trait_conscientiousness_positive"),
    ("He is very reliable.", "en.trait_conscientiousness_positive"),
    ("A gregarious, upbeat person.", "en.trait_extraversion_positive"),
    ("She is so inquisitive.", "en.trait_openness_positive"),
    ("He is a perfectionist.", "en.trait_type_nouns_negative"),
    ("She is a bit of a people pleaser.", "en.trait_type_nouns_negative"),
    ("Kai is a real go-getter.", "en.trait_type_nouns_positive"),
    ("He has a short fuse.", "en.trait_idioms_negative"),
    ("She is hard to read in meetings.", "en.trait_idioms_negative"),
    ("He lacks urgency.", "en.trait_idioms_negative"),
    ("She keeps a cool head under pressure.", "en.trait_idioms_positive"),
    ("You really have an eye for layout.", "en.trait_idioms_positive"),
    ("As a person, he is lovely.", "en.trait_person_frame"),
    ("Jen has a tendency to be negative.", "en.trait_neuroticism"),
    ("Max is too direct with clients.", "en.trait_idioms_negative"),
    ("Sam panics under pressure.", "en.trait_idioms_negative"),
    ("Zoe has checked out.", "en.trait_idioms_negative"),
    ("Dan has integrity.", "en.trait_idioms_positive"),
    ("Ana is calm and warm with patients.", "en.trait_extraversion_positive"),
    ("Jack is eager to learn.", "en.trait_extraversion_positive"),
    ("He is always willing to pitch in.", "en.trait_idioms_positive"),
    ("Nadia is a top performer.", "en.trait_idioms_positive"),
    ("He is out of his depth in the role.", "en.trait_idioms_negative"),
]


@pytest.mark.parametrize(("sentence", "cls"), TRAIT_EXPECTED, ids=[s for s, _ in TRAIT_EXPECTED])
def test_trait_class_hits(sentence: str, cls: str) -> None:
    assert cls in _hits(TRAITS_C, sentence)


# Hard negatives: the same words about things, work products, skills and events.
TRAIT_NEUTRAL = [
    "We agreed an aggressive timeline for the launch.",
    "She proposed a creative solution to the caching problem.",
    "He wrote a detailed report on the outage.",
    "Her attention to detail in the audit caught two errors.",
    "She keeps organised code and well-labelled folders.",
    "The market was volatile in Q3, so we hedged.",
    "The endpoint is insecure; he patched it on 4 May.",
    "Warm leads went up 20% after the webinar.",
    "Results were inconsistent across the three sites.",
    "Outlook is bright for the new product line.",
    "Navigation is intuitive after the redesign.",
    "The client was demanding, but Ana delivered on time.",
    "The offer was withdrawn by the candidate.",
    "Her notes were hard to read at shift change.",
    "The backlog is hard to manage without a triage rota.",
    "She is confident that the release will ship Friday.",
    "He is committed to the Q3 roadmap.",
    "She is responsible for the billing service.",
    "He is kind of busy this week.",
    "She is a natural language processing specialist.",
    "The tone of the email was curt.",
    "Customers said they like the new menu.",
    "Jenkins is flaky on ARM runners.",
    "Accuracy is inconsistent across sites.",
    "Kubernetes is demanding on small teams.",
    "The data has integrity checks on every load.",
    "She is keen to know the results by Friday.",
    "He is excellent at negotiating renewals.",
    "The report is excellent.",
]


@pytest.mark.parametrize("sentence", TRAIT_NEUTRAL)
def test_trait_classes_leave_things_alone(sentence: str) -> None:
    assert _hits(TRAITS_C, sentence) == {}
