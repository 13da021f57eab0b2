"""Fabrication check: facts in generated text that the draft does not contain.

A "fact" is a number, a date, a name or another proper noun. Text inside square brackets
is a placeholder for the manager to fill and is never a fact. Number words are
normalised ("two" == "2", "三" == "3") so a faithful paraphrase is not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from .config import REPO_ROOT

_PLACEHOLDER = re.compile(r"\[[^\[\]]{0,200}\]|【[^【】]{0,200}】|⟦[A-Z_]+_\d+⟧")

_EN_NUMBERS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "fifteen": "15", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "hundred": "100", "thousand": "1000", "half": "0.5", "dozen": "12", "first": "1",
    "second": "2", "third": "3", "fourth": "4",
}
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec"
]
_MONTH_NAMES = {"jan": "january", "feb": "february", "mar": "march", "apr": "april",
                "jun": "june", "jul": "july", "aug": "august", "sep": "september",
                "sept": "september", "oct": "october", "nov": "november", "dec": "december"}
"""Abbreviations name the same month: "Sept 14" and "September 14" are one fact."""


def _canon(word: str) -> str:
    """A lower-cased word with a month abbreviation spelled out."""
    return _MONTH_NAMES.get(word, word)


def _month_spellings(month: str) -> list[str]:
    return [month, *(a for a, full in _MONTH_NAMES.items() if full == month)]


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_ZH_NUM = re.compile(
    r"[零一二两三四五六七八九十百千]+"
    r"(?=[个次项份家位名篇场天周月年号日小时分钟件单条版期台款张套笔批轮例倍季度%成])")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
# Common Chinese surnames: "小王", "老张", "李总" name a person; "小时", "老是", "总是" do not.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔汤施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关"
    "兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳穆农卓吉缪简项芦麦褚娄窦戚岑费卜冷晏席卫柏宗瞿"
    "桂佟臧闵苟邬卞姬仇栾隋刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_ZH_NAME = re.compile(
    rf"(?:小|老|阿)[{_SURNAMES}]"
    rf"|[{_SURNAMES}](?:总|经理|主管|老师|师傅|姐|哥|工|主任|护士长|医生)(?!结|体|部|监|价|是|共|之|计|额|量)"
)
_ZH_TITLE = re.compile(r"《[^》]{1,40}》")

# Capitalised words that start sentences or appear in feedback prose without naming anyone.
_COMMON = frozenset(
    [
        "i", "i'm", "i've", "i'd", "i'll", "a", "an", "the", "this", "that", "these", "those",
        "there", "here", "he", "she", "they", "we", "you", "it", "his", "her", "their", "our",
        "your", "its", "my", "me", "us", "them", "him", "please", "next", "going", "moving",
        "over", "during", "in", "on", "at", "by", "for", "from", "with", "after", "before", "when",
        "while", "if", "as", "also", "and", "but", "or", "so", "however", "overall", "great",
        "good", "excellent", "strong", "well", "thanks", "thank", "let", "let's", "keep",
        "continue", "try", "consider", "aim", "plan", "focus", "make", "start", "stop", "share",
        "send", "schedule", "set", "write", "add", "use", "work", "take", "lead", "review", "ask",
        "agree", "book", "one", "another", "some", "many", "most", "each", "every", "both", "all",
        "area", "areas", "strength", "strengths", "growth", "next", "steps", "step", "action",
        "actions", "development", "example", "examples", "impact", "situation", "behaviour",
        "behavior", "result", "results", "feedback", "note", "notes", "summary", "goal", "goals",
        "support", "timeline", "timeframe", "date", "additionally", "furthermore", "moreover",
        "specifically", "finally", "first", "second", "third", "then", "now", "today", "sbi",
        "kpi", "okr", "okrs", "hr", "ai", "q&a", "n/a", "ok", "okay", "faq", "manager", "employee",
        "team", "coin", "feedforward", "star", "intent", "observation", "behaviours", "behaviors",
        "impacts", "request", "together", "whether", "never", "later", "further", "other", "after"
    ]
)
_ALLOWED_ACRONYMS = frozenset({"SBI", "KPI", "KPIS", "OKR", "OKRS", "HR", "AI", "ASAP", "FYI",
                               "TBD", "COIN", "OK", "I"})


@dataclass(frozen=True)
class Retention:
    """How much of the draft a rewrite keeps."""

    missing_facts: tuple[str, ...]
    content_kept: float
    """Share of the draft's content words (English) or character pairs (Chinese) kept."""


