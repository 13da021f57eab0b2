"""Draft-level analysis: verdicts, scores and findings from clause signals and lexicons."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from ..config import VerdictMode, get_settings
from ..schemas import Finding, Scores, Verdicts
from .language import Language, Sentence, detect_language, split_sentences, to_simplified
from .lexicon import Lexicons, load_lexicons
from .signals import (
    JUXTAPOSED,
    ZH_PAST,
    Clause,
    analyze_clause,
    concession_praise,
    content_topic,
    deferred_hints,
    evidence_score,
    exculpate,
    opens_with_exculpation,
    plan_continuation,
    sentence_evidence,
    split_clauses,
)

if TYPE_CHECKING:
    from .hybrid import Decision

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster

ANALYZER_VERSION = "1.0.0"

# A line that is only a section heading of a review template ("Strengths", "Areas for
# growth:", "不足：") sets what the lines under it are, until the next heading.
_SECTION_HEADINGS: list[tuple[str, re.Pattern[str]]] = [
    ("strength", re.compile(
        r"^(key |main |top |my )?(strengths?|what (went|you did|he did|she did|they did) well|"
        r"went well|highlights?|achievements?|accomplishments?|wins|successes|positives|"
        r"impact|key results|results|contributions|what\x27s working|what is working|"
        r"keep|keep doing|continue|continue doing|things to celebrate|继续做|保持|"
        r"优点|优势|长处|亮点|工作亮点|主要成绩|主要业绩|成绩|业绩|工作业绩|主要贡献|贡献|"
        r"做得好的(地方|方面)?)$", re.I)),
    ("growth", re.compile(
        r"^(key |main |top |my )?"
        r"(areas? (for|of|to) (growth|development|improvement|focus|work on|concern)|"
        r"growth|development|room for improvement|needs improvement|what to improve|"
        r"development (areas?|points?|needs?)|growth (areas?|opportunit(y|ies))|"
        r"improvement (areas?|points?)|opportunit(y|ies)( for growth)?|to improve|to work on|"
        r"what (could|can) (be|go) better|even better if|weaknesses|concerns|watch[- ]outs?|"
        r"stop doing|start doing|challenges|improve|even better if|停止做|"
        r"不足|缺点|短板|待改进|待提升|待加强|需要改进(的地方)?|改进方向|存在(的)?问题|"
        r"问题|有待提高|不足之处|(需|待)(改进|提升|加强|改善)(方面|之处|的地方|点|项)|提升空间|改进空间|"
        r"不足与改进|不足和改进)$", re.I)),
    ("plan", re.compile(
        r"^(goals?|objectives?|next steps?|action (plan|items?|points?)|development plan|"
        r"plan|actions?|targets?|next (quarter|year|half|cycle)|"
        r"目标|改进计划|下一步|行动计划|后续计划|计划|建议)$", re.I)),
]
_HEADING_TRIM = re.compile(r"^[\s\-•*#\d.)]*|[\s:：\-—]*$")


# A review-template label opening a line, with the item after it: Keep/Improve,
# Start/Stop/Continue (and their Chinese forms), What went well / Even better if.
_INLINE_LABELS: list[tuple[str, re.Pattern[str]]] = [
    ("strength", re.compile(
        r"^[\s\-•*]*(keep|keep doing|continue|continue doing|more of|what went well|went well|"
        r"(key |main )?strengths?|highlights?|achievements?|wins|"
        r"继续|继续做|保持|继续保持|做得好的?|优点|优势|亮点|长处)\s*[:：]\s*\S", re.I)),
    # "Even better if: the variance notes were in the narrative": a concrete change asked for.
    ("change", re.compile(r"^[\s\-•*]*(even better if|ebi)\s*[:：]\s*\S", re.I)),
    ("growth", re.compile(
        r"^[\s\-•*]*(improve|to improve|improvements?|improvement areas?|needs improvement|stop|"
        r"stop doing|less of|delta|"
        r"development( areas?| points?| needs?)?|"
        r"areas? (for|of|to) (growth|development|improvement)|"
        r"(main |key )?gaps?|weakness(es)?|concerns?|watch[- ]outs?|"
        r"停止|停止做|改进|(待|需)(改进|改善|提升|加强)(方面|之处|的地方|点|项)?|改进点|改进方向|"
        r"不足|不足之处|短板|areas? of concern|room for improvement)\s*[:：]\s*\S", re.I)),
    ("step", re.compile(r"^[\s\-•*]*(start|start doing|try|开始|开始做|尝试)\s*[:：]\s*\S", re.I)),
    # Plan fields of a PIP or an objectives form: what is expected, not what was done.
    ("plan", re.compile(
        r"^[\s\-•*]*(expectations?|expected|support( offered| provided)?|review dates?|"
        r"review points?|targets?|goals?|objectives?|success (measures?|criteria)|due( date)?|"
        r"deadline|period|timeline|评估日期|评估时间|复评日期|截止日期|截止时间|期限|改进期|期望|支持|"
        r"改进目标|目标|评估节点|改进周期|考核节点|考核目标|要求|支持措施|资源支持)"
        r"\s*[:：]\s*\S", re.I)),
]


# After a plan, the manager's recurring check-in ("我们每周四 review 一次", "we'll meet
# every Friday") belongs to the plan.
_CHECK_IN = re.compile(
    r"^\s*(我们|我|we|I)\s?(会|将|\x27ll| will)?\s?(每(周|天|月|日|两周)|every|each)", re.I)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_BRACKETS = re.compile(r"\[[^\]]*\]|【[^】]*】|\([^)]*\)|（[^）]*）|<!--.*?-->|<<.*?>>|\{\{.*?\}\}")


def _bracketed(text: str, pos: int) -> tuple[int, int] | None:
    """The bracketed span of ``text`` around ``pos`` when feedback stands outside it."""
    for m in _BRACKETS.finditer(text):
        if m.start() <= pos < m.end():
            rest = text[:m.start()] + text[m.end():]
            return (m.start(), m.end()) if len(re.findall(r"\w", rest)) >= 4 else None
    return None
_LIST_ITEM = re.compile(r"^\s*(\(\d{1,2}\)|（\d{1,2}）|\d{1,2}[)、）]|\d{1,2}\.\s|[a-h]\)\s|[①-⑩])")


def _past_done(text: str, cues: Any) -> bool:
    """A list item that reports something done ("(2) 已完成 ...") stays evidence."""
    return any(h.text.endswith(("ed", "了")) for h in cues.hits("done_verbs", text))


def _inline_label(text: str) -> str | None:
    """The kind of template label a line opens with ("Keep: ...") or None."""
    for kind, pattern in _INLINE_LABELS:
        if pattern.match(text):
            return kind
    return None


def _section_heading(text: str) -> str | None:
    """The kind of section a heading line opens, or None for any other line."""
    line = _HEADING_TRIM.sub("", text)
    if not line or len(line) > 40:
        return None
    for kind, pattern in _SECTION_HEADINGS:
        if pattern.match(line):
            return kind
    return None


_IDENTITY_CATEGORIES = {
    "gender", "age", "family", "race_ethnicity", "nationality", "religion", "disability",
    "sexuality", "other",
}


@dataclass
class Analysis:
    """Everything the analyzer found; verdicts are the product's judgement."""

    text: str
    language: Language
    sentences: list[Sentence]
    clauses: list[Clause]
    verdicts: Verdicts
    scores: Scores
    findings: list[Finding]
    ignored_spans: list[tuple[int, int]] = field(default_factory=list)
    """Spans excluded from analysis (instructions addressed to a model)."""
    decided_by: VerdictMode = "rules"
    """Who decided ``specific``, ``balanced`` and ``actionable``, and in ``learned`` mode the
    label and coded-word findings too (``COACH_VERDICTS``)."""

    @property
    def biased(self) -> bool:
        return any(f.kind == "biased_language" for f in self.findings)

    @property
    def message_language(self) -> Literal["en", "zh"]:
        return "en" if self.language == "en" else "zh"

    @property
    def strengths(self) -> list[Clause]:
        return [c for c in self.clauses if c.strength]

    @property
    def growth_areas(self) -> list[Clause]:
        return [c for c in self.clauses if c.growth_named]

    @property
    def weak_dimensions(self) -> list[str]:
        """Quality dimensions that failed, in a stable order (used to pick guidance)."""
        out = [k for k, ok in self.verdicts.model_dump().items() if not ok]
        if self.biased:
            out.append("biased_language")
        return out


