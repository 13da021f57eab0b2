"""Per-clause signals: strength, growth area, evidence, next step.

A sentence is cut into clauses at contrast words ("but", "但是") so "good work, but the
weekly reports were late" yields one strength and one growth area. Each clause is scored
from cue lexicons; the verdicts module aggregates clauses into draft-level verdicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from .lexicon import CueSet, Hit

_CLAUSE_SPLIT = re.compile(
    # Informal Chinese uses a space for a comma: "现场加了86个微信 不过样品还没跟进".
    r"(?<=[\u4e00-\u9fff\w\U0001F300-\U0001FAFF\u2600-\u27BF])\s+(?=(?:不过|但是|可是|就是))"
    r"|(?:,|;|—|–|:)?\s+(?=\b(?:but|however|although|though|whereas|yet|while|that said|"
    r"on the other hand|except)\b)"
    r"|(?<=[，,；;：:～~])\s*(?=(?:但是|但|不过|可是|然而|只是|同时|另外|此外|而且|并且|就是|唯一|美中不足|"
    r"虽然|虽说|尽管))"
    r"|(?:,\s+|;\s*)(?=(?:and |so |which )?(?:please|next|going forward|moving forward|by |"
    r"i'd|i would|we'll|i'll|let's|try|consider)\b)"
    # Checklist items on one line: "✅ release on time ✅ zero P1 bugs ❌ demo 准备不够".
    r"|\s*(?=[✅✔☑❌✖✗])",
    re.IGNORECASE | re.ASCII,
)

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_STOP_EN = frozenset(
    ["a", "an", "the", "and", "or", "but", "so", "of", "to", "in", "on", "at", "for", "with", "from", "by", "as", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "done", "has", "have", "had", "having", "it", "its", "this", "that", "these", "those", "there", "here", "he", "she", "they", "him", "her", "them", "his", "hers", "their", "theirs", "you", "your", "yours", "we", "our", "us", "i", "me", "my", "mine", "who", "whom", "whose", "which", "what", "when", "where", "why", "how", "not", "no", "nor", "very", "really", "quite", "just", "also", "too", "more", "most", "less", "much", "many", "some", "any", "all", "each", "every", "other", "than", "then", "into", "onto", "over", "under", "about", "after", "before", "again", "further", "once", "only", "own", "same", "such", "can", "could", "should", "would", "will", "shall", "may", "might", "must", "need", "needs", "needed", "up", "down", "out", "off", "while", "because", "if", "though", "although", "however", "yet", "still", "even", "ever", "never", "always", "often", "sometimes", "usually", "well", "better", "best", "good", "great", "lot", "lots", "bit", "way", "ways", "one", "ones", "get", "got", "make", "made", "go", "going", "gone", "come", "came", "take", "took", "keep", "kept", "want", "like", "see", "seen", "know", "think", "feel", "really", "overall", "generally", "things", "thing", "stuff", "time", "times", "year", "quarter", "month", "week", "day", "team", "job", "work", "effort", "performance", "person", "people", "someone", "everyone", "anyone", "role", "level",
     "few", "several", "various"]
)
# Words of a growth cue that name no area ("needs to improve", "could do better").
_GROWTH_FRAME_WORDS = frozenset(
    [
        "improve", "improving", "improved", "improvement", "improvements", "work", "working",
        "better", "more", "less", "tends", "tend", "needs", "need", "needed", "should",
        "could", "would", "might", "must", "get", "gets", "getting", "try", "trying", "harder",
        "faster", "grow", "growing", "growth", "develop", "developing", "development", "area",
        "areas", "room", "opportunity", "opportunities", "sometimes", "often", "occasionally",
        "frequently", "regularly", "repeatedly", "still", "too", "much", "keep", "keeps",
        "step", "steps", "focus", "attention", "effort", "bit", "little", "lot", "struggle",
        "struggles", "struggled", "struggling", "enough", "further", "polish", "polishing",
        "tightening", "practice", "support", "help", "attention", "supervision", "reminding",
        "chasing", "prompting", "second", "pair", "eyes", "quite", "rather", "somewhat",
        "usually", "always", "can", "like", "love", "want", "see", "hope", "expect", "concern",
        "concerns", "issue", "issues", "problem", "problems", "gap", "gaps", "point", "points",
        "thing", "things", "challenge", "challenges", "sure", "rest", "couple", "small", "minor",
        "chat", "catch-up", "catch", "discuss", "talk", "later", "next", "few", "several",
        "various",
    ]
)
_NOT_AN_AREA = _STOP_EN | _GROWTH_FRAME_WORDS
_NAME_ZH = re.compile(
    r"(?:小|老|阿)[\u4e00-\u9fff]|[\u4e00-\u9fff](?:总|工|经理|主管|老师|师傅|姐|哥|同学|同志)"
    r"|[他她你我其它]们?|该同志|同事们?|员工|大家"
)
_ZH_SKILL = re.compile(r"[\u4e00-\u9fff]{2}(?:能力|技能|技巧|意识|水平|素养)")
_FUNCTION_ZH = re.compile(
    r"进一步|一些|有些|地方|方面|比如|例如|因为|所以|如果|虽然|但是|并且|而且|已经|一直|非常|特别|比较|"
    r"稍微|有点|一下|今年|本年度|时候|当中|其中|以及|或者|还是|自己|可以|应该|需要|能够|这个|那个|这些|"
    r"具体|私下|再聊|聊聊|回头|个别|"
    r"那些|还有|经常|总是|有时|偶尔|目前|现在|之后|之前|以后|起来|一起|一遍|一次|整体|总体|"
    r"[的了是在和与及也都还要把被给对很太较更最再又就才将能会着过得地这那个些吧呢啊呀嘛哦从到起]"
)
_VAGUE_VERBS_ZH = re.compile(
    r"加强|提升|提高|改进|改善|注意|重视|努力|加油|保持|继续|进一步|更加|更好|多|少|好好|认真|"
    r"用心|积极|主动|学习|沟通|成长|进步|锻炼|完善|优化自己|改正|避免|杜绝|发扬|取得|成绩"
)
_GENERIC_DONE_EN = re.compile(
    r"\b(did|done|worked|helped|made|handled|supported|contributed|performed|showed|went|got|"
    r"took|kept|gave|came|stayed|spent|put|managed|owned|was|were|had|met|demonstrated)\b",
    re.IGNORECASE | re.ASCII,
)
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_NAMED_EN = re.compile(
    r"\b(?:the|on|for|at|in|with|from|to|into|of)\s+[A-Z][A-Za-z0-9]+(?:[-_ ][A-Z][A-Za-z0-9]+)*\b"
    r"|\b[A-Z]{2,}[a-z]?\b(?<!\bQ[1-4])|\b[a-z]+[A-Z][A-Za-z]+\b|\b[A-Za-z]+\d+[A-Za-z]*\b(?<!\bQ[1-4])"
    r"|#\d+|\"[^\"]{2,40}\"|“[^”]{2,40}”",
    re.ASCII,
)
_RATING_NUMBER = re.compile(
    r"\b(rate|rated|rating|score|scored|give|gave|okr|kpi)\s*[:：]?\s+(\w+\s+)?(a|an|of|at|is|was)?\s*\d(\.\d+)?(/\d+)?\b"
    r"|(评分|打分|绩效|完成度|OKR|KPI|rating)[^，。；\d]{0,6}\d(\.\d+)?(?![\d%％])",
    re.I | re.ASCII,
)
_ZH_PERFECTIVE = re.compile(r"[\u4e00-\u9fff]了(?![解])")
# A completed verb with what follows it ("用了当地的银杏元素", "全部交了"), not a set phrase.
_ZH_PERFECTIVE_OBJ = re.compile(
    r"(?<!除)(?<!为)(?<!算)(?<!罢)(?<!辛苦)(?<!好)(?<!多)(?<!少)(?<!极)(?<!对)[\u4e00-\u9fff]了"
    r"(?![解])[\u4e00-\u9fff\dA-Za-z]{2}")
# The same, ending the clause ("把三期交付物全部交了。").
_ZH_DONE_FINAL = re.compile(
    r"(?<!除)(?<!为)(?<!算)(?<!罢)(?<!辛苦)(?<!好)(?<!多)(?<!少)(?<!极)(?<!对)[\u4e00-\u9fff]了"
    r"(?:[。！，,；]|$)")
# Intent in Chinese: a request, a wish, a deadline ahead ("请", "下次", "以后", "争取").
_ZH_INTENT = re.compile(
    r"(?<!申)(?<!邀)(?<!聘)(?<!宴)(?<!报)请|建议|希望|(?<![的按照合到足出项种些装式量质格户方殊本新高严])要求(?![了，,。；、的]|$)|"
    r"需要|(?<!主)(?<!重)(?<!需)(?<!只)要(?!求)|应该|应当|务必|必须|下(次|周|个|月|季|一|半年|学期|学年)|本(周|月)内|限期|"
    r"以后|今后|明天|后天|明年|来年|后续|接下来|先不|暂不|就不|不再|争取|计划|打算|尽快|马上|立即|从现在|(?<!起)起(?!来)|开始(?!了)")
_NAMED_ZH = re.compile(r"《[^》]{1,30}》|「[^」]{1,30}」|“[^”]{1,30}”|\"[^\"]{1,30}\"|[A-Za-z][A-Za-z0-9\-]{1,}")
_CONTRAST_GROWTH = re.compile(
    r"^(?:but|however|although|though|that said|one thing|the one area|yet|except"
    # "Only thing: the red-tag area is full again", "The issue is Fridays".
    r"|(?:the |my )?only (?:thing|problem|issue|concern|gripe|nitpick|catch)|(?:the|my) (?:one )?"
    r"(?:issue|problem|concern|gripe) (?:is|was|here))\b[^.!?]{0,80}?"
    r"\b(more|less|better|late|miss\w*|slow|need\w*|should|must|struggl\w*|inconsisten\w*|could|would|"
    r"complain\w*|not|never|without|again|behind|empty|full|long|away)\b"
    r"|^(?:但是|但|不过|可是|然而|只是|美中不足|唯一)[^。！？]{0,40}?(需要|还(?!是)|不够|偏|较|欠|缺|少|慢|晚|问题|改进|提升|加强"
    # A shortfall after the contrast: "但 code review 有点拖", "但招聘效率低",
    # "但是...存放了未标记的试剂瓶", "不过 closing checklist 又没签".
    r"|拖|(?<!降)低|(?<!相)差(?!不多)|乱|弱|(?<!从)未|太|抓紧|加快|(?<!从)(?<!从来)没(?!问题|得说|话说|毛病)|又(没|不|迟|晚|错|漏|忘|拖|超|被|出错|出问题))",
    re.IGNORECASE | re.ASCII,
)
_NOT_A_GAP = re.compile(
    r"\blate (20s|30s|40s|50s|60s|twenties|thirties|forties|fifties|sixties|afternoon|evening|night|shift)"
    # Praise idioms and denials: "couldn't ask for a better colleague", "nobody raised concerns".
    r"|\b(couldn[\x27’]t|could not|can[\x27’]t|cannot) (have )?(ask|asked|wish|wished|hope|hoped) for "
    r"(a |an )?(better|more)\b"
    r"|\b(nobody|no one|none of (them|us|the \w+)) (\w+ ){0,2}(raised|reported|mentioned|flagged|had)\b"
    r"|\b(fix|fixed|fixing|resolv\w+|eliminat\w+|reduc\w+|cut|cutting|clos\w+|prevent\w*|avoid\w*|"
    r"caught|catch\w*|handl\w+|squash\w*|triag\w+|spott\w+|found|diagnos\w+|debugg\w+|without)\b"
    r"[^.!?]{0,40}\b(bugs?|errors?|defects?|issues?|problems?|complaints?|mistakes?|incidents?|gaps?|delays?|rework|"
    r"near[- ]miss(es)?|escalations?|outages?|emergenc(y|ies))\b"
    # Found what someone else had missed: "found the clause the target's counsel had missed".
    r"|\b(found|caught|spotted|noticed|picked up|flagged)\b[^.!?]{0,80}?\b(that|which|who)? ?"
    r"(the |his |her |their |our )?[\w\x27’]+( [\w\x27’]+)? (had |have |has )?(missed|overlooked)\b"
    # A failure the employee recovered: "when the overnight batch failed he restored it".
    r"|\b(failed|crashed|went down|broke|fell over|collapsed|corrupted)\b[^.!?]{0,60}?"
    r"\b(he|she|they|you|[A-Z][a-z]+) (\w+ )?(restored|recovered|fixed|rescued|rebuilt|rolled (it )?back|"
    r"brought (it|them) back|got (it|them) (back|running|working))\b"
    # The object first: "one near-miss (wrong strength) caught at the final check".
    r"|\b(near[- ]miss(es)?|errors?|mistakes?|defects?|discrepanc(y|ies))\b[^.!?]{0,40}?"
    r"\b(caught|spotted|intercepted|picked up)\b(?! (by|in) (the )?(client|customer|auditor|"
    r"regulator|patient|inspector|external|audit))"
    r"|(修复|解决|减少|降低|避免|消除|拦截|排查|处理|发现|干预|纠正)[^。！？]{0,12}"
    r"(问题|错误|差错|投诉|缺陷|故障|隐患|不良|偏差|漏洞|不合理|不规范|异常|返工|损失|风险|后果)"
    # The slip stopped: "其中一例儿童剂量错误的干预".
    r"|(错误|差错|隐患|异常|风险|问题)的?(干预|拦截|纠正)"
    # A defect count taken to zero: "launch 前 critical bug 清零".
    r"|(bug|问题|缺陷|故障|隐患|投诉|工单)[^。！？，,]{0,6}清零"
    # Defects found and filed are a tester's output: "这个 quarter 你一共提了 214 个 bug".
    r"|(提|报|提交|发现|找到|找出|抓到)了?[^。！？，,]{0,10}(bug|缺陷|漏洞)"
    # The object first: "那个客户投诉你处理得挺好的", "故障当天就解决了".
    r"|(投诉|问题|故障|事故|差错|缺陷|bug)[^。！？，,]{0,6}(处理|解决|搞定|修复|跟进|排查)(得|了|好)"
    r"|\b(nothing|no areas?|no real areas?) (major )?(to (improve|work on|flag|report)|for improvement)\b"
    r"|\bno (major |real |significant |particular )?(development|improvement|growth) (areas?|points?|needs?)\b"
    r"|\b(don[\x27’]t|do not|can[\x27’]t|cannot|couldn[\x27’]t) "
    r"(have|find|think of|see|name|come up with) "
    r"(a single|any|one|a|an) (real )?(development|improvement|growth) (areas?|points?|needs?)\b"
    # A better way made possible: "let us take the account directly instead of through the
    # partner", "now runs in 11 minutes instead of 3 hours".
    r"|\b((let|lets|allowed|allows|enabled|enables|meant|means) (us|the team|them|him|her|you)|now)"
    r"( \S+){1,8}? (instead of|rather than)\b"
    # The manager's own need to keep or reward the person: "we need to make sure we keep him".
    r"|\b(we|i) (really )?(need|have) to (make sure (we|i) )?"
    r"(keep|retain|hold on to|promote|reward|recogni[sz]e|look after) (him|her|them)\b"
    # The go-to person: "everyone goes to him with their LIMS problems".
    r"|\b(go|goes|went|come|comes|came|turn|turns|turned) to (him|her|them) (first )?(with|for) "
    r"(their|his|her|any|all|the) (\w+ )?(problems?|questions?|issues?|bugs?)\b"
    r"|没有(什么)?(需要|要)?(改进|提高)的|无(需|须)改进|常见问题"
    r"|\b(short-?staffed|under-?staffed|short-?handed|a person down|two people down)\b"
    # Someone else away: "covered the Bristol branch when Ruth was off".
    r"|\b(when|while|whilst|as) (\S+ ){1,2}(was|were|is|are) (off|away|out|on leave|sick|absent)\b"
    r"|\bwithout (the |a |any |our )?\w+( \w+)? (slipping|breaking|failing|dropping|missing|suffering|"
    r"falling over|going down)\b"
    # A bad quantity going down is an achievement: "error rate fell to 0.3%", "差错率从0.8%降到0.1%".
    r"|\b(errors?|defects?|bugs?|incidents?|complaints?|escalations?|churn|attrition|shrink(age)?|"
    r"downtime|costs?|latency|turnaround|lead time|cycle time|backlog|overtime|rework|returns|"
    r"scrap|waste|no-shows?|absences?|variance)( rate| rates| count| time| times)?\b[^.!?]{0,40}?"
    r"\b(dropped|fell|decreased|declined|went down|came down|was reduced|were reduced|shrank|"
    r"halved|(is|are|was|were) (now )?down|down (to|from|by))\b"
    r"|(差错|错误|出错|投诉|缺陷|故障|事故|返工|成本|耗时|流失|损耗|不良|延误|逾期|积压|加班|报错|bug|error)"
    r"[^。！？]{0,16}?(降到|降至|降低|下降|减少|缩短|减半|从[^。！？]{0,12}?降)",
    re.IGNORECASE | re.ASCII,
)
# Exhortations to carry on or to stop ("keep up the good work", "needs to stop slacking")
# hold no action; "take ownership of the release checklist" does.
_KEEP_GOING = re.compile(
    r"(keep|continue|stay|carry on|must|has to|have to|needs? to|should|this|it|that|don\x27t|"
    r"do not|never)\b"
    # Effort and attitude urges hold no action whatever follows ("try harder on the reports").
    r"|(try|work|push|do|perform|be|get|step|tone|buck|pull|shape|up)\b\s*"
    r"(harder|better|more|less|a bit more|it up|up|it down|your|his|her|their)\b",
    re.IGNORECASE | re.ASCII)
_THE_REST = re.compile(
    r"其他|其它|其余|别的|除此之外|除此以外|别的方面|总体|整体|\b(otherwise|other than that|apart from that|"
    r"besides that|aside from that|beyond that|the rest|everything else|overall)\b", re.IGNORECASE)
"""An evaluation of everything else ("其他都挺好的", "otherwise great")."""
JUXTAPOSED = re.compile(r"[，,;；、]|\s[-–—]\s")
"""Separators between two evaluations set side by side in one clause."""
_FORMULA = re.compile(r"\b(please|kindly|pls|plz)\s+(note|find|see|be aware|be advised|refer to)\b",
                      re.IGNORECASE | re.ASCII)
# Work taken away from the employee is the manager's decision, not a step for them.
_TAKEN_AWAY = re.compile(
    r"\b(give|hand|assign|move|pass|reassign)\s+(it|this|that|them|the \w+( \w+)?)\s+to\s+"
    r"(someone|somebody|another|other|a younger|a more)\b|\b(keep|leave)\s+(him|her|them)\s+(on|in|at)\b"
    # The manager's own decision or its review: "I'd hold her at current level", "Re-evaluate
    # next cycle".
    r"|\b(hold|keep) (him|her|them) at (the |his |her |their )?(current|same|present) (level|grade|band)\b"
    r"|^\s*(re-?evaluate|reassess|revisit|re-?review)\b(?! (your|his|her|their) (own|notes|work|code|draft))"
    # Talk about the review itself: "我说一下我的想法", "Talk to me if you want details".
    r"|我(先)?(说|讲|谈)(一下|几句|说)|跟你(说说|聊聊|讲讲|说几句)|我的想法|"
    r"\b(talk to|come to|ask|ping) me if you (want|need|have)( any| more)? "
    r"(details|questions|more|to discuss)\b"
    # A difficulty reported, not a step: "it's hard to get him to adopt the new process".
    r"|\b(hard|difficult|impossible|tough|a struggle|a battle) to get (him|her|them) to\b"
    # A norm for the whole role, not a step: "every shift manager is expected to maintain".
    r"|\b(every|all|any) [\w ]{1,30}? (is|are) (expected|required) to\b"
    # More work handed to the employee is the manager's allocation: "give him more leads".
    r"|\b(give|hand|send|throw|assign) (him|her|them) (more|extra|additional|bigger) "
    r"(leads|work|accounts|clients|projects|shifts|hours|tickets|cases|customers)\b"
    r"|(交给|给|换)(别人|其他人|年轻人|更年轻的)|(安排|让|派|找)(别人|其他人|其他同事|别的同事|年轻人|更年轻的|新人)"
    r"(来|去)?(接手|接替|顶上|负责|做|干|谈)|(交给|交由|派给|分给|安排给)(她|他|其)(?![的们])|不安排(其|她|他)|先不(安排|考虑)|(不|别)(考虑|安排|让|派|叫)(她|他)|"
    r"我(打算|准备|计划)把(她|他)|(先|暂时|暂且|暂)\s?(hold|pause|freeze)",
    re.IGNORECASE | re.ASCII,
)


# "I suggest she joins", "Next step: Ben writes up": a third-person verb needs its subject.
_SUBJECT_SLOT = re.compile(
    r"(?:\b(?:he|she|they)|(?-i:\b[A-Z][a-z]+))\s+(?:also\s+|then\s+|now\s+)?$",
    re.IGNORECASE | re.ASCII,
)


def _spaces(m: re.Match[str]) -> str:
    return " " * (m.end() - m.start())


_STOP_VERB = re.compile(
    r"^\s*(please\s+|kindly\s+|pls\s+|plz\s+)?(stop|don't|do not|never|quit|avoid|no more)\b"
    r"|^\s*(请)?(不要|别|不能|禁止|杜绝)",
    re.I | re.ASCII,
)
# A list marker, and hedges before an imperative ("Maybe consider pairing with Ana ...").
_IMPERATIVE_LEAD = re.compile(
    r"^\s*(?:[-•*]\s*|\d+[.)]\s*|\(\d+\)\s*)?(?:(?:maybe|perhaps|possibly|also|just|so|then|and)\s+)*",
    re.IGNORECASE | re.ASCII)
_NEG_EVENT = re.compile(
    r"\b(never\b|not once\b|no\b|zero\b|without (a |any )?|"
    r"(has|have|did)\s?n[o\x27]t (made|had|logged|caused|"
    r"received|got) (a single|one|any))\s*(\w+\s){0,2}(missed|miss|late|mistakes?|errors?|"
    r"complaints?|issues?|bugs?|defects?|incidents?|escalations?|delays?|problems?|concerns?|"
    r"failed|failures?)\b"
    r"|(从未|从没|没有什么|没有|没什么|没啥|无|零|未)(出现|发生)?(过)?(任何|什么|啥)?[\u4e00-\u9fff]{0,4}?"
    r"(延误|差错|错误|失误|投诉|事故|问题|返工|逾期|迟到)"
    # "技术没问题": no problem with it.
    r"|没(什么)?(问题|毛病)(?![^。！？，,]{0,3}(吗|吧|？|\?))"
    # "一次都没出错": never erred.
    r"|(一次|一回|一单|一笔|一个)?(都|也)?没(有)?(出|犯)(过)?(错|差错|问题|事故)"
    # "没有出现一次超售没处理好的情况": not a single occurrence.
    r"|(没有|没|未|从未|从没)(出现|发生)(过)?(一次|一起|一例|任何)"
    # A zero count after the noun: "差错0笔", "defects: 0", "complaints at zero".
    r"|(差错|错误|失误|出错|投诉|事故|返工|逾期|缺陷|故障|客诉|漏检|errors?|defects?|complaints?|"
    r"incidents?|mistakes?|escalations?|claims?|variances?|returns|no-shows?)"
    r"\s?(数|量|率|count|rate)?\s?(为|是|:|：|=|of|at|was|were)?\s?(0|零|zero|nil|none)(?![\d.,]*\d)"
    r"\s?(笔|次|起|件|单|例|个|%)?",
    re.IGNORECASE | re.ASCII,
)


@dataclass
class Clause:
    """One clause of a sentence and what it says."""

    text: str
    start: int
    end: int
    strength: bool = False
    growth: bool = False
    growth_named: bool = False
    evidence: int = 0
    specific: bool = False
    future: bool = False
    next_step: bool = False
    step_quality: int = 0
    exhortation: list[Hit] = field(default_factory=list)
    vague: list[Hit] = field(default_factory=list)
    impact: bool = False
    topic: str = ""


_CHECK_MARK = re.compile(r"\s*([✅✔☑❌✖✗])")
_CROSS = "❌✖✗"


def _hit(m: re.Match[str] | None) -> Hit | None:
    return Hit(m.start(), m.end(), m.group()) if m else None


def split_clauses(text: str, offset: int) -> list[Clause]:
    """Cut a sentence into clauses; offsets are absolute in the draft."""
    clauses: list[Clause] = []
    pos = 0
    for m in _CLAUSE_SPLIT.finditer(text):
        if m.start() > pos:
            _add_clause(clauses, text, pos, m.start(), offset)
        pos = m.end()
    _add_clause(clauses, text, pos, len(text), offset)
    return clauses


# An imperative after a dash ("his emails are terse — have Priya review the next five").
_DASH = re.compile(r"\s[—–]\s|\s-\s|—")
_TRAILING_CONCESSION = re.compile(r"[,，]\s*(though|mind you)\W*$", re.IGNORECASE | re.ASCII)
_TRAILING_CONTRAST = re.compile(r"^\W*(though|however|but|yet|then)\W*$", re.IGNORECASE)


def _add_clause(out: list[Clause], text: str, s: int, e: int, offset: int) -> None:
    piece = text[s:e]
    if not re.search(r"\w", piece):
        return
    if out and _TRAILING_CONTRAST.match(piece):
        # "..., though." closes the previous clause; it is not a clause of its own.
        prev = out[-1]
        out[-1] = Clause(text[prev.start - offset:e].strip(), prev.start,
                         prev.start + len(text[prev.start - offset:e].strip()))
        return
    lead = len(piece) - len(piece.lstrip())
    stripped = piece.strip()
    out.append(Clause(stripped, offset + s + lead, offset + s + lead + len(stripped)))


def _blank(text: str, hits: list[Hit]) -> str:
    chars = list(text)
    for h in hits:
        for i in range(h.start, min(h.end, len(chars))):
            chars[i] = " "
    return "".join(chars)


def content_topic(text: str, cues: CueSet, remove: tuple[str, ...]) -> str:
    """What is left of a clause once cue words, generic nouns and function words go.

    A non-empty result means the clause names something (an area, an object).
    """
    hits: list[Hit] = []
    for name in (*remove, "generic_nouns", "exhortation"):
        hits.extend(cues.hits(name, text))
    rest = _blank(text, hits)
    words = [w for w in _WORD.findall(rest) if w.lower() not in _STOP_EN and len(w) > 2]
    # A skill noun ("沟通能力", "安全意识") names an area even when its verb part alone
    # ("沟通") would be a vague exhortation, as "communication" does in English.
    skills = _ZH_SKILL.findall(rest)
    zh = _NAME_ZH.sub(" ", rest)
    zh = _VAGUE_VERBS_ZH.sub(" ", zh)
    zh = _FUNCTION_ZH.sub(" ", zh)
    zh_runs = re.findall(r"[\u4e00-\u9fff]{2,}", zh)
    return " ".join(words + zh_runs + skills)


# A measured change in Chinese ("覆盖率从 54% 提到 71%", "报损从1.2万元降到7千元"): praise when it
# moves the right way for its metric (down for losses, errors, time; up otherwise).
_ZH_FROM_TO = re.compile(
    r"(?P<metric>[\u4e00-\u9fffA-Za-z]{1,12})\s?从\s?[\d.,]+\s?[%％万千个件天小时分钟秒次元]*\s?"
    r"(?P<dir>提(升|高)?|升|涨|增(加|长)?|降(低)?|下降|减(少)?|缩(短)?|压(缩)?)(到|至)\s?[\d.,]+")
_PRAISE_EMOJI = re.compile(r"[👍👏💪🎉🙌🌟⭐]|点赞|给你点个?赞")


def _zh_improvement(text: str) -> Hit | None:
    """A Chinese from-to change that moved the right way, as a praise hit."""
    m = _ZH_FROM_TO.search(text)
    if m is None:
        return None
    less_is_better = _LESS_IS_BETTER.search(m.group("metric")) is not None
    down = m.group("dir")[:1] in "降下减缩压"
    return Hit(m.start(), m.end(), m.group()) if down == less_is_better else None


def analyze_clause(clause: Clause, cues: CueSet) -> Clause:
    """Fill in the signals of one clause."""
    t = clause.text
    low = t.lower()
    positive = cues.search("positive", t) or _zh_improvement(t) or _hit(_PRAISE_EMOJI.search(t))
    growth = cues.search("growth", t) or _hit(_CONTRAST_GROWTH.search(t))
    neg_event = _hit(_NEG_EVENT.search(t))
    clause.exhortation = cues.hits("exhortation", t)
    clause.vague = cues.hits("vague", t)
    clause.impact = bool(cues.search("impact", t))

    # A checklist mark says which it is: "✅ release on time", "❌ demo 准备不够".
    mark = _CHECK_MARK.match(t)
    if mark is not None and mark.group(1) in _CROSS:
        growth = growth or Hit(mark.start(1), mark.end(1), mark.group(1))
        positive = neg_event = None
    elif mark is not None:
        growth, positive = None, positive or Hit(mark.start(1), mark.end(1), mark.group(1))
    # Growth vs strength. "never missed a deadline" is praise, not a growth area.
    if growth and neg_event and neg_event.start <= growth.start <= neg_event.end:
        # "专业能力没问题，团队协作还需加强": the slip denied is praise; a gap may still follow.
        later = cues.search("growth", t[neg_event.end:])
        growth = (Hit(neg_event.end + later.start, neg_event.end + later.end, later.text)
                  if later else None)
        positive = positive or neg_event
    reference = against_reference(t)
    if reference is not None:
        verdict, r_start, r_end = reference
        if verdict == "worse":
            growth = growth or Hit(r_start, r_end, t[r_start:r_end])
        else:
            # "an error rate of 1.2% against a target of 3%" names no gap.
            if growth and r_start - 40 <= growth.start < r_end and _LESS_IS_BETTER.fullmatch(
                    growth.text.strip()):
                growth = cues.search("growth", t[r_end:])
            positive = positive or Hit(r_start, r_end, t[r_start:r_end])
    if (growth is None and positive is None and (m := _TRAILING_CONCESSION.search(t))
            and (cues.search("quantity", t) or cues.search("done_verbs", t))):
        # "The write-up took three weeks, though.": a fact conceded after praise is the
        # criticism.
        growth = Hit(m.start(), m.end(), m.group())
    if growth and _NOT_A_GAP.search(t):
        rest = _NOT_A_GAP.sub(" ", t)
        growth = cues.search("growth", rest) or _hit(_CONTRAST_GROWTH.search(rest))
    if growth and positive:
        negated_positive = re.search(
            r"\b(not|n't|never|hardly|barely)\b\W+(\w+\W+)?" + re.escape(positive.text.split()[0]),
            low,
        )
        clause.growth = True
        # Praise and criticism set side by side ("执行力强，沟通能力有待提高", "Good
        # associate, bit arrogant") are two evaluations, however short the praise.
        # A wish for more ("希望再接再厉，更上一层楼") is an exhortation, not a criticism.
        juxtaposed = (positive.end <= growth.start
                      and bool(JUXTAPOSED.search(t, positive.end, growth.start))
                      and not any(h.start >= positive.end for h in clause.exhortation))
        # The other order when the praise covers the rest: "时间管理一般，其他都挺好的", "a bit
        # slow on tickets, otherwise great". (Praise after a difficulty of the situation, "测试
        # 环境不稳定，小周还是...上线了，辛苦", is not a second evaluation.)
        praise_after = (growth.end <= positive.start
                        and bool(JUXTAPOSED.search(t, growth.end, positive.start))
                        and _THE_REST.search(t, growth.end, positive.end) is not None
                        and cues.search("growth", t[positive.start:]) is None)
        clause.strength = False if negated_positive else (
            juxtaposed or praise_after or positive.start < growth.start - 25)
    elif growth:
        clause.growth = True
    elif positive:
        negated = re.search(
            r"\b(not|n't|never|hardly|barely|far from|without)\b\W+(\w+\W+){0,2}?"
            + re.escape(positive.text.split()[0].lower()),
            low,
        )
        zh_neg = re.search(r"(不|没|未)(太|够|算|是很|怎么)?" + re.escape(positive.text[:1]), t)
        if negated or (zh_neg and _CJK.match(positive.text[:1] or "x")):
            clause.growth = True
        else:
            clause.strength = True
    if clause.growth:
        clause.topic = content_topic(t, cues, ("growth", "vague", "positive", "directive"))
        if not clause.topic and growth is not None:
            # The cue itself may carry the area: "tends to overcommit", "should delegate more".
            clause.topic = " ".join(
                w for w in _WORD.findall(growth.text)
                if len(w) > 2 and w.lower() not in _NOT_AN_AREA)
            if not clause.topic and growth.text.startswith(
                    ("希望", "期待", "期望", "要是", "如果", "若", "假如")):
                # "希望他把隐患照片再拍清楚一点", "要是能再结合一下业务场景就更好了": a wish
                # cue that holds its own object.
                clause.topic = content_topic(growth.text, cues, ("vague", "positive", "directive"))
        clause.growth_named = bool(clause.topic)

    # Future / next step. "Kindly note" and "please find" are politeness formulas.
    directive = cues.search("directive", _FORMULA.sub(_spaces, t))
    imperative = _is_imperative(t, cues) or any(
        _is_imperative(t[m.end():], cues) for lead in (_DASH, _COLON) for m in lead.finditer(t))
    if (directive is not None and not imperative and len(cues.hits("directive", t)) == 1
            and any(m.start() <= directive.start < m.end() for m in _EMBEDDED_FUTURE.finditer(t))):
        # "a bit of a diva about which shifts she'll take": a future inside an embedded
        # question is no plan.
        directive = None
    clause.future = bool(directive) or imperative
    if (clause.future and not imperative and _CJK.search(t)
            and (_ZH_PERFECTIVE_OBJ.search(t) or _ZH_DONE_FINAL.search(t)
                 or _ZH_PAST_VERDICT.search(t))
            and not _ZH_INTENT.search(t)):
        # "两周内把 5 个市场全部 benchmark 了一遍", "11月15日前把交付物全部交了", "推荐给了":
        # a time bound or a suggestion verb in a completed event is no plan.
        clause.future = False
    if (clause.future and not imperative and _ZH_HABITUAL.search(t)
            and not _ZH_INTENT.search(t)):
        # "月结每次都在第三个工作日前完成": a deadline met again and again is a habit
        # observed, not a plan.
        clause.future = False
    if (clause.future and not imperative and directive is not None
            and directive.text.lower().startswith(("by ", "within "))
            and len(cues.hits("directive", t)) == 1
            and (_past_marker(t, cues.hits("done_verbs", t)) or _PAST_ED.search(t)
                 or _SUBJECT_PAST.search(t) or _IRREGULAR_PAST.search(t))):
        # "all five passed probation by September", "but Frank set up the roster by 1
        # September": a deadline met, not a plan.
        clause.future = False
    if clause.future:
        clause.next_step, clause.step_quality = _next_step(clause, cues, imperative)
    if imperative and not clause.growth and _CONTINUE_DOING.match(t):
        # "Continue running the toolbox talk every Monday": what to keep doing is a
        # strength recognised (the Continue of Start/Stop/Continue).
        clause.strength = True

    # Evidence about what actually happened.
    clause.evidence = evidence_score(clause, cues)
    if clause.future and clause.evidence < 3 and (past := _past_before_plan(clause, cues)):
        # "今天上午12床的输液没有双人核对，以后必须两人核对签字后再执行": a Chinese sentence runs
        # what happened and what to do next into one clause; the part before the plan is
        # still evidence.
        clause.evidence = past
    clause.specific = clause.evidence >= 3
    return clause


_ZH_COMMA = re.compile(r"[，,；;]")
_ZH_NEG_ACT = re.compile(r"(?<!从)(?<!从来)(没|没有|未|冇)(?!问题|事|有问题|什么|啥|出过|发生)[\u4e00-\u9fff]{1,4}")
_DIGIT = re.compile(r"[0-9]")
# "This will be reviewed in 30 days": a participle after a future is no past act.
_FUTURE_PASSIVE = re.compile(r"\b(will|shall|going to|to) be \w+ed\b", re.IGNORECASE)

_ZH_NO_EVENT = re.compile(r"将|会|要|准备|打算|都\d+了|\d+岁")


def _past_before_plan(clause: Clause, cues: CueSet) -> int:
    """The evidence of what a Chinese clause says before its plan starts (0 when none)."""
    t = clause.text
    if not _CJK.search(t):
        return 0
    intent = _ZH_INTENT.search(t)
    directive = cues.search("directive", t)
    starts = [h for h in (intent.start() if intent else None,
                          directive.start if directive else None) if h is not None]
    if not starts:
        return 0
    cut = max((m.start() for m in _ZH_COMMA.finditer(t, 0, min(starts) + 1)), default=-1)
    if cut <= 0:
        return 0
    head = Clause(t[:cut], clause.start, clause.start + cut)
    head.vague = [h for h in clause.vague if h.end <= cut]
    head.impact = bool(cues.search("impact", head.text))
    head.growth = clause.growth
    h = head.text
    if (cues.search("directive", h) or _ZH_INTENT.search(h) or head.vague or _ZH_NO_EVENT.search(h)
            or not (ZH_PAST.search(h) or _ZH_NEG_ACT.search(h))):
        # Only a completed event counts: "本月对账基本按时完成" is a verdict, "2025年第一季度"
        # a date of the plan, "老刘都38了" an age.
        return 0
    score = evidence_score(head, cues)
    return score if score >= 3 else 0


def sentence_evidence(clauses: list[Clause], cues: CueSet) -> None:
    """Evidence is judged over the sentence's past-tense clauses together, since a number
    and the action it measures often sit in different clauses."""
    past = [c for c in clauses if not c.future]
    if len(past) > 1 and not any(c.specific for c in past):
        joined = Clause(" ".join(c.text for c in past), past[0].start, past[-1].end)
        joined.vague = [h for c in past for h in c.vague]
        joined.impact = any(c.impact for c in past)
        score = evidence_score(joined, cues)
        if score >= 3:
            best = max(past, key=lambda c: c.evidence)
            best.evidence = score
            best.specific = True
    planned = any(c.future for c in clauses)
    for c in clauses:
        if c.specific and not c.growth and not c.future:
            # A concrete achievement is recognition even without a praise word; beside a
            # plan ("要求：...；所有 client meeting 提前 10 分钟上线") only a past one is.
            done = cues.hits("done_verbs", c.text)
            if planned and not done and not _past_marker(c.text, done):
                continue
            if (_ADVERSE.search(c.text) and not _NEG_EVENT.search(c.text)
                    and not _NOT_A_GAP.search(c.text)):
                # A concrete bad outcome, an omission or a required minimum ("caused £640
                # of stock to be written off", "超过一周未更新", "不低于 99.5%") is no praise.
                continue
            c.strength = True


# The trouble is someone else's ("the slip wasn't on you", "这不是你的问题", "但这不是
# cashier 的问题"): what the sentence criticises up to there is no area for the employee.
_EXCULPATION = re.compile(
    r"\b(wasn[\x27’]t|was not|isn[\x27’]t|is not|not|none of (this|it|that) (is|was))\s+"
    r"(really\s+)?(on|down to)\s+(you|him|her|them)\b"
    r"|\b(not|wasn[\x27’]t|isn[\x27’]t|no) (really )?"
    r"(your|his|her|their) (fault|doing)\b"
    r"|(不是|并非|并不是)\s?(你|他|她|他们|她们|[A-Za-z]+|小[\u4e00-\u9fff]|老[\u4e00-\u9fff])\s?的?"
    r"(问题|责任|错|锅)|不(能)?怪(你|他|她)",
    re.IGNORECASE,
)


ZH_PAST = re.compile(r"了|过|已|曾|刚|上(周|月|次|个)|去年|昨天|前天|之前")
"""Past markers of a Chinese clause (perfective, experiential, past time words)."""


def plan_continuation(clauses: list[Clause]) -> None:
    """Chinese clauses that follow a plan in the same sentence without a past marker carry
    the plan on ("下个月开始...，另外报名参加4月的培训", "9月底前完成认证；12月提交报告"): they
    are no achievement and no evidence."""
    planned = False
    for c in clauses:
        if c.future:
            planned = True
        elif planned and _CJK.search(c.text) and not c.growth and not ZH_PAST.search(c.text):
            c.future = True
            c.strength = c.specific = False
            c.evidence = min(c.evidence, 1)


_CONTRAST_OPEN = re.compile(
    r"^\W*(?:but|however|though|although|yet|that said|only|the only|the issue|the problem|"
    r"my (?:one )?(?:concern|gripe))\b|^\W*(?:但是|但|不过|可是|然而|只是|可惜|美中不足|唯一)",
    re.IGNORECASE)


# A hint deferred to a later talk names no area: "a few things to tighten up that we can go
# over at your one-to-one", "有些地方还有提升空间，具体的下次面谈再说", "个别小问题我们私下再沟通".
_VAGUE_THINGS = re.compile(
    r"\b(a few|a couple( of)?|one or two|some|several|various|a number of|certain|minor|small|few)"
    r" (small |minor |little |other )?(things|points|areas|issues|bits|items|matters|details)\b"
    r"|(有些|一些|几个|个别|某些|有几个|有一两个|一两个|少数)(小)?(地方|问题|方面|点|细节|事情|事)",
    re.IGNORECASE)
_DEFERRED = re.compile(
    r"\b(go over|talk (about|through)|discuss|cover|chat about|pick up|come back to)\b[^.!?]{0,40}"
    r"\b(later|at (your|our|the) (one[- ]to[- ]one|1[:-]1|review|next)|next time|offline|in person|"
    r"separately|another time|when we meet)\b|\b(later|offline|separately) (on|in person)?\b"
    r"|(回头|下次|之后|以后|改天|私下|当面|线下|offline|面谈时?)[^。！？\n]{0,8}(再|来)?(说|聊|谈|沟通|讨论|交流|细说)",
    re.IGNORECASE)


def deferred_hints(clauses: list[Clause]) -> None:
    """A growth clause that only counts unnamed things and puts them off names no area."""
    for c in clauses:
        if c.growth_named and _VAGUE_THINGS.search(c.text) and _DEFERRED.search(c.text):
            c.growth_named = False
            c.topic = ""


def concession_praise(clauses: list[Clause], cues: CueSet) -> None:
    """Mild praise conceded just before a contrast that names an area is a strength: "设计稿
    质量可以，但交付老是拖", "Sales 数字 OK，但 CRM update 不及时", "Technically fine, but the
    handovers ...". The contrast is what says the first clause was meant as praise; the same
    words alone ("可以", "OK") are too weak to count."""
    for prev, c in pairwise(clauses):
        if (c.growth_named and _CONTRAST_OPEN.match(c.text) and not prev.growth
                and not prev.future and not prev.strength
                and cues.search("conceded", prev.text) is not None):
            prev.strength = True


def opens_with_exculpation(clauses: list[Clause]) -> bool:
    """Whether a sentence opens by saying the trouble was not the employee's."""
    return bool(clauses) and _EXCULPATION.match(clauses[0].text) is not None


