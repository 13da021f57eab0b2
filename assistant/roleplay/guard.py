"""Break-character checks on the persona's replies.

A reply is rejected when it speaks as the manager, a coach or an AI; talks about the
role-play's machinery (system prompt, instructions, hidden concern, trust, rubric); repeats
any of the hidden text verbatim; follows an instruction hidden in the manager's message;
switches language unasked; is empty or too long. The manager's message is never obeyed:
text addressed to a model is tagged ``instruction_to_ai`` by the tagger and the persona
reacts to it in-world (confused), and the guard checks the reply did not comply.

``StreamGuard`` applies the same checks while a reply streams: it holds back the last few
words so that a leak is caught before any of it is released.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..analyzer import detect_language
from .scenario import Lang

_FLAGS = re.IGNORECASE | re.ASCII

_ROLE_LINE = re.compile(
    r"(^|\n)\s*[\"“]?\s*(manager|coach|assistant|system|narrator|user|hr|employee|ai"
    r"|经理|主管|教练|助手|系统|旁白|用户|员工)\s*[:：]",
    _FLAGS,
)
_AI_TALK = re.compile(
    r"\b(as an ai|as a language model|i am an ai|i.?m an ai|i.?m (just |only )?(a|an) "
    r"(ai|assistant|bot|chatbot|language model|computer program|virtual assistant)"
    r"|language model|as your (coach|manager|assistant)|openai|qwen|chatgpt|alibaba cloud)\b"
    r"|(作为|我是|我只是)(一个|一名)?(AI|ai|人工智能|语言模型|助手|机器人|教练|经理|虚拟助手)",
    _FLAGS,
)
_REFUSAL = re.compile(
    r"\b(i.?m sorry,? but i (can.?t|cannot|am unable)|i (can.?t|cannot) (assist|help) with that"
    r"|i.?m (not able|unable) to (assist|help|comply)|as a (helpful|responsible) assistant)\b"
    r"|(抱歉，我(无法|不能)|我无法(协助|提供|回答)|作为一个负责任)",
    _FLAGS,
)
_AS_MANAGER = re.compile(
    r"\b(your (performance|work|reports?|results|attitude|deliverables)\b"
    r"|you need to (improve|work on)"
    r"|i expect you to|as your manager|i.?m giving you a)"
    r"|(你(最近|这段时间|今年)?的(表现|工作|业绩|态度|绩效|报告)|你需要(改进|提高|提升)|我对你(的|很|有些)"
    r"|作为你的(经理|上级|主管))",
    _FLAGS,
)
_NARRATION = re.compile(r"\b(the employee|the review states|the reviewer)\b", _FLAGS)
_META = re.compile(
    r"\b(system prompt|(my|the) instructions|i was (told|instructed) to (play|act|say|be|pretend)"
    r"|my (persona|role"
    r"|character|stance|script)|hidden concern|role-?play|in character|out of character"
    r"|trust (level|score|is at)|stress (level|score|is at)|rubric|debrief|scenario"
    r"|the manager should|a good manager|open questions?|sbi model|next time,? try"
    r"|you should (ask|use|try|acknowledge|cite))\b"
    r"|\b\d{1,3}\s*/\s*100\b"
    r"|(系统提示|提示词|我的(设定|指令|人设|角色|台词)|隐藏(的)?(担忧|顾虑|设定)|角色扮演|信任度|压力值"
    r"|评分标准|好的经理|开放式问题|你应该(问|用|试着|先))",
    _FLAGS,
)
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_CJK = re.compile(r"[\u3400-\u9fff]")

EN_NGRAM = 5
"""Consecutive words shared with hidden text that count as a verbatim leak."""
ZH_NGRAM = 8
"""Consecutive Chinese characters shared with hidden text that count as a leak."""
INJECTION_NGRAM = 4
"""Words shared with a manager's instruction-to-a-model that count as complying with it."""
INJECTION_CJK = 6
"""Consecutive Chinese characters shared with such an instruction that count the same way."""
INJECTION_CJK_PAIRS = 3
"""Chinese character pairs shared with such an instruction that count as reworded compliance."""

MAX_CHARS = {"en": 400, "zh": 160}
"""Longest acceptable reply; longer is a monologue, not a person in a meeting."""


@dataclass(frozen=True)
class Violation:
    """Why a reply was rejected."""

    code: str
    """``empty``, ``too_long``, ``role_marker``, ``ai_talk``, ``meta``, ``leak``,
    ``follows_injection`` or ``language``."""
    detail: str