@lru_cache(maxsize=1)
def _messages() -> dict[str, Any]:
    with (Path(__file__).parent / "messages.yaml").open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=_YAML_LOADER)
    return data


def _msg(key: str, lang: str, **fmt: Any) -> tuple[str, str]:
    entry = _messages()[key][lang]
    return entry["message"].format(**fmt), entry["suggestion"].format(**fmt)


def analyze(text: str, *, rating: int | None = None, lexicons: Lexicons | None = None,
            verdicts: VerdictMode | None = None) -> Analysis:
    """Analyze one draft deterministically (no model).

    Args:
        text: The feedback draft, any mix of English and Chinese.
        rating: Optional 1-5 rating; enables the ``rating_mismatch`` check.
        lexicons: Override the packaged lexicons (tests).
        verdicts: ``"rules"``, ``"learned"`` (``specific``, ``balanced`` and ``actionable``
            decided by the rules' signals plus the draft's words, see ``ngram.py``) or
            ``"hybrid"`` (the rules' signals plus sentence embeddings, see ``hybrid.py``);
            default: the ``COACH_VERDICTS`` setting.

    Returns:
        The analysis with verdicts, 0-100 scores and findings with character spans.
    """
    simplified = to_simplified(text)
    out = _analyze(simplified, rating, lexicons, verdicts)
    return out if simplified == text else _in_script_of(out, text)