def exculpate(clauses: list[Clause], cues: CueSet) -> None:
    """Clear the growth areas a sentence names before it says they were not the employee's
    doing ("Flaky test 太多了，CI 老挂，这不是你的问题"); praise beside them stands ("the slip
    wasn't on you, and your workaround kept the demo alive")."""
    last = max((i for i, c in enumerate(clauses) if _EXCULPATION.search(c.text)), default=-1)
    for c in clauses[:last + 1]:
        if c.growth and not c.future:
            c.growth = c.growth_named = False
            c.topic = ""
            c.strength = c.strength or cues.search("positive", c.text) is not None


_ADVERSE = re.compile(
    r"\b(caused|causing|cost (us|the)|written off|write-?offs?|lost|failed|missed|overdue|"
    r"no one|nobody|not|n\x27t|never|complain\w*|breach\w*|violat\w*|no more than|at least|"
    r"minimum|at most|maximum|required|expected|performance improvement plan|pip|placed on|"
    r"cut (\w+ )?off|interrupt\w*|talked over|snapp\w*|shouted|yelled|swore|"
    r"disciplinary|(written|verbal|final) warning)\b"
    r"|导致|造成|不低于|不少于|不超过|至少|违反|违规|失真|要求|必须|务必|警告|处分|通报批评|绩效改进计划"
    r"|(未|没有?)\s?[A-Za-z\u4e00-\u9fff]{0,2}?(更新|完成|提交|达标|改善|处理|跟进|回复|录入|核实|"
    r"update|follow|改进|到位)",
    re.IGNORECASE | re.ASCII,
)