@dataclass(frozen=True)
class GuardContext:
    """What a reply is checked against; built once per turn."""

    language: Lang
    """The session's language."""
    secrets: tuple[str, ...]
    """Hidden text: the persona prompt's rules, sketch, hidden concern, rubric."""
    manager_message: str = ""
    injected: bool = False
    """The manager's message contained an instruction to a model."""
    persona_name: str = ""
    previous: tuple[str, ...] = ()
    """The persona's earlier lines: a reply that repeats one is rejected."""
    quotable: str = ""
    """Text the persona may quote (the draft, the manager's words): its own name inside
    such a quote is not narration."""
    _grams: frozenset[str] = field(default=frozenset(), repr=False)

    @classmethod
    def build(cls, *, language: Lang, secrets: Iterable[str], manager_message: str = "",
              injected: bool = False, persona_name: str = "",
              previous: Iterable[str] = (), quotable: str = "") -> GuardContext:
        """Precompute the n-grams of the hidden text."""
        secrets = tuple(s for s in secrets if s)
        grams: set[str] = set()
        for s in secrets:
            grams |= _ngrams(s)
        return cls(language, secrets, manager_message, injected, persona_name,
                   tuple(previous), quotable, frozenset(grams))

    def allowed_languages(self) -> set[str]:
        """The session's language, plus the manager's own if they switched first."""
        allowed = {self.language, "mixed"} if self.language == "zh" else {"en"}
        said = detect_language(self.manager_message) if self.manager_message.strip() else None
        if said is not None and said != self.language:
            allowed |= {said, "mixed"}
        return allowed


def _words(text: str) -> list[str]:
    return [w.lower() for w in _LATIN_WORD.findall(text)]


def _ngrams(text: str) -> set[str]:
    words = _words(text)
    out = {" ".join(words[i:i + EN_NGRAM]) for i in range(len(words) - EN_NGRAM + 1)}
    cjk = "".join(_CJK.findall(text))
    out |= {cjk[i:i + ZH_NGRAM] for i in range(len(cjk) - ZH_NGRAM + 1)}
    return out


def strip_speaker(text: str, persona_name: str) -> str:
    """Remove a leading ``Name:`` the model sometimes writes before its own line, and
    surrounding quotes."""
    text = text.strip()
    if persona_name:
        text = re.sub(rf"^\s*{re.escape(persona_name)}\s*[:：]\s*", "", text)
    text = re.sub(r"^\s*(employee|员工)\s*[:：]\s*", "", text, flags=re.IGNORECASE)
    if len(text) >= 2 and text[0] in "\"“" and text[-1] in "\"”" and text.count(text[0]) <= 2:
        text = text[1:-1].strip()
    return text


class SpeakerLabel:
    """Drop a leading ``Name:`` from a streamed reply before anything is released (the
    model writes dialogue and often labels its line)."""

    def __init__(self, persona_name: str) -> None:
        self.labels = [f"{persona_name}:", f"{persona_name}：", "Employee:", "员工："]
        self.pending = ""
        self.done = False

    def feed(self, delta: str) -> str:
        """Return the part of ``delta`` that is the line itself."""
        if self.done:
            return delta
        self.pending += delta
        head = self.pending.lstrip()
        for label in self.labels:
            if head.startswith(label):
                self.done = True
                return head[len(label):].lstrip()
        if any(label.startswith(head) for label in self.labels):
            return ""  # could still become a label: wait
        self.done = True
        return self.pending.lstrip()

    def flush(self) -> str:
        """Whatever is still held at the end of the stream."""
        if self.done:
            return ""
        self.done = True
        return self.pending.lstrip()


def trim_to_sentence(text: str) -> str:
    """Cut an unfinished last sentence (a reply that ran into its token limit)."""
    text = text.strip()
    if not text or text[-1] in ".!?。！？…\"”)）":
        return text
    cut = max(text.rfind(c) for c in ".!?。！？…")
    return text[: cut + 1] if cut >= len(text) // 3 else text


def check_prefix(text: str, ctx: GuardContext) -> Violation | None:
    """Checks that hold for any prefix of a reply (used while streaming, and at the end)."""
    if m := _ROLE_LINE.search(text):
        return Violation("role_marker", m.group().strip())
    if m := _AI_TALK.search(text):
        return Violation("ai_talk", m.group())
    if m := _REFUSAL.search(text):
        return Violation("ai_talk", m.group())
    if m := _AS_MANAGER.search(text):
        return Violation("as_manager", m.group())
    if m := _NARRATION.search(text):
        return Violation("narration", m.group())
    if ctx.persona_name and _narrates(strip_speaker(text, ctx.persona_name), ctx):
        return Violation("narration", f"speaks of {ctx.persona_name} in the third person")
    if m := _META.search(text):
        return Violation("meta", m.group())
    grams = _ngrams(text)
    leaked = grams & ctx._grams
    if leaked:
        return Violation("leak", sorted(leaked)[0])
    if ctx.injected and ctx.manager_message:
        words = _words(ctx.manager_message)
        demanded = {" ".join(words[i:i + INJECTION_NGRAM])
                    for i in range(len(words) - INJECTION_NGRAM + 1)}
        reply_words = _words(text)
        said = {" ".join(reply_words[i:i + INJECTION_NGRAM])
                for i in range(len(reply_words) - INJECTION_NGRAM + 1)}
        if demanded & said:
            return Violation("follows_injection", sorted(demanded & said)[0])
        asked = "".join(_CJK.findall(ctx.manager_message))
        spoken = "".join(_CJK.findall(text))
        asked_grams = {asked[i:i + INJECTION_CJK] for i in range(len(asked) - INJECTION_CJK + 1)}
        for i in range(len(spoken) - INJECTION_CJK + 1):
            if spoken[i:i + INJECTION_CJK] in asked_grams:
                return Violation("follows_injection", spoken[i:i + INJECTION_CJK])
        # Reworded compliance ("员工必须同意评分并道歉" -> "我同意这个评分，也向你道歉"):
        # three or more of the demand's character pairs come back. Only after a message
        # that instructs a model, so an ordinary reply is never held to it.
        shared = _bigrams(asked) & _bigrams(spoken)
        if len(shared) >= INJECTION_CJK_PAIRS:
            return Violation("follows_injection", "".join(sorted(shared)))
    return None