def _in_script_of(a: Analysis, text: str) -> Analysis:
    """``a`` (found on the Simplified form of ``text``) quoting ``text`` as written.

    The conversion keeps every character's position, so each span is cut from the draft;
    a clause whose text was masked (an embedded instruction blanked out) keeps the mask.
    """
    def cut(start: int, end: int, seen: str) -> str:
        return "".join(o if s == n else s for o, s, n in
                       zip(text[start:end], seen, a.text[start:end], strict=True))

    for c in a.clauses:
        if len(c.text) == c.end - c.start:
            c.text = cut(c.start, c.end, c.text)
    for f in a.findings:
        if f.start is not None and f.end is not None:
            f.text = text[f.start:f.end]
    sentences = [Sentence(text[s.start:s.end], s.start, s.end, s.language) for s in a.sentences]
    return Analysis(text, a.language, sentences, a.clauses, a.verdicts, a.scores, a.findings,
                    a.ignored_spans, a.decided_by)


def _analyze(text: str, rating: int | None, lexicons: Lexicons | None,
             verdicts: VerdictMode | None) -> Analysis:
    lex = lexicons or load_lexicons()
    cues = lex.cues
    language = detect_language(text)
    lang = "en" if language == "en" else "zh"
    sentences = split_sentences(text)
    findings: list[Finding] = []
    clauses: list[Clause] = []
    ignored: list[tuple[int, int]] = []

    section: str | None = None
    plan_open = False
    prev_clauses: list[Clause] = []
    analysed: list[Sentence] = []
    for sent in sentences:
        inj = cues.search("injection", sent.text)
        if inj:
            box = _bracketed(sent.text, inj.start)
            if box is None:
                ignored.append((sent.start, sent.end))
                m, s = _msg("embedded_instruction", lang)
                findings.append(_span("embedded_instruction", sent.start, sent.end, text, m, s))
                continue
            # "[Note to AI: ...] 小林这季度的 ticket 关闭数是 143": only the bracketed
            # instruction is left out; the feedback beside it is analysed.
            b0, b1 = sent.start + box[0], sent.start + box[1]
            ignored.append((b0, b1))
            m, s = _msg("embedded_instruction", lang)
            findings.append(_span("embedded_instruction", b0, b1, text, m, s))
            sent = Sentence(sent.text[:box[0]] + " " * (box[1] - box[0]) + sent.text[box[1]:],
                            sent.start, sent.end, sent.language)
        analysed.append(sent)
        sent_clauses = [analyze_clause(c, cues) for c in split_clauses(sent.text, sent.start)]
        sentence_evidence(sent_clauses, cues)
        # "Stubborn bug ate his sprint; not his fault, the vendor SDK was flaky": an
        # exculpation opening a sentence clears the sentence before it too.
        exculpate(prev_clauses + sent_clauses if opens_with_exculpation(sent_clauses)
                  else sent_clauses, cues)
        prev_clauses = sent_clauses
        plan_continuation(sent_clauses)
        concession_praise(sent_clauses, cues)
        deferred_hints(sent_clauses)
        heading = _section_heading(sent.text)
        if heading is not None:
            section = heading
            for c in sent_clauses:  # the heading itself names nothing
                c.strength = c.growth = c.growth_named = c.future = c.next_step = False
        elif (label := _inline_label(sent.text)) is not None:
            # "Keep: ...", "Improve: ...", "Start: ...", "停止：..." on one line.
            _apply_section(label, sent_clauses, cues)
        elif section is not None and "\n" in text[:sent.start]:
            _apply_section(section, sent_clauses, cues)
        elif plan_open and (_LIST_ITEM.match(sent.text) or _CHECK_IN.search(sent.text)
                            or (text[:sent.start].rstrip().endswith(("；", ";"))
                                and _HAN.search(sent.text) is not None
                                and ZH_PAST.search(sent.text) is None)):
            # "接下来 60 天：(1) ...；(2) 每个 opportunity 都要有 next step", "9月底前完成认证；
            # 12月提交报告": later items of a plan are plan items too, not achievements.
            for c in sent_clauses:
                if not c.growth:
                    c.strength = False
                    c.future = True
                    c.specific = c.specific and _past_done(c.text, cues)
        plan_open = any(c.future for c in sent_clauses) or (
            plan_open and bool(_LIST_ITEM.match(sent.text)))
        clauses.extend(sent_clauses)

    personality = _personality_findings(text, analysed, lex, lang)
    _label_polarity(personality, clauses, lex)
    bias, framing = _bias_findings(text, analysed, lex, lang)
    findings.extend(personality)
    findings.extend(bias)
    labelled = {(f.start, f.end) for f in personality}
    findings.extend(f for f in _identity_blame(
        [f for f in bias if (f.start, f.end) not in framing], clauses, lang, text, cues)
        if (f.start, f.end) not in labelled)  # "太强势": one label finding, not two

    specific = any(c.specific for c in clauses)
    has_strength = any(c.strength for c in clauses)
    has_growth = any(c.growth_named for c in clauses)
    actionable = any(c.next_step for c in clauses)
    behavior = not any(f.kind == "personality_label" for f in findings)

    findings.extend(_span_findings(text, clauses, cues, lang))
    base = Analysis(text, language, sentences, clauses,
                    Verdicts(specific=specific, balanced=has_strength and has_growth,
                             actionable=actionable, behavior_focused=behavior),
                    Scores(specificity=0, balance=0, actionability=0), findings, ignored)
    rules = _finish(base, lang, has_strength, has_growth, rating)
    mode = verdicts or get_settings().verdicts
    if mode == "rules":
        return rules
    if mode == "hybrid":
        from .hybrid import decide  # numpy and the encoder: only when asked for
    else:
        from .ngram import decide

    (learned,) = decide([rules])
    base.findings = _learned_findings(base.findings, learned, text, lang)
    behavior = not any(f.kind == "personality_label" for f in base.findings)
    if learned.verdicts["balanced"]:
        has_strength = has_growth = True
    elif has_strength and has_growth:
        # The model found no real balance: the thinner side is the one that is missing.
        n_strength = sum(c.strength for c in clauses)
        n_growth = sum(c.growth_named for c in clauses)
        has_growth = n_growth > n_strength
        has_strength = not has_growth
    base.verdicts = Verdicts(**learned.verdicts, behavior_focused=behavior)
    out = _finish(base, lang, has_strength, has_growth, rating)
    out.scores = _agreeing_scores(out.scores, out.verdicts)
    out.decided_by = mode
    return out