def _is_imperative(text: str, cues: CueSet) -> bool:
    head = _IMPERATIVE_LEAD.sub("", text, count=1)
    head = _VOCATIVE.sub("", head, count=1)
    head = _TIME_LEAD.sub("", head, count=1)
    if _DECLARATIVE.match(head) and not _CLAUSE_VERB.match(head):
        return False  # "Test coverage on her PRs could be higher" is a statement
    m = cues.pattern("action_verbs").match(head)
    if not m or not head[:1].isalpha() or head[m.end():m.end() + 1] == "-":
        return False  # "Check-in complaints", "Follow-up emails": hyphenated nouns
    if _EN_NOUN_IN_ZH.match(head, m.end()):
        return False  # "Design review里 ...": an English noun compound in a Chinese sentence
    # "Led the migration" reads as a past-tense fragment, not an imperative.
    word = m.group().lower()
    return not word.endswith("ed") and _CJK.search(m.group()) is None


_EN_NOUN_IN_ZH = re.compile(
    r"\s?[A-Za-z]+\s?(里|中|上|的|时|会上|后|期间|环节|阶段|那天|当天|那次|这次|那周|那会儿|的时候)")
_VERB_SLOT_EN = re.compile(
    r"(^|\b(to|please|pls|and|then|should|will|can|must|could|would|might|let's|let us|also|first|"
    r"try|start|you|him|her|them|we|i|i'll|we'll|i'd|we'd|need|needs|just|always|each|every|"
    r"maybe|perhaps|possibly|"
    r"could you|can you|kindly|is to|be to|plan to|aim to|will be to|time|now|on|forward|"
    r"future|goals?|steps?|then|afterwards|instead|suggest|recommend|consider|he|she|they|pls|plz|"
    r"week|month|quarter|sprint|cycle|year|shift|onwards|today|tomorrow|he\x27ll|she\x27ll|they\x27ll|"
    r"you\x27ll|going to|be|i\x27ve|we\x27ve|i have|we have)\s+|[,;:—-]\s*"
    # A numbered or lettered list item ("are required to: (1) send ..."), and a time lead
    # without a comma ("Next engagement try the new template").
    r"|(^|\s)\(?(\d{1,2}|[a-h])[.)]\s+|^\s*(next|each|every|this) [a-z]+( [a-z]+)?\s+)$",
    re.IGNORECASE | re.ASCII,
)
_VOCATIVE = re.compile(r"^\s*[A-Z][a-z]+\s*[,，]\s*", re.ASCII)
# "Next audit, send me ..." / "下次复盘，..." : a time lead before the imperative.
_TIME_LEAD = re.compile(
    r"^\s*((on|at|for|before|in|from|after) (the )?)?(next|each|every) (\w+ ){0,2}?\w+\s*[,，]\s*"
    # A period label before a list of steps: "For H2: lead ...", "Q3 goals: ...".
    r"|^\s*((for|in|by) (the )?)?(h[12]|q[1-4]|fy ?\d{2,4}|20\d\d|next (quarter|half|year|cycle))"
    r"( (goals?|plan|priorities|objectives))?\s*[:：,，]\s*",
    re.IGNORECASE | re.ASCII,
)
_DECLARATIVE = re.compile(r"^\S+\s+\S+\s+(\S+\s+)?(is|are|was|were|could|would|has|have|had|looks?|seems?)\b",
                          re.IGNORECASE | re.ASCII)