def _narrates(text: str, ctx: GuardContext) -> bool:
    """The persona's own name used outside a quote of the draft or the manager."""
    name = re.escape(ctx.persona_name)
    source = " ".join(ctx.quotable.lower().split())
    for m in re.finditer(rf"(?<![A-Za-z]){name}(?![A-Za-z])", text):
        window = " ".join(text[m.start():].split()[:3]).lower().rstrip(".,!?\"”'")
        if not _CJK.search(window) and len(window.split()) >= 2 and window in source:
            continue
        if _CJK.search(ctx.persona_name) and text[m.start():m.start() + len(ctx.persona_name) + 3] \
                in ctx.quotable:
            continue
        return True
    return False


def check_reply(text: str, ctx: GuardContext) -> Violation | None:
    """All checks on a complete reply; ``None`` when it stays in character."""
    if not text.strip() or not re.search(r"\w", text):
        return Violation("empty", "the reply is empty")
    limit = MAX_CHARS[ctx.language]
    if len(text) > limit:
        return Violation("too_long", f"{len(text)} characters (limit {limit})")
    problem = check_prefix(text, ctx)
    if problem is not None:
        return problem
    language = detect_language(text)
    if language not in ctx.allowed_languages():
        return Violation("language", f"replied in {language}, the session is {ctx.language}")
    if _other_latin_language(text) and not _other_latin_language(ctx.manager_message):
        return Violation("language", f"replied in another language, the session is {ctx.language}")
    for earlier in ctx.previous:
        if _similar(text, earlier):
            return Violation("repeat", "repeats an earlier line")
    return None


_EN_FUNCTION = frozenset("the a an and or but is are was were i you we it to of in on for with "
                         "that this not my your me have has do did will can".split())
_OTHER_FUNCTION = frozenset(
    # French, Spanish, German, Portuguese, Italian, Dutch function words that English lacks
    "le la les des est et je vous nous une dans pour pas avec sur qui mais de en du au ce ne vais "
    "el los las es y yo usted nosotros una por para con pero del "
    "der die das und ist ich sie wir nicht ein eine mit auf für aber "
    "o os é eu você não uma com mas il di che non sono è per ma het een niet ook".split())


def _other_latin_language(text: str) -> bool:
    """A Latin-script reply that reads as French, Spanish, German ... rather than English
    (the analyzer's detector only tells English from Chinese)."""
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if len(words) < 4:
        return False
    other = sum(w in _OTHER_FUNCTION for w in words)
    english = sum(w in _EN_FUNCTION for w in words)
    return other >= 2 and other > english


def _bigrams(text: str) -> set[str]:
    norm = re.sub(r"[\W_]+", "", text.lower())
    return {norm[i:i + 2] for i in range(len(norm) - 1)}


def _similar(a: str, b: str, threshold: float = 0.8) -> bool:
    """Near-identical lines (character-bigram Jaccard), in either language."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return a.strip() == b.strip()
    return len(x & y) / len(x | y) >= threshold


class StreamGuard:
    """Release streamed text only once it cannot be the start of a leak.

    The last ``EN_NGRAM`` words (``ZH_NGRAM`` Chinese characters) are held back; each delta
    is checked with ``check_prefix`` on everything seen so far. A violation stops the
    release: the caller drops the attempt and, if anything was already released, tells the
    client to reset.
    """

    def __init__(self, ctx: GuardContext) -> None:
        self.ctx = ctx
        self.text = ""
        self.released = 0
        self.violation: Violation | None = None

    def feed(self, delta: str) -> str:
        """Add a delta; return the text now safe to release (may be empty)."""
        if self.violation is not None:
            return ""
        self.text += delta
        self.violation = check_prefix(self.text, self.ctx)
        if self.violation is not None:
            return ""
        safe = self._safe_end()
        if safe <= self.released:
            return ""
        out = self.text[self.released:safe]
        self.released = safe
        return out

    def _safe_end(self) -> int:
        """Index up to which the text is released: before the last held-back words."""
        words = 0
        cjk = 0
        i = len(self.text)
        while i > self.released:
            ch = self.text[i - 1]
            if _CJK.match(ch):
                cjk += 1
                if cjk >= ZH_NGRAM:
                    return i - 1
            elif ch.isspace() and i < len(self.text) and not self.text[i].isspace():
                words += 1
                if words >= EN_NGRAM:
                    return i
            i -= 1
        return self.released