def _learned_findings(findings: list[Finding], decision: Decision, text: str,
                      lang: str) -> list[Finding]:
    """``findings`` with the kinds a learned mode reads brought in line with it: the rules'
    findings of a kind it reads as absent are cleared, and where it reads one the rules did
    not find, a finding is placed on the clause piece that reads most like it."""
    out = list(findings)
    for kind, present in decision.present.items():
        found = any(f.kind == kind for f in out)
        if found and not present:
            out = [f for f in out if f.kind != kind]
        elif present and not found:
            s, e = decision.where[kind]
            if e > s:
                m, sug = _msg(f"{kind}_learned", lang, text=text[s:e])
                out.append(_span(kind, s, e, text, m, sug, category="learned"))
    return out


def _finish(base: Analysis, lang: str, has_strength: bool, has_growth: bool,
            rating: int | None) -> Analysis:
    """``base`` (verdicts decided, span findings found) with its draft-level findings and
    scores added."""
    v = base.verdicts
    findings = [*base.findings, *_document_findings(
        lang, base.clauses, v.specific, has_strength, has_growth, v.actionable, rating)]
    findings.sort(key=lambda f: (f.start is None, f.start or 0, f.kind))
    return Analysis(base.text, base.language, base.sentences, base.clauses, v,
                    _scores(base.clauses, v), findings, base.ignored_spans)