# Imperatives whose object is a clause: "Ensure every ticket has an owner by Friday".
_CLAUSE_VERB = re.compile(r"^(ensure|make sure|check|confirm|verify|see to it|double-check)\b",
                          re.IGNORECASE | re.ASCII)
_ZH_NEGATED_ACTION = re.compile(r"(不|别|没|无需|不用|不必)$")
_ZH_TIME_SLOT = re.compile(
    r"每(天|日|周|月|次|季度|个|班|单)|双周|\d+\s?月\s?(\d+\s?(日|号))?\s?(前|之前|底)|月底|周[一二三四五六日]|下班前|之前|以前|"
    r"以内|内完成|起|下(周|月|次|季度)|本周|开始|当天|当日|以后遇到|下次遇到"
    r"|(上午|中午|下午|晚上|今天|明天|后天|今晚|明早|周[一二三四五六日]|月底|号|日)(之)?前"
    r"|下(学期|学年)|本(周|月)内|限期|[一两三四五六七八九十\d]+\s?(天|周|个月|个工作日)内"
    # Year and term ends, the end of an event or a meeting: "年底前学完数据透视表", "sprint 结束前
    # 把文档补上", "明天早会前补学".
    r"|(年底|年前|季度末|学期末|年中|结束|截止|上线|发版|交付|开会|出发|放假|"
    r"早会|例会|周会|晨会|班会|会议|评审|交班|盘点|审计)(之)?前"
)