@dataclass(frozen=True)
class FactCheck:
    """What a generated text adds beyond the draft."""

    fabricated: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.fabricated

    def describe(self) -> str:
        return ", ".join(self.fabricated)


def strip_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(" ", text)


def _zh_to_int(s: str) -> str:
    section, num = 0, 0
    units = {"十": 10, "百": 100, "千": 1000}
    for ch in s:
        if ch in _ZH_DIGITS:
            num = _ZH_DIGITS[ch]
        elif ch in units:
            section += (num or 1) * units[ch]
            num = 0
    return str(section + num)


_ONE_ON_ONE = re.compile(r"\b1\s*(?::|对|-on-|\s+on\s+)\s*1\b|一对一", re.IGNORECASE)
# List markers ("1.", "2、", "(3)") number the text's own points; they are not facts.
_LIST_MARKER = re.compile(
    r"(?:^|(?<=[:：;；，,。]))[ \t]*\d{1,2}[.)）、](?!\d)|[(（]\d{1,2}[)）]", re.MULTILINE
)


_PHRASING_WORDS = frozenset({"one", "first", "second", "half"})


def numbers(text: str, *, phrasing: bool = False) -> set[str]:
    """Normalised numbers in ``text`` (digits, English and Chinese number words). A
    "1:1" / "1对1" meeting is a kind of meeting, not a count. "一次", "one", "first" are
    phrasing rather than facts and count only with ``phrasing``."""
    text = _ONE_ON_ONE.sub(" ", text)
    text = _LIST_MARKER.sub(" ", text)
    out = {m.group().replace(",", "").rstrip(".") for m in _DIGITS.finditer(text)}
    out |= {n for n in (_zh_to_int(m.group()) for m in _ZH_NUM.finditer(text))
            if phrasing or n != "1"}
    for w in _EN_WORD.findall(text):
        n = _EN_NUMBERS.get(w.lower())
        if n is not None and (phrasing or w.lower() not in _PHRASING_WORDS):
            out.add(n)
    return out


def _words_lower(text: str) -> set[str]:
    return {_canon(w.lower()) for w in _EN_WORD.findall(text)}


def proper_nouns(text: str) -> set[str]:
    """Names, months, weekdays and other capitalised terms, lower-cased."""
    found: set[str] = set()
    for sent in re.split(r"(?<=[.!?:;\n。！？；])\s*|\n", text):
        words = list(_EN_WORD.finditer(sent))
        for i, m in enumerate(words):
            w = re.sub(r"['’]s$", "", m.group())  # "Priya's" names Priya
            low = w.lower()
            if low in _MONTHS or low in _WEEKDAYS:
                found.add(_canon(low))
                continue
            if not w[:1].isupper():
                continue
            if w.upper() == w and w.upper() in _ALLOWED_ACRONYMS:
                continue
            sentence_start = i == 0 or sent[: m.start()].strip() in {"", "-", "*", "•", "\"", "“"}
            if low in _COMMON or all(p in _COMMON for p in low.split("-")) or (
                sentence_start and (low.endswith("ly") or low.endswith("ing"))
            ):
                continue
            if sentence_start and w.isalpha() and len(w) > 2 and w[1:].islower():
                # A capitalised first word is a name only if it is not ordinary prose;
                # the caller resolves that against the draft's vocabulary.
                found.add("?" + low)
                continue
            found.add(low)
    found |= {m.group() for m in _ZH_NAME.finditer(text)}
    found |= {m.group() for m in _ZH_TITLE.finditer(text)}
    return found