# Where the rules' scores cross from "no" to "yes" for each verdict (see ``_scores``).
_SCORE_BANDS = {"specificity": ("specific", 55, 45), "balance": ("balanced", 70, 25),
                "actionability": ("actionable", 55, 20)}


def _agreeing_scores(scores: Scores, verdicts: Verdicts) -> Scores:
    """Scores moved just across their band when the hybrid verdict overrode the rules'."""
    out = scores.model_dump()
    for name, (label, yes, no) in _SCORE_BANDS.items():
        out[name] = max(out[name], yes) if getattr(verdicts, label) else min(out[name], no)
    return Scores(**out)


def _span(kind: str, start: int, end: int, text: str, message: str, suggestion: str,
          category: str | None = None) -> Finding:
    return Finding(kind=kind, start=start, end=end, text=text[start:end], message=message,  # type: ignore[arg-type]
                   suggestion=suggestion, category=category)


def _personality_findings(text: str, sentences: list[Sentence], lex: Lexicons,
                          lang: str) -> list[Finding]:
    out: list[Finding] = []
    for sent in sentences:
        for entry, hit in lex.personality.find(sent.text):
            if entry.excluded(sent.text):
                continue
            if lex.heads.describes_other(sent.text, hit.start, hit.end):
                continue  # "the build was flaky", "a stubborn bug", "客户很难缠"
            if lex.heads.describes_occasion(sent.text, hit.start, hit.end):
                continue  # "was assertive in the supplier negotiation on 9 May"
            s, e = sent.start + hit.start, sent.start + hit.end
            m, sug = _msg("personality_label", lang, text=text[s:e])
            out.append(_span("personality_label", s, e, text, m, sug,
                             category=str(entry.meta.get("polarity", "negative"))))
    return _dedupe(out)


def _apply_section(section: str, clauses: list[Clause], cues: Any) -> None:
    """Lines under a template heading: items under "Strengths" are strengths and items under
    "Areas for growth" are areas to improve, whatever their wording; under either heading
    a bare verb ("- Set up the rota ...") describes the past, not a step."""
    if section == "plan":
        for c in clauses:
            c.strength = False  # a target ("迟到 0 次", "满意度 ≥4.3") is no achievement
            if not c.growth:
                c.future = True
                c.specific = c.specific and _past_done(c.text, cues)
                if not c.next_step and (cues.search("quantity", c.text)
                                        or cues.search("time_ref", c.text)):
                    # "Expectation: 100 units/hour by 15 December": a measurable target.
                    c.next_step = True
                    c.step_quality = max(c.step_quality, 55)
        return
    if section == "change":
        _apply_section("growth", clauses, cues)
        for c in clauses:
            if c.growth_named and (cues.search("done_verbs", c.text)
                                   or re.search(r"\b(rather than|instead of)\b", c.text, re.I)):
                c.next_step = True
                c.step_quality = max(c.step_quality, 40)
        return
    if section == "step":
        # "Start: booking a pre-brief before each survey": the item is the step.
        for c in clauses:
            c.topic = c.topic or content_topic(c.text, cues, ("directive", "action_verbs"))
            if c.topic and not c.next_step:
                c.future = c.next_step = True
                c.step_quality = max(c.step_quality, 40)
                c.evidence = min(c.evidence, 1)
                c.specific = False
        return
    for c in clauses:
        if section in ("strength", "growth") and c.future and not cues.search("directive", c.text):
            c.future = c.next_step = False
            c.step_quality = 0
            c.evidence = evidence_score(c, cues)
            c.specific = c.evidence >= 3
        if section == "strength" and not c.growth:
            c.strength = True
        elif section == "growth" and not c.future:
            c.strength = False
            c.growth = True
            c.topic = c.topic or content_topic(c.text, cues, ("growth", "vague", "positive"))
            c.growth_named = bool(c.topic)