# A verdict on a completed act ("这次年度审计配合得很好，所有底稿在1月20日前提交"): the
# deadline in the same clause was met, not set.
_ZH_PAST_VERDICT = re.compile(
    r"(这次|那次|上次|今年|去年|上周|上个?月)[^。！？]{0,12}?[\u4e00-\u9fff]得(很|非常|挺|特别|相当|十分)?"
    r"(好|不错|到位|出色|漂亮|顺利)")
_ZH_HABITUAL = re.compile(
    r"(每(一|个)?(次|回|月|周|天|期|单|笔)|全年|一直|总是|向来|历来|从来)(都|均|也)")
# "还是在12月20号前把方案交付了": a deadline met in the past, not a step.
_ZH_DONE_BEFORE = re.compile(
    r"(已经|已|终于|最终|还是|顺利|按时|如期|提前)[^。！？，,]*[^\x00-\x7f]{0,3}了")


def _verb_in_slot(text: str, hit: Hit) -> bool:
    """An English action word counts only in a verb position ("to lead", "please send"),
    so nouns such as "the lead role" do not read as steps."""
    if _CJK.search(hit.text):
        return not _ZH_NEGATED_ACTION.search(text[max(0, hit.start - 2):hit.start])
    before = text[:hit.start]
    if _CJK.search(before.rstrip()[-1:] or ""):
        # "下个季度先独立 deliver 一个小 feature"; not "就不 assign 给她了"
        return not _ZH_NEGATED_ACTION.search(before.rstrip())
    return bool(_VERB_SLOT_EN.search(before[-40:]))