def check(generated: str, draft: str, *, allowed: str = "") -> FactCheck:
    """Return the facts in ``generated`` (outside placeholders) missing from the draft.

    Args:
        generated: Model output (rewrite, critique, action text).
        draft: The manager's draft: the only source of facts about the employee.
        allowed: Extra text whose facts are legitimate (e.g. retrieved guidance titles).
    """
    body = strip_placeholders(generated)
    source = draft + "\n" + allowed
    # "一周" / "one week" in the draft supports "1周" / "1 week" in the rewrite, although
    # ``numbers`` skips such phrasing words as facts of their own
    src_numbers = numbers(source, phrasing=True)
    src_words = _words_lower(source)
    src_nouns = {n.lstrip("?") for n in proper_nouns(source)}
    fabricated: list[str] = []
    for n in sorted(numbers(body) - src_numbers):
        fabricated.append(n)
    for noun in sorted(proper_nouns(body)):
        if noun.startswith("?"):
            word = noun[1:]
            # A sentence-initial word counts only if it never appears in the draft and
            # looks like a name (not found lower-case anywhere in the generated text either).
            if word in src_words or re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", body):
                continue
            if word in _known_words() or not _looks_like_name(word):
                continue
            noun = word
        if noun in src_nouns or noun in src_words or noun in source:
            continue
        fabricated.append(noun)
    return FactCheck(tuple(dict.fromkeys(fabricated)))


_NAME_SUFFIXES = ("tion", "ment", "ness", "ity", "ance", "ence", "ship", "ful", "ous", "ive",
                  "ed", "ic", "ize", "ise", "ate", "ther", "ever", "ter", "es", "ss", "ts", "ds",
                  "ps", "ks", "ns", "rs", "ly", "ing")


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    """Lower-case words of the team's English guidance: a domain vocabulary, so an ordinary
    word that opens a sentence ("See", "Consider") is not taken for a name."""
    words: set[str] = set(_COMMON)
    for path in (REPO_ROOT / "knowledge").rglob("*.en.md"):
        text = path.read_text(encoding="utf-8", errors="ignore")
        words.update(m.group() for m in re.finditer(r"(?<![A-Za-z])[a-z][a-z'\-]+", text))
    return frozenset(words)


def _looks_like_name(word: str) -> bool:
    return len(word) >= 3 and not word.endswith(_NAME_SUFFIXES)


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def _content_units(text: str, *, prefix: int | None = None) -> set[str]:
    """English words of 4+ letters that are not common feedback words (cut to ``prefix``
    letters when given, so "migrated" meets "migration"), and Chinese character pairs."""
    words = {w.lower()[:prefix] for w in _EN_WORD.findall(text)
             if len(w) > 3 and w.lower() not in _COMMON}
    for run in _CJK_RUN.findall(text):
        words.update(run[i:i + 2] for i in range(len(run) - 1))
    return words


MIN_UNITS_FOR_RATIO = 6
"""Below this many content units the draft is too short for a kept-content ratio to mean
anything ("Great job this year!" is all verdict, which the rewrite should replace)."""


def retention(
    rewrite: str, draft: str, *, replaceable: list[tuple[int, int]] | None = None
) -> Retention:
    """Which facts of the draft a rewrite drops, and how much of its content it keeps.

    Args:
        rewrite: The generated text.
        draft: The manager's draft.
        replaceable: Spans of the draft the rewrite is meant to replace (vague verdicts,
            labels, biased words): they do not count as content to keep.

    Placeholders do not count as keeping anything: a rewrite made only of slots has
    discarded the draft.
    """
    for start, end in sorted(replaceable or [], reverse=True):
        draft = draft[:start] + " " * (end - start) + draft[end:]
    body = strip_placeholders(rewrite)
    body_numbers = numbers(body)
    body_words = _words_lower(body)
    missing = [n for n in sorted(numbers(draft)) if n not in body_numbers]
    for noun in sorted(n.lstrip("?") for n in proper_nouns(draft) if not n.startswith("?")):
        if noun not in body_words and noun not in body:
            missing.append(noun)
    units = _content_units(draft)
    if len(units) < MIN_UNITS_FOR_RATIO:
        kept = 1.0
    else:
        kept = len(units & _content_units(body)) / len(units)
    return Retention(tuple(missing), round(kept, 3))


_ZH_CHAR = re.compile(r"[\u4e00-\u9fff]")
_EN_NUMBER_WORD = re.compile(r"(?<![A-Za-z])(" + "|".join(_EN_NUMBERS) + r")(?![A-Za-z])",
                             re.IGNORECASE)