_CONTRAST = re.compile(r"\b(but|though|yet)\b|但|不过|就是|可惜|只是", re.I)
_THEN_CONTRAST = re.compile(
    r"[^。！？.!?]{0,12}?(\s(but|though|yet)\b|但|不过|就是|可惜|只是|[，,;；])", re.I)


def _label_polarity(findings: list[Finding], clauses: list[Clause], lex: Lexicons) -> None:
    """A label still says something is good or bad: a positive label recognises a strength,
    a negative one names (badly) an area to improve."""
    for f in findings:
        if f.start is None:
            continue
        for c in clauses:
            if c.start <= f.start < c.end:
                if f.category == "negative":
                    c.growth = c.growth_named = True
                    # Praise set beside the label ("Good associate, knows the law, bit
                    # arrogant") is still a strength.
                    praise = lex.cues.search("positive", c.text)
                    c.strength = c.strength and praise is not None and (
                        c.start + praise.end <= f.start
                        and bool(JUXTAPOSED.search(c.text, praise.end, f.start - c.start)
                                 or _CONTRAST.search(c.text, praise.end, f.start - c.start)))
                    c.topic = c.topic or (f.text or "")
                elif f.category == "positive" and (
                        not c.growth or _THEN_CONTRAST.match(c.text, (f.end or f.start) - c.start)):
                    # "Nice guy 但太 soft 了", "有冲劲，就是有点玻璃心": the praise stands
                    # beside the criticism that follows it.
                    c.strength = True
                break


def _bias_findings(text: str, sentences: list[Sentence], lex: Lexicons,
                   lang: str) -> tuple[list[Finding], set[tuple[int, int]]]:
    """Coded-language findings, and the spans of those that frame without judging the
    person ("At 61, Ken passed ...": coded, but no personality label)."""
    out: list[Finding] = []
    framing: set[tuple[int, int]] = set()
    for sent in sentences:
        for entry, hit in lex.bias.find(sent.text):
            if entry.excluded(sent.text):
                continue
            if lex.heads.describes_other(sent.text, hit.start, hit.end):
                continue  # "the customer was aggressive": not said of the employee
            s, e = sent.start + hit.start, sent.start + hit.end
            meta = entry.meta
            zh = lang == "zh"
            message = str(meta.get("reason_zh" if zh else "reason") or meta.get("reason", ""))
            suggestion = str(meta.get("suggestion_zh" if zh else "suggestion") or "")
            out.append(_span("biased_language", s, e, text, message, suggestion,
                             category=str(meta.get("category", "other"))))
            if meta.get("judges_person") is False:
                framing.add((s, e))
    return _dedupe(out), framing


_SENTENCE_END = re.compile(r"[。！？.!?\n]")


def _sentence_at(text: str, pos: int) -> str:
    """The sentence of ``text`` around ``pos`` (cut at sentence punctuation)."""
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, pos)), default=0)
    end = _SENTENCE_END.search(text, pos)
    return text[start:end.start() if end else len(text)]


# "大龄未婚", "大龄单身": an age word that is part of a marital-status remark.
_MARITAL_AGE = re.compile(r"大龄\s?(未婚|单身|剩女|剩男|青年|女青年|男青年)")