_TRAILING_BOUND = re.compile(
    r"(by|before|starting|from|within|until|no later than|as of)\b",
    re.IGNORECASE)
# An imperative after a colon that a request leads into: "Now let's get your CSI up: call
# every buyer ...", "So the ask: ..." (not a label: "KR: reduce p99 latency", "Note to AI: ...").
_COLON = re.compile(
    r"\b(let[\x27’]s|let us|now|so|ask|request|suggestion|tip|fix|solution|rule)\b[^:]{0,40}:\s+",
    re.IGNORECASE)


def _next_step(clause: Clause, cues: CueSet, imperative: bool) -> tuple[bool, int]:
    t = clause.text
    # Only what follows the directive counts: in "完成了对账，下个月继续努力" the verb
    # before the directive describes the past.
    cue = cues.search("directive", _FORMULA.sub(_spaces, t))
    after = cue.start if cue is not None and not imperative else 0
    if after and cue is not None and _TRAILING_BOUND.match(cue.text) and not _CJK.search(t):
        # "Needs to log every lead in the CRM the same day - starting this week": an English
        # time bound closes the step it bounds.
        after = 0
    # "keep up the good work" is an exhortation: its verb is no action.
    exhorted = [(h.start, h.end) for h in clause.exhortation if _KEEP_GOING.match(h.text)]
    third_person = [h for h in cues.hits("action_verbs_3p", t)
                    if _SUBJECT_SLOT.search(t[max(0, h.start - 30):h.start])]
    actions = [h for h in cues.hits("action_verbs", t) if _verb_in_slot(t, h)] + third_person
    actions = [h for h in actions
               if h.start >= after and not any(s <= h.start < e for s, e in exhorted)
               and not _ZH_DONE_BEFORE.search(t[max(0, h.start - 16):h.start] + t[h.end:h.end + 3])]
    if not actions and _CJK.search(t) and _ZH_TIME_SLOT.search(t) and not _ZH_DONE_BEFORE.search(t):
        # Chinese steps often use one-character verbs (写, 报, 交): a directive with a time
        # slot and a concrete object is a step.
        actions = [Hit(0, 0, "")]
    if not actions:
        return False, 0
    if _STOP_VERB.search(t) and not re.search(r"\b(instead|rather)\b|而是|改为|换成", t, re.I | re.ASCII):
        return False, 0
    if _TAKEN_AWAY.search(t):
        return False, 0
    topic = content_topic(t, cues, ("directive", "action_verbs", "growth", "vague", "positive"))
    if not topic:
        # A noun that looks like a verb ("a quick read of the practice note") is still the
        # object: blank only the action words in a verb position.
        hits = cues.hits("action_verbs", t)
        nouns = {h.text.lower() for h in hits if not _verb_in_slot(t, h)}
        rest = content_topic(_blank(t, [h for h in hits if _verb_in_slot(t, h)]), cues,
                             ("directive", "growth", "vague", "positive"))
        if nouns & set(rest.lower().split()):
            topic = rest
    if not topic and clause.growth_named and _REQUEST.match(t):
        # "Could we get the sign-off sheet a day earlier?": the request holds its own object.
        topic = clause.topic
    exhort_only = bool(clause.exhortation) and not topic
    if exhort_only or not topic:
        return False, 0
    quality = 40
    if re.search(
        r"\b(by|before|until|within|starting|from)\b[^.!?]{0,25}\b(\d|jan|feb|mar|apr|may|jun|jul|"
        r"aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|q[1-4]|next|end|each|every|the first|tomorrow)"
        r"|\b(weekly|daily|monthly|fortnightly|biweekly|every (week|day|month|sprint|friday|monday))\b"
        r"|(\d+月|\d+号|周[一二三四五六日]|月底|周末|年底|季度末|之前|以前|前完成|前提交|每周|每月|每天|每次|双周)",
        t,
        re.I,
    ):
        quality += 25
    if re.search(
        r"\b(i|we)('ll| will| can| could)\b|\b(mentor|coach|course|training|workshop|budget|support|"
        r"pair(ed)? with|shadow|buddy|help you|with (me|the team|qa|your))\b"
        r"|(我会|我们会|我来|公司会|提供|支持|陪同|带你|导师|培训|课程|结对|预算|资源)",
        t,
        re.I,
    ):
        quality += 20
    if cues.search("quantity", t):
        quality += 15
    return True, min(quality, 100)