FACT_SLOTS = {
    "en": {"number": "[number]", "date": "[date]", "name": "[name]"},
    "zh": {"number": "[数字]", "date": "[日期]", "name": "[名称]"},
}
"""The slots an invented number, date or name becomes (``replace_fabrications``)."""


def replace_fabrications(text: str, fabricated: tuple[str, ...]) -> str:
    """Turn each invented fact in ``text`` into a bracketed placeholder for the manager.

    ``fabricated`` comes from ``check``: normalised numbers and lower-cased names. Text
    inside existing placeholders is left alone. Used before spending a model retry on a
    rewrite whose only fault is an invented detail.
    """
    if not fabricated:
        return text
    zh = bool(_ZH_CHAR.search(text))
    label = FACT_SLOTS["zh" if zh else "en"]
    wanted = set(fabricated)
    pieces: list[str] = []
    last = 0
    for ph in [*_PLACEHOLDER.finditer(text), None]:
        end = ph.start() if ph is not None else len(text)
        pieces.append(_replace_in(text[last:end], wanted, label))
        if ph is not None:
            pieces.append(ph.group())
            last = ph.end()
    merged = "".join(pieces)
    for slot in set(label.values()):  # "Project Falcon" -> one [name], not two
        merged = re.sub(rf"{re.escape(slot)}(?:\s*{re.escape(slot)})+", slot, merged)
    return merged


def _replace_in(segment: str, wanted: set[str], label: dict[str, str]) -> str:
    def number(m: re.Match[str]) -> str:
        return label["number"] if m.group().replace(",", "").rstrip(".") in wanted else m.group()

    def zh_number(m: re.Match[str]) -> str:
        return label["number"] if _zh_to_int(m.group()) in wanted else m.group()

    def word_number(m: re.Match[str]) -> str:
        return label["number"] if _EN_NUMBERS[m.group().lower()] in wanted else m.group()

    segment = _DIGITS.sub(number, segment)
    segment = _ZH_NUM.sub(zh_number, segment)
    segment = _EN_NUMBER_WORD.sub(word_number, segment)
    for fact in wanted:
        if not fact or fact.isdigit() or re.fullmatch(r"[\d.]+", fact):
            continue
        kind = "date" if fact in _MONTHS or fact in _WEEKDAYS else "name"
        if _ZH_CHAR.search(fact):
            segment = segment.replace(fact, label[kind])
        else:
            spelled = "|".join(re.escape(f) for f in _month_spellings(fact))
            segment = re.sub(rf"(?<![A-Za-z])(?:{spelled})(?![A-Za-z])", label[kind], segment,
                             flags=re.IGNORECASE)
    return segment


_FACT_NUMBER = re.compile(
    r"[$¥€£]?\d+(?:[.,:/-]\d+)*\s?(?:%|[kKmMbB](?![A-Za-z])|万|亿|个百分点|月\d+[日号]|[月日号天周年]|"
    r"小时|分钟|次|个|件|人|元|percent\b|points?\b|hours?\b|days?\b|weeks?\b|months?\b)?"
)


def _one_fact(left: str, right: str) -> bool:
    """Whether two neighbouring facts read as one: a date ("Sept 14", "Q4 2024") or a
    multi-word name ("Acme Corp"), not a month next to a name ("March Priya")."""
    left_date = left.lower() in _MONTHS or bool(re.fullmatch(r"[QH][1-4]", left))
    if right[:1].isdigit():
        return left_date
    return (left[:1].isupper() and right[:1].isupper() and not left_date
            and right.lower() not in _MONTHS)


