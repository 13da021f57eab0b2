"""Load knowledge documents and cut them into heading-aware chunks for retrieval.

Markdown documents give one chunk per ``##``/``###`` section (deeper headings stay inside
their section); a section longer than the size window is split on paragraph boundaries,
and a paragraph longer than the window on sentence boundaries, each piece keeping its
heading path. Plain text files are split the same way on paragraphs, without headings.
Every chunk keeps its character span in the document text, so ``doc.text[start:end]`` is
exactly its body, and carries its "title › heading" context for embedding.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from assistant.analyzer.language import Language, detect_language, split_sentences

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
TEXT_SUFFIXES = frozenset({".txt"})
DOCUMENT_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES

CHUNKER_VERSION = "1"
"""Stored with every chunk; bump it when chunking changes so unchanged files re-index."""

DEFAULT_KIND = "guidance"

# Size window in "word units": one Latin word, or ~1.55 CJK characters, so that
# 200-450 units is ~200-450 English words or ~300-700 Chinese characters.
MIN_UNITS = 200
MAX_UNITS = 450
_CJK_PER_UNIT = 700 / MAX_UNITS

HEADING_SEPARATOR = " › "

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")
_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_INLINE_MARKUP = re.compile(r"[*_`]+|\[([^\]]*)\]\([^)]*\)")


class DocumentError(ValueError):
    """A file that cannot be indexed (not UTF-8, empty, broken front matter)."""


@dataclass(frozen=True)
class Document:
    """One knowledge file, decoded, with its front matter parsed."""

    path: Path
    """Resolved path of the file."""
    root: Path
    """Resolved folder the document was found under; ``source`` is relative to it."""
    source: str
    """Path relative to ``root``, POSIX style."""
    text: str
    """Decoded text (BOM removed, newlines normalised to ``\\n``); spans index into it."""
    body_start: int
    """Offset where the content after the front matter begins."""
    title: str
    language: Language
    kind: str
    doc_hash: str
    """sha256 of the file's bytes."""
    format: Literal["markdown", "text"]
    front_matter: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    """A piece of a document, ready to embed and store."""

    id: str
    text: str
    """The chunk in context: the "title › heading" line, a blank line, then the body.

    ``KnowledgeStore`` embeds ``context`` and ``body`` separately and sums the vectors
    (see ``embeddings.encode_passages``), which retrieves better than embedding this."""
    body: str
    """The chunk's own text, ``document.text[start:end]``."""
    start: int
    end: int
    source: str
    title: str
    heading: str | None
    """Heading path such as ``"Giving feedback › The SBI model"``; ``None`` before any."""
    language: Language
    root: str
    doc_hash: str
    chunk_index: int
    kind: str

    @property
    def context(self) -> str:
        """The "title › heading" line that situates the chunk in its document."""
        return self.title + (HEADING_SEPARATOR + self.heading if self.heading else "")

    def metadata(self) -> dict[str, str | int]:
        """Chroma metadata (no ``None`` values: a missing heading is stored as ``""``)."""
        return {
            "source": self.source,
            "title": self.title,
            "heading": self.heading or "",
            "language": self.language,
            "root": self.root,
            "doc_hash": self.doc_hash,
            "chunk_index": self.chunk_index,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "chunker": CHUNKER_VERSION,
        }


def root_key(root: str | Path) -> str:
    """Short stable hash of a resolved root folder, used to namespace chunk ids."""
    return hashlib.sha256(str(root).encode("utf-8")).hexdigest()[:12]


def chunk_id(root: str | Path, source: str, chunk_index: int) -> str:
    """Deterministic id ``"<root hash>:<source>#<index>"``."""
    return f"{root_key(root)}:{source}#{chunk_index}"


def is_document_path(path: Path) -> bool:
    """Whether a file name looks like a knowledge document (``.md``, ``.markdown``, ``.txt``)."""
    return path.suffix.lower() in DOCUMENT_SUFFIXES


def text_units(text: str) -> float:
    """Size of a text in word units (Latin words plus CJK characters / ~1.55)."""
    return len(_LATIN_WORD.findall(text)) + len(_CJK.findall(text)) / _CJK_PER_UNIT