def evidence_score(clause: Clause, cues: CueSet) -> int:
    """How much the clause tells about what actually happened (>= 3: specific)."""
    t = clause.text
    done = cues.hits("done_verbs", t)
    vague_spans = [(h.start, h.end) for h in clause.vague]
    strong_done = [
        h for h in done
        if not _GENERIC_DONE_EN.fullmatch(h.text.strip())
        and not any(s <= h.start < e for s, e in vague_spans)
        and not _NOT_AN_ACT_BEFORE.search(t, 0, h.start)
        and not _NOT_AN_ACT_AFTER.match(t, h.end)
    ]
    # Ratings, tenure and ages are numbers but no results.
    not_counts = [(m.start(), m.end()) for p in (_RATING_NUMBER, _TENURE_OR_AGE)
                  for m in p.finditer(t)]
    qty = [
        h for h in cues.hits("quantity", t)
        if not _YEAR.fullmatch(h.text.strip()) and not any(s <= h.start < e for s, e in not_counts)
        and not _is_date(t, h)
    ]
    time = cues.search("time_ref", t)
    if not qty and time and _NEG_EVENT.search(t) and _MONTH.search(t):
        # A zero on a named occasion ("no medication errors during the March audit") is a
        # counted result.
        qty = [Hit(0, 0, "")]
    if not strong_done and _QUOTED_SPEECH.search(t):
        # Words actually said, quoted ("回复客户时用了“这是规定”这种话", "told the client
        # "that's policy""), are an observable act.
        strong_done = [Hit(0, 0, "")]
    if not strong_done and _HABIT.search(t):
        # An observable habit with its scope and time bound ("answers every ticket within
        # the hour", "每张单子当天录完") is behaviour seen again and again.
        strong_done = [Hit(0, 0, "")]
        qty = qty or [Hit(0, 0, "")]
    counts = {h.text for h in qty if _DIGIT.search(h.text)}
    if not strong_done and len(counts) >= 2 and not clause.future and not clause.vague:
        # A line of counts ("28 disposals (9 contested), 2 goals vs Swans", "312 deliveries,
        # first-attempt success 91%") is a record of what happened, verb or not.
        strong_done = [Hit(0, 0, "")]
    named = _named(t)
    score = 0
    if strong_done:
        score += 2
    elif done:
        score += 1
    if qty:
        score += 2
        if cues.search("metric", t):
            score += 1
    if time:
        score += 1
        if not done and _ZH_PERFECTIVE.search(t):
            score += 1  # "上周三和代理商吵了起来": a dated, completed event
            if _ZH_PERFECTIVE_OBJ.search(t) and not clause.vague:
                # "这次的提案用了当地的银杏元素": a dated act with its object is evidence.
                strong_done = strong_done or [Hit(0, 0, "")]
        elif (not clause.future and not clause.vague and ZH_PAST.search(t)
              and _ZH_NEG_ACT.search(t)):
            # "昨天打包机又没断电就清料": a dated omission is an observed act.
            score += 1
            strong_done = strong_done or [Hit(0, 0, "")]
    if clause.growth and qty:
        score += 1  # a counted shortfall ("missing for 5 days") is evidence too
    if named:
        score += 1
    if clause.impact:
        score += 1
    if strong_done and content_topic(t, cues, ("done_verbs", "positive", "vague", "time_ref")):
        score += 1
    if clause.vague and not strong_done:
        score -= 2
    dash = _DASH.search(t)
    after_dash = t[dash.end():] if dash else ""
    if clause.future and (not _past_marker(t, done) or _FUTURE_PASSIVE.search(t)) and not (
            after_dash and (_PAST_ED.search(after_dash) or _IRREGULAR_PAST.search(after_dash))
            and cues.search("quantity", after_dash) and not cues.search("directive", after_dash)):
        # A plan for the future is not evidence about past performance; a past result
        # after a dash is ("Continue the Monday talk - attendance went from 60% to 95%").
        score = min(score, 1)
    if not (strong_done or qty):
        score = min(score, 2)
    return score


# A past form that reports no act: a participle used as an adjective ("could be more
# organised"), a set phrase ("picks up shifts when asked", "as requested"), "won't".
_NOT_AN_ACT_BEFORE = re.compile(
    r"\b(be|being|more|less|very|too|so|quite|better|badly|poorly|when|if|as|unless|once|"
    # A participle used as an adjective ("extremely organised"), or a noun after a determiner
    # or a frequency ("the weekly forecast reports", "her report").
    r"extremely|really|super|highly|incredibly|fairly|pretty|rather|most|least|well|always|"
    r"the|a|an|our|your|his|her|their|its|weekly|daily|monthly|quarterly|annual|yearly)\s+$",
    re.IGNORECASE | re.ASCII)
_NOT_AN_ACT_AFTER = re.compile(r"[\x27’]t\b")
# Time served and ages are no results: "28 years with the bank", "after 30 years", "at 58",
# "pushing 60", "在公司干了20年", "今年45了".
_TENURE_OR_AGE = re.compile(
    r"\b(after|over|for|with|has|had|have|of)?\s?(nearly |almost |over |more than )?\d{1,2}\+? years?"
    r"( (with|at|in|on) (the|this|our) \w+| of service| in the (job|role|trade|industry|business)|"
    r" experience)\b|\b(after|for) (nearly |almost |over )?\d{1,2} years\b"
    r"|\b(aged|pushing) \d{2}\b|\bat \d{2}\b(?=\s*[,;]|\s+(he|she|they|you|and|but|still|years? old)\b)"
    r"|(干了|做了|工作了|待了|工龄)\s?\d{1,2}\s?(多)?年|(今年|已经|都|快)\s?\d{2}\s?(多)?(岁|了)",
    re.IGNORECASE)
_EMBEDDED_FUTURE = re.compile(
    r"\b(which|what|whatever|whichever|whether|how many|how much)\s+(\w+\s+){0,2}"
    r"(you|he|she|they)([\x27’]ll| will)\s+\w+", re.IGNORECASE | re.ASCII)
_QUOTED_SPEECH = re.compile(
    r"(说|用|回|回复|讲|写|问|答)了?(一)?(句)?\s?[“\"「‘\x27][^”\"」’\x27]{1,30}[”\"」’\x27]"
    r"|\b(said|told|wrote|replied|answered|asked|emailed|messaged)\b[^.!?]{0,25}[\"“][^\"”]{2,60}[\"”]",
    re.IGNORECASE)
_HABIT = re.compile(
    r"\b[a-z]+(?<!ss)s\s+(every|each|all( of)?( the)?)\s+(\w+\s){0,4}?[a-z]+s?\b[^.;!?]{0,60}?"
    r"\b(within (the|an|a|one|two|three|\d+) (hour|hours|minutes|day|days|working days?)|"
    r"(on )?the same day|same-day|before (\w+ ){0,2}(close|end of day|handover|the next shift))\b"
    r"|每(一|个)?(张|单|笔|份|个|条|件|位|次|天|周)[^。！？；\n]{0,12}?(都|必|均)?(当天|当日|当班|当场|"
    r"\d+\s?(小时|分钟)内)[^。！？；\n]{0,4}?(处理|回复|录|完成|办|解决|反馈|回|清|核对|闭环|审核|审批|对账|跟进|上传|归档|结清)"
    r"|(交代|安排|分配|布置|交办)的(事|事情|任务|活儿?|工作)[^。！？；\n]{0,4}?(从不|从没|从来不|都不)(过夜|拖)",
    re.IGNORECASE | re.ASCII,
)
_CONTINUE_DOING = re.compile(
    r"^\s*(?:[-•*]\s*)?(?:continue|keep)\s+(?!trying|working|pushing|improving|learning|growing|building|"
    r"developing|practi[cs]ing|stretching|"
    r"going|getting|doing what)[a-z]+ing\b", re.IGNORECASE | re.ASCII)


# A 1:1 meeting ("1:1 notes") and a period named by "this half" ("这半年") hold no count.
_ONE_ON_ONE = re.compile(r"(?<!\d)1\s?[:：]\s?1(?!\d)")


def _is_date(text: str, hit: Hit) -> bool:
    """Whether a number hit names a time rather than a count: "1:1 notes", "这半年"."""
    before = text[max(0, hit.start - 2):hit.start]
    if _ONE_ON_ONE.match(text, max(0, hit.start - 2)) or _ONE_ON_ONE.match(text, hit.start):
        return True
    return hit.text.startswith("半") and before[-1:] in "这上下近本" and before != "提前"