def _identity_blame(bias: list[Finding], clauses: list[Clause], lang: str, text: str,
                    cues: Any) -> list[Finding]:
    """Identity-coded language in a judgement labels the person too."""
    out: list[Finding] = []
    for f in bias:
        if f.category not in _IDENTITY_CATEGORIES or f.start is None:
            continue
        family = f.category == "family" or (
            f.category == "age" and _MARITAL_AGE.match(text, f.start) is not None)
        if family and not cues.search("capacity_judgement", _sentence_at(text, f.start)):
            # Family status with no verdict on the person ("大龄未婚，可以多安排出差",
            # "with two kids at home she won't want the travel") is coded language about
            # circumstances, not a judgement of character or ability.
            continue
        for c in clauses:
            # Identity-coded words judge the person, praise included; only a plan about
            # the employee that evaluates nothing is left alone.
            if c.start <= f.start < c.end and (c.growth or c.strength or not c.future):
                if not c.strength:
                    # A judgement about identity is (a poor way of) naming a problem; it
                    # names an area only when the clause names the work as well.
                    c.growth = True
                    c.growth_named = c.growth_named or bool(c.topic)
                m, s = _msg("identity_blame", lang, text=f.text)
                out.append(Finding(kind="personality_label", start=f.start, end=f.end,
                                   text=f.text, message=m, suggestion=s, category=f.category))
                break
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Drop findings whose span lies inside another finding of the same kind."""
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda x: (x.start or 0, -((x.end or 0) - (x.start or 0)))):
        if any(k.kind == f.kind
               and (k.start or 0) <= (f.start or 0) and (f.end or 0) <= (k.end or 0)
               for k in kept):
            continue
        kept.append(f)
    return kept


def _span_findings(text: str, clauses: list[Clause], cues: Any, lang: str) -> list[Finding]:
    out: list[Finding] = []
    for c in clauses:
        if not c.specific:
            for h in c.vague:
                s, e = c.start + h.start, c.start + h.end
                m, sug = _msg("vague_language", lang, text=text[s:e])
                out.append(_span("vague_language", s, e, text, m, sug))
        if not c.next_step:
            for h in c.exhortation:
                s, e = c.start + h.start, c.start + h.end
                m, sug = _msg("exhortation", lang, text=text[s:e])
                out.append(_span("exhortation", s, e, text, m, sug))
        for h in cues.hits("absolute", c.text):
            s, e = c.start + h.start, c.start + h.end
            m, sug = _msg("absolute_language", lang, text=text[s:e])
            out.append(_span("absolute_language", s, e, text, m, sug))
    return _dedupe(out)


def _document_findings(lang: str, clauses: list[Clause], specific: bool, has_strength: bool,
                       has_growth: bool, actionable: bool, rating: int | None) -> list[Finding]:
    out: list[Finding] = []

    def add(kind: str, key: str, **fmt: Any) -> None:
        m, s = _msg(key, lang, **fmt)
        out.append(Finding(kind=kind, message=m, suggestion=s))  # type: ignore[arg-type]

    if not specific:
        add("missing_example", "missing_example")
    elif not any(c.impact for c in clauses if c.specific):
        add("missing_impact", "missing_impact")
    if not actionable:
        add("missing_next_step", "missing_next_step")
    if not (has_strength and has_growth):
        key = ("one_sided_no_growth" if has_strength else
               "one_sided_no_strength" if any(c.growth for c in clauses) else "one_sided_neither")
        add("one_sided", key)
    if rating is not None:
        n_pos = sum(c.strength for c in clauses)
        n_neg = sum(c.growth for c in clauses)
        if rating >= 4 and ((n_neg > n_pos and n_neg >= 2) or (n_pos == 0 and n_neg >= 1)):
            add("rating_mismatch", "rating_mismatch_high", rating=rating)
        elif rating <= 2 and ((n_pos > 0 and n_neg == 0) or n_pos >= 2 * max(n_neg, 1) + 1):
            add("rating_mismatch", "rating_mismatch_low", rating=rating)
    return out


def _scores(clauses: list[Clause], verdicts: Verdicts) -> Scores:
    n_specific = sum(c.specific for c in clauses)
    best_evidence = max((c.evidence for c in clauses), default=0)
    if n_specific:
        impact = any(c.impact for c in clauses if c.specific)
        specificity = 55 + 10 * min(n_specific - 1, 2) + (15 if impact else 0)
        specificity += 5 if best_evidence >= 5 else 0
    else:
        specificity = max(0, min(best_evidence, 2)) * 15
    n_strength = sum(c.strength for c in clauses)
    n_growth = sum(c.growth_named for c in clauses)
    if verdicts.balanced:
        balance = 70 + round(30 * min(n_strength, n_growth) / max(n_strength, n_growth, 1))
    elif n_strength or n_growth or any(c.growth for c in clauses):
        balance = 25 if any(c.growth for c in clauses) and n_strength else 15
    else:
        balance = 0
    steps = [c.step_quality for c in clauses if c.next_step]
    if steps:
        actionability = min(100, 55 + round((max(steps) - 40) * 0.75) + 5 * (len(steps) - 1))
    elif any(c.exhortation or c.future for c in clauses):
        actionability = 20
    else:
        actionability = 0
    return Scores(specificity=min(specificity, 100), balance=min(balance, 100),
                  actionability=actionability)