def load_document(path: Path, root: Path) -> Document:
    """Read and parse one knowledge file.

    Args:
        path: The file (``.md``, ``.markdown`` or ``.txt``).
        root: The folder it belongs to; ``source`` is the path relative to it.

    Returns:
        The decoded document with title, language and kind resolved: front matter first,
        then the first ``#`` heading (title) or ``detect_language`` (language).

    Raises:
        DocumentError: The file is not UTF-8, is empty, or has unreadable front matter.
        ValueError: ``path`` is not inside ``root``.
    """
    path = path.resolve()
    root = root.resolve()
    source = path.relative_to(root).as_posix()
    raw = path.read_bytes()
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not valid UTF-8 (byte {exc.start})") from exc
    text = "\n".join(decoded.splitlines())
    if not text.strip():
        raise DocumentError("empty file")

    front_matter, body_start = _split_front_matter(text)
    fmt: Literal["markdown", "text"] = (
        "markdown" if path.suffix.lower() in MARKDOWN_SUFFIXES else "text"
    )
    body = text[body_start:]
    if not _has_words(body):
        raise DocumentError("no text after the front matter")

    title = _clean_scalar(front_matter.get("title"))
    if not title and fmt == "markdown":
        title = _first_title_heading(text, body_start) or ""
    if not title:
        title = _title_from_file_name(path)

    return Document(
        path=path,
        root=root,
        source=source,
        text=text,
        body_start=body_start,
        title=title,
        language=_normalise_language(front_matter.get("language")) or detect_language(body),
        kind=_clean_scalar(front_matter.get("kind")) or DEFAULT_KIND,
        doc_hash=hashlib.sha256(raw).hexdigest(),
        format=fmt,
        front_matter=front_matter,
    )


def chunk_document(doc: Document) -> list[Chunk]:
    """Cut a document into heading-aware chunks (see the module docstring).

    Returns:
        Chunks in document order with ``chunk_index`` 0..n-1 and deterministic ids.
    """
    if doc.format == "markdown":
        sections = _markdown_sections(doc)
    else:
        sections = [(None, doc.body_start, len(doc.text))]

    chunks: list[Chunk] = []
    root = str(doc.root)
    for heading, start, end in sections:
        for piece_start, piece_end in _split_section(doc.text, start, end):
            body = doc.text[piece_start:piece_end]
            language = detect_language(body) if doc.language == "mixed" else doc.language
            context = doc.title + (HEADING_SEPARATOR + heading if heading else "")
            index = len(chunks)
            chunks.append(
                Chunk(
                    id=chunk_id(root, doc.source, index),
                    text=f"{context}\n\n{body}",
                    body=body,
                    start=piece_start,
                    end=piece_end,
                    source=doc.source,
                    title=doc.title,
                    heading=heading,
                    language=language,
                    root=root,
                    doc_hash=doc.doc_hash,
                    chunk_index=index,
                    kind=doc.kind,
                )
            )
    return chunks


# --- front matter and document fields -------------------------------------------------


def _split_front_matter(text: str) -> tuple[dict[str, Any], int]:
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return {}, 0
    offset = len(lines[0]) + 1
    for line in lines[1:]:
        if _FRONT_MATTER_END.match(line):
            block = text[len(lines[0]) + 1 : offset]
            end = min(offset + len(line) + 1, len(text))
            try:
                data = yaml.safe_load(block) if block.strip() else {}
            except yaml.YAMLError as exc:
                raise DocumentError(f"front matter is not valid YAML: {exc}") from exc
            if not isinstance(data, dict):
                raise DocumentError("front matter is not a mapping")
            return {str(k): v for k, v in data.items()}, end
        offset += len(line) + 1
    # An opening "---" with no closing line is a thematic break, not front matter.
    return {}, 0


def _clean_scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _normalise_language(value: Any) -> Language | None:
    tag = _clean_scalar(value).lower().replace("_", "-")
    if not tag:
        return None
    if tag in {"mixed", "bilingual", "en-zh", "zh-en", "en+zh", "zh+en", "multi"}:
        return "mixed"
    if tag.startswith("zh") or tag in {"chinese", "中文", "cn"}:
        return "zh"
    if tag.startswith("en") or tag == "english":
        return "en"
    return None