def key_facts(draft: str, *, limit: int = 10) -> list[str]:
    """The draft's facts as written (numbers with their units, names, dates), in order:
    listed in the rewrite prompt so a small model keeps them instead of dropping them.

    A fact glued to letters or digits is listed whole ("Q3", "H1", not "Q" and "3"), and
    facts one space apart are listed together ("Sept 14", "Acme Corp")."""
    body = strip_placeholders(draft)
    spans = [(m.start(), m.end()) for m in _FACT_NUMBER.finditer(body) if m.group().strip()]
    nouns = {n for n in proper_nouns(body) if not n.startswith("?")}
    for m in _EN_WORD.finditer(body):
        if _canon(m.group().lower()) in nouns and m.group()[:1].isupper():
            spans.append((m.start(), m.end()))
    spans += [(m.start(), m.end()) for m in _ZH_NAME.finditer(body)]
    spans += [(m.start(), m.end()) for m in _ZH_TITLE.finditer(body)]
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        while end > start and body[end - 1].isspace():
            end -= 1
        if body[start:end].isascii():  # widen to the whole token: "Q3", "H1", "4Q"
            while start > 0 and body[start - 1].isascii() and body[start - 1].isalnum():
                start -= 1
            while end < len(body) and body[end].isascii() and body[end].isalnum():
                end += 1
        prev = merged[-1] if merged else None
        # overlapping matches are one fact; so are neighbours that read as one
        if prev is not None and (start < prev[1] or (
                start == prev[1] + 1 and body[prev[1]:start].isspace()
                and _one_fact(body[prev[0]:prev[1]], body[start:end]))):
            prev[1] = max(prev[1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    for start, end in merged:
        fact = body[start:end].strip()
        if fact and not any(fact in o for o in out):
            out.append(fact)
    return out[:limit]


def as_written(missing: tuple[str, ...] | list[str], draft: str) -> list[str]:
    """The draft's facts, as the draft writes them, that hold any of ``missing`` (the
    normalised forms ``retention`` reports): "Sept 14" rather than "14, september", so a
    retry prompt names what to keep in words the model can find in the draft."""
    left = set(missing)
    out: list[str] = []
    for fact in key_facts(draft, limit=50):
        held = (numbers(fact) | _words_lower(fact) | {fact.lower()}) & left
        if held:
            out.append(fact)
            left -= held
    return out + sorted(left)


# -- claims a rewrite makes about the past ------------------------------------------------

_CLAIM_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")


def claim_sentences(text: str) -> Iterator[re.Match[str]]:
    """The sentences ``unsupported_claims`` judges (Chinese ones clause by clause)."""
    return _CLAIM_SENTENCE.finditer(text)

_ZH_CLAUSE = re.compile(r"[^，,；;。！？\n]+[，,；;。！？]*")
_EN_PAST = re.compile(
    r"\b(?:was|were|had|did|\w{2,}(?<!e)ed|led|made|took|built|wrote|showed|shown|helped|gave|"
    r"ran|won|brought|began|kept|met|sent|found|got|spoke|drove|held|came|went|told|taught|"
    r"sold|paid|became|grew)\b",
    re.IGNORECASE,
)
# 了 and 过 mark a finished event, except inside words (了解, 为了, 通过, 不过, 过于).
_ZH_PAST = re.compile(
    r"(?<![为除罢])了(?!解)|(?<![通不超])过(?![于度])|曾|已经|成功|取得|实现|带来")
_ZH_EVENT = re.compile(
    r"导致|结果|发现|表明|显示|证明|说明|表示|收到|得到|获得|促成|赢得|一位|一名|有一次|当时|那次|"
    # "在…时" anywhere; "在…中" after a subject ("老张在项目中…"), not as advice ("在评审中多…")
    r"在[^，,；;。！？]{1,12}(?:时|期间)|(?<=[\u4e00-\u9fff])在[^，,；;。！？]{1,12}中"
)
"""Chinese seldom marks the past: an invented episode ("一位患者因为…感到焦虑", "结果发现有错误")
or a conclusion drawn from one ("这表明他具备…") shows itself by these instead."""
_NOT_A_CLAIM = re.compile(
    r"\b(?:will|would|going to|next|plan|please|should|could|let's|let us|i'd like|aim|"
    r"going forward|from now|by \[|if|whether|try)\b|下一步|将|会|希望|请|需要|计划|争取|目标|"
    r"之前|以后|今后|接下来|如果|可以|应该|应当|必须|务必|是否|吗[？?]?$|[？?]\s*$|"
    # 建议 opens a plan ("建议下季度…", "我建议…"), not as a noun ("提供理财建议")
    r"(?<![^\s，,：:；;我们也还并])建议",
    re.IGNORECASE,
)
MIN_CLAIM_UNITS = 3
MAX_NOVEL_SHARE = 0.6
"""A past-tense sentence whose content is more than this share new (and at least
``MIN_CLAIM_UNITS`` units long) states something the sources do not."""


def unsupported_claims(text: str, *sources: str) -> list[tuple[int, int]]:
    """Spans of sentences in ``text`` that state what someone did or achieved (past tense,
    not a plan or a request) outside any placeholder, with content mostly absent from
    ``sources`` (the draft and the outline the model was given).

    Numbers, dates and names are ``check``'s job; this catches the invented event ("Lao
    Zhang proposed a solution that solved the team's key problem") that has none.
    """
    known: set[str] = set()
    known_chars: set[str] = set()
    for source in sources:
        bare = strip_placeholders(source)
        known |= _content_units(bare, prefix=5)
        known_chars.update(_ZH_CHAR.findall(bare))
    spans = []
    for sent in _CLAIM_SENTENCE.finditer(text):
        # Chinese strings clauses together with commas: judge each clause on its own, so
        # "整体不错，具体表现了你的进步" loses only the invented half.
        parts = (_ZH_CLAUSE.finditer(sent.group()) if _CJK_RUN.search(sent.group())
                 else [sent])
        for m in parts:
            offset = sent.start() if m is not sent else 0
            claim = strip_placeholders(m.group())
            if _NOT_A_CLAIM.search(claim):
                break  # a wish or a plan: the rest of the sentence belongs to it
            units = _content_units(claim, prefix=5)
            if len(units) < MIN_CLAIM_UNITS:
                continue
            novel = len(units - known) / len(units)
            if _EN_PAST.search(claim) or _ZH_PAST.search(claim):
                invented = novel > MAX_NOVEL_SHARE
            else:  # an unmarked Chinese episode: new words, not new wording for the draft's
                invented = (bool(_ZH_EVENT.search(claim)) and novel > MAX_NOVEL_SHARE
                            and _novel_chars(claim, known_chars) > MAX_NOVEL_CHAR_SHARE)
            if invented:
                spans.append((offset + m.start(), offset + m.end()))
    return spans


MAX_NOVEL_CHAR_SHARE = 0.5
"""An unmarked Chinese claim must also be made of new characters, not only new pairs: a
paraphrase of the draft ("客户多次要求修改方案" for "需求改了七八次…方案") reuses its characters."""
_ZH_FUNCTION_CHARS = frozenset(
    "的了在是和与及并也还都就而又很把被给向对从到为以之其这那他她你我们个一有")


def _novel_chars(claim: str, known: set[str]) -> float:
    """Share of the claim's Chinese content characters (function characters aside) that
    the sources lack."""
    chars = [c for c in _ZH_CHAR.findall(claim) if c not in _ZH_FUNCTION_CHARS]
    return sum(c not in known for c in chars) / len(chars) if chars else 0.0


_SLOT_WORDS = re.compile(
    r"\b(?:what|when|where|which|who|how|name|date|example|describe|specific)\b|"
    r"什么|何时|哪|如何|多少|具体|例如|例子|日期|姓名|名称|数字|描述",
    re.IGNORECASE,
)


_SLOT_LABEL = re.compile(
    r"^\s*(?:例子|例如|比如|示例|举例|for example|example|e\.g\.)\s*[:：,，]?\s*", re.IGNORECASE)


def bracketed_claims(text: str) -> list[tuple[int, int]]:
    """Spans of brackets that hold a statement rather than a slot to fill: a small model
    sometimes wraps an invented event in brackets ("[小葛在4月4日向全体员工展示了操作手册。]"),
    which would pass every check that skips placeholders. A slot names what is missing
    ("[when, what they did]", "[一项具体成绩：何时、做了什么]"); a statement has a full
    sentence's length, a past-tense verb and no such words."""
    spans = []
    for m in _PLACEHOLDER.finditer(text):
        # "[例子：2019年1月，接待了一位…]": a slot's label does not make a statement a slot
        inner = _SLOT_LABEL.sub("", m.group()[1:-1])
        if _SLOT_WORDS.search(inner):
            continue
        cjk = len(_ZH_CHAR.findall(inner))
        ends = inner.rstrip().endswith(("。", "！", ".", "!"))  # slots are not sentences
        if cjk >= 12:
            claim = ends or bool(_ZH_PAST.search(inner))
        else:
            claim = len(_EN_WORD.findall(inner)) >= 8 and (ends or bool(_EN_PAST.search(inner)))
        if claim:
            spans.append((m.start(), m.end()))
    return spans