_MONTH = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\b|\d{1,2}\s?月"
    # A named recent period: "上个月盘点零差错", "no errors last quarter".
    r"|上(个)?(月|季度|周|星期)|\blast (month|quarter|week)\b", re.ASCII)
_IRREGULAR_PAST = re.compile(
    r"\b(got|took|made|ran|won|brought|built|wrote|led|sold|grew|gave|found|held|spent|sent|"
    r"began|became|rewrote|rebuilt|taught|drove|went)\b", re.IGNORECASE | re.ASCII)
# A subject and an irregular past verb opening a clause: "but Frank set up the roster".
_SUBJECT_PAST = re.compile(
    r"(^|\b(?:but|and|so|then)\s+|[,;]\s*)(?:(?i:he|she|they)|[A-Z][a-z]+)\s+(?:also\s+|then\s+)?"
    r"(?:set up|set|put|ran|built|wrote|got|made|took|led|won|hit|met|brought|drove|gave|found|"
    r"held|taught|spent|sent|began|sold|kept|grew|cut|rewrote|rebuilt|shut|became|did)\b")
_REQUEST = re.compile(r"\s*(could|can|would) (we|you) (please )?[a-z]+", re.IGNORECASE | re.ASCII)
_PAST_ED = re.compile(
    r"\b(?!(need|feed|seed|speed|bed|red|shed|embed|exceed|proceed|succeed)\b)[a-z]{2,}ed\b"
    r"(?!\s+(for|to|by)\b)", re.IGNORECASE | re.ASCII)
_FUTURE_PARTICIPLE = re.compile(
    r"(scheduled|planned|expected|required|requested|recommended|booked|proposed|needed)$", re.I)


def _past_marker(text: str, done: list[Hit]) -> bool:
    # "the course scheduled for May" is not a past event.
    if any(h.text.lower().endswith(("ed", "了")) and not _FUTURE_PARTICIPLE.search(h.text.strip())
           for h in done):
        return True
    return bool(re.search(r"\b(last|ago|yesterday|previous|earlier|past|so far|to date)\b"
                          r"|上(周|月|季度|次)|去年|已经|过去|以来|至今|截至目前", text, re.I | re.ASCII))


def _named(text: str) -> bool:
    if _CJK.search(text):
        return bool(_NAMED_ZH.search(text))
    return bool(_NAMED_EN.search(text.strip()[1:] if text else text))



# A measured value stated against its target, floor, average or plan ("an error rate of
# 1.2% against a unit target of 3%", "71% (target 78%)", "AHT 412s vs target 360s",
# "转化率只有2%，低于网点平均的5%", "Q1 commit $1.2M，实际 $0.8M"). Worse than the reference
# is an area to improve, better is an achievement; for a quantity where less is better
# (errors, handle time, cost) and for a ceiling (budget, limit) the direction flips.
_REFERENCE = re.compile(
    r"\b(?P<ceiling>budget|ceiling|limit|cap|sla)\b"
    r"|\b(targets?|goals?|floor|threshold|benchmark|quota|plan|commit(ment)?|forecast|"
    r"(?:(the|team|site|store|unit|department|regional|company|industry|class|group|national|"
    r"branch|peer|floor|market)\s)average)\b"
    r"|(?P<ceiling_zh>预算|红线|上限)|目标|(部门|团队|行业|全行|全国|网点|公司|区域|全组|组内|科室|同组|"
    r"同期|年级|全市|全区|的)平均(水平|值)?|平均水平|标准(?!化)|计划|预期|基准|成本线|底线|考核线|及格线",
    re.IGNORECASE | re.ASCII,
)
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.#])[$€£¥]?\s?(\d[\d,]*(?:\.\d+)?)\s?"
    r"(%|％|[kKmM](?![A-Za-z])|(?P<time>h|hrs?|hours?|mins?|minutes?|s|secs?|seconds?|ms|days?|"
    r"weeks?|天|小时|分钟|秒|周|个工作日)(?![A-Za-z]))?(?:\s?/\s?\d+)?(?!\s?(号|#|st\b|nd\b|rd\b|th\b))",
    re.ASCII,
)
_ACTUAL = re.compile(r"\b(actual|actually|came in at|landed at)\b|实际", re.IGNORECASE | re.ASCII)
# Comparators: below/above flip with the quantity's polarity; ahead/behind do not.
_BELOW = re.compile(
    r"\b(below|under|short of|lower than|less than)\b|低于|不到|未达|没达到|少于|没完成",
    re.IGNORECASE | re.ASCII)
_ABOVE = re.compile(
    r"\b(above|over|exceed\w*|higher than|more than|beat|beating)\b|高于|超过|超出|超额",
    re.IGNORECASE | re.ASCII)
_AHEAD = re.compile(r"\b(ahead of|earlier than)\b|提前|早于", re.IGNORECASE | re.ASCII)
_BEHIND = re.compile(r"\b(behind|later than|missed|miss)\b|落后|晚于|延期|延误|拖",
                     re.IGNORECASE | re.ASCII)
_LESS_IS_BETTER = re.compile(
    r"\b(errors?|error rate|defects?|defect rate|complaints?|incidents?|escalations?|churn|"
    r"attrition|aht|handle time|handling time|wait(ing)? time|time to \w+|turnaround|latency|"
    r"lead time|cycle time|response time|first response|downtime|costs?|spend|overtime|variance|"
    r"scrap|rework|returns|absences?|backlog|no-shows?|near-misses|mistakes?|shrink(age)?)\b"
    r"|差错|错误|出错|投诉|客诉|缺陷|故障|事故|流失|离职|耗时|时长|用时|成本|费用|返工|不良|损耗|逾期|"
    r"延误|积压|加班|报错|等待|退货|退单|缺勤|迟到",
    re.IGNORECASE | re.ASCII,
)
_SHARE_OF_REFERENCE = re.compile(
    r"(?P<p1>\d+(?:\.\d+)?)\s?% of (the |her |his |their |our |its |your )?(\w+ )?"
    r"(target|quota|plan|goal|forecast)\b"
    r"|(目标|计划|任务|指标)(的|的\s?)\s?(?P<p2>\d+(?:\.\d+)?)\s?[%％]",
    re.IGNORECASE | re.ASCII,
)


def _value(m: re.Match[str]) -> float:
    return float(m.group(1).replace(",", ""))


def against_reference(text: str) -> tuple[str, int, int] | None:
    """Whether a clause reports a value worse or better than its reference.

    Returns:
        ``("worse" | "better", start, end)`` with the span from the value to the reference,
        or None when the clause compares nothing.
    """
    if _REFERENCE.search(text) is None:
        return None
    share = _SHARE_OF_REFERENCE.search(text)
    if share is not None:
        # "120% of target", "完成了目标的85%": the value as a share of its reference.
        pct = float(share.group("p1") or share.group("p2"))
        if pct != 100:
            return ("better" if pct > 100 else "worse", share.start(), share.end())
    numbers = [m for m in _NUMBER.finditer(text) if not _YEAR.fullmatch(m.group(1))]
    for ref in _REFERENCE.finditer(text):
        flip = bool(ref.group("ceiling") or ref.group("ceiling_zh"))
        polarity_from = max(0, ref.start() - 40)
        near = text[max(0, ref.start() - 14):ref.start()] + " " + text[ref.end():ref.end() + 8]
        if _AHEAD.search(near) or _BEHIND.search(near):
            worse = bool(_BEHIND.search(near)) and not _AHEAD.search(near)
            return ("worse" if worse else "better", max(0, ref.start() - 14), ref.end())
        # The reference value sits next to its word ("target of 3%", "20% floor", "目标 4.3").
        after = [m for m in numbers if 0 <= m.start() - ref.end() <= 12]
        before = [m for m in numbers if 0 <= ref.start() - m.end() <= 8]
        refnum = after[0] if after else (before[-1] if before else None)
        rest = [m for m in numbers if m is not refnum]
        actual = _ACTUAL.search(text, ref.end())
        if actual is not None and refnum is not None:
            # The plan first, then the outcome: "commit $1.2M，实际 $0.8M".
            cands = [m for m in rest if 0 <= m.start() - actual.end() <= 6]
        else:
            lo = min(ref.start(), refnum.start()) if refnum is not None else ref.start()
            cands = [m for m in rest if m.end() <= lo and lo - m.end() <= 50][-1:]
        below, above = bool(_BELOW.search(near)), bool(_ABOVE.search(near))
        if below != above:
            # "低于网点平均", "below the team average", "超出部门标准（2天）".
            worse = below
            start, end = max(0, ref.start() - 14), ref.end()
        elif cands and refnum is not None:
            x = cands[0]
            a, b = _value(x), _value(refnum)
            if a == b or ("%" in (x.group(2) or "")) != ("%" in (refnum.group(2) or "")):
                continue
            worse = a < b
            flip = flip or bool(x.group("time") or refnum.group("time"))
            polarity_from = max(0, min(x.start(), refnum.start()) - 40)
            start, end = min(x.start(), ref.start()), max(refnum.end(), ref.end(), x.end())
        else:
            continue
        if flip or _LESS_IS_BETTER.search(text, polarity_from, ref.start()):
            worse = not worse
        return ("worse" if worse else "better", start, end)
    return None