def _title_from_file_name(path: Path) -> str:
    stem = path.name.split(".", 1)[0] or path.stem
    words = re.sub(r"[_\-]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else path.name


def _has_words(text: str) -> bool:
    return bool(re.search(r"\w", text))


# --- markdown structure --------------------------------------------------------------


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str
    line_start: int
    line_end: int
    """Offset just past the heading line (its newline included)."""


def _iter_headings(text: str, start: int) -> list[_Heading]:
    """ATX headings from ``start`` on, ignoring lines inside fenced code blocks."""
    headings: list[_Heading] = []
    fence: str | None = None
    offset = start
    for line in text[start:].split("\n"):
        line_end = min(offset + len(line) + 1, len(text))
        fence_match = _FENCE.match(line)
        if fence is not None:
            if (
                fence_match
                and fence_match.group(1)[0] == fence[0]
                and len(fence_match.group(1)) >= len(fence)
            ):
                fence = None
        elif fence_match:
            fence = fence_match.group(1)
        else:
            match = _ATX_HEADING.match(line)
            if match:
                headings.append(
                    _Heading(len(match.group(1)), _plain(match.group(2) or ""), offset, line_end)
                )
        offset = line_end
    return headings


def _plain(heading: str) -> str:
    return _INLINE_MARKUP.sub(lambda m: m.group(1) or "", heading).strip()


def _first_title_heading(text: str, start: int) -> str | None:
    for heading in _iter_headings(text, start):
        if heading.level == 1 and heading.text:
            return heading.text
    return None


def _markdown_sections(doc: Document) -> list[tuple[str | None, int, int]]:
    """``(heading path, start, end)`` of each section; section bodies exclude headings.

    A leading ``#`` heading is the document title and is dropped (the title is in every
    chunk's context).
    Sections start at ``##`` and ``###``; a later ``#`` heading starts a new top-level
    section; ``####`` and deeper stay inside the section that holds them.
    """
    text = doc.text
    headings = _iter_headings(text, doc.body_start)
    first = headings[0] if headings else None
    title_heading = (
        first
        if first is not None
        and first.level == 1
        and not _has_words(text[doc.body_start : first.line_start])
        else None
    )
    boundaries = [h for h in headings if h.level <= 3]

    sections: list[tuple[str | None, int, int]] = []
    path: list[tuple[int, str]] = []
    current_heading: str | None = None
    current_start = doc.body_start
    for heading in boundaries:
        sections.append((current_heading, current_start, heading.line_start))
        if heading is title_heading:
            path = []
            current_heading = None
        else:
            path = [(level, name) for level, name in path if level < heading.level]
            if heading.text:
                path.append((heading.level, heading.text))
            current_heading = HEADING_SEPARATOR.join(name for _, name in path) or None
        current_start = heading.line_end
    sections.append((current_heading, current_start, len(text)))
    return [(h, s, e) for h, s, e in sections if _has_words(text[s:e])]


# --- splitting by size ---------------------------------------------------------------


def _split_section(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the pieces of one section, packed to the size window."""
    units = [
        piece
        for para_start, para_end in _paragraph_spans(text, start, end)
        for piece in _fit(text, para_start, para_end)
    ]
    if not units:
        return []
    return [(s, e) for s, e, _ in _pack(units)]


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Stripped spans of the blank-line separated paragraphs; fenced code stays whole."""
    spans: list[tuple[int, int]] = []
    segment = text[start:end]
    pos = 0
    in_fence = False
    para_begin = 0
    for match in _PARAGRAPH_BREAK.finditer(segment):
        block = segment[pos : match.start()]
        in_fence ^= sum(1 for line in block.split("\n") if _FENCE.match(line)) % 2 == 1
        pos = match.end()
        if in_fence:
            continue
        spans.append((para_begin, match.start()))
        para_begin = match.end()
    spans.append((para_begin, len(segment)))

    out: list[tuple[int, int]] = []
    for s, e in spans:
        chunk = segment[s:e]
        if not _has_words(chunk):
            continue
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        out.append((start + s + lead, start + e - trail))
    return out


def _fit(text: str, start: int, end: int) -> list[tuple[int, int, float]]:
    """A paragraph as one unit, or as sentence groups when it exceeds the window."""
    size = text_units(text[start:end])
    if size <= MAX_UNITS:
        return [(start, end, size)]
    sentences = [
        (start + s.start, start + s.end, text_units(s.text))
        for s in split_sentences(text[start:end])
    ]
    if len(sentences) <= 1:
        return [(start, end, size)]
    return _pack(sentences)


def _pack(units: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Group consecutive ``(start, end, size)`` units into balanced pieces of at most
    ``MAX_UNITS``.

    The number of pieces is the fewest that respects the maximum; units are then added
    to a piece while that brings it closer to the even share, so pieces come out similar
    in size instead of leaving a small remainder at the end.
    """
    total = sum(size for _, _, size in units)
    count = max(1, math.ceil(total / MAX_UNITS))
    target = total / count
    groups: list[tuple[int, int, float]] = []
    g_start, g_end, g_size = units[0]
    for u_start, u_end, u_size in units[1:]:
        grown = g_size + u_size
        if grown > MAX_UNITS or abs(grown - target) > abs(g_size - target):
            groups.append((g_start, g_end, g_size))
            g_start, g_end, g_size = u_start, u_end, u_size
        else:
            g_end, g_size = u_end, grown
    groups.append((g_start, g_end, g_size))

    # A short tail (a closing remark) reads better with the piece before it.
    if (
        len(groups) > 1
        and groups[-1][2] < MIN_UNITS / 2
        and (groups[-2][2] + groups[-1][2] <= MAX_UNITS * 1.15)
    ):
        (a_start, _, a_size), (_, b_end, b_size) = groups[-2], groups[-1]
        groups[-2:] = [(a_start, b_end, a_size + b_size)]
    return groups
