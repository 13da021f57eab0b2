"""Loading and chunking knowledge documents (no embeddings, no Chroma)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.knowledge.chunking import (
    HEADING_SEPARATOR,
    MAX_UNITS,
    DocumentError,
    chunk_document,
    chunk_id,
    load_document,
    text_units,
)

SECTIONED = """\
---
title: Giving useful feedback
language: en
kind: guidance
publisher: Feedback Coach
date: 2024-10-08
---
# Giving useful feedback

A short introduction to the guide.

## Be specific

Name the project, the date and the number.

### Examples

Before: "Great job." After: "The March release shipped two days early."

```markdown
## not a heading inside a code fence
```

## Be balanced

Name strengths and growth areas, each with evidence.
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_front_matter_sets_title_language_kind(tmp_path: Path) -> None:
    path = _write(tmp_path / "guides" / "useful.md", SECTIONED)
    doc = load_document(path, tmp_path)
    assert doc.source == "guides/useful.md"
    assert doc.title == "Giving useful feedback"
    assert doc.language == "en"
    assert doc.kind == "guidance"
    assert doc.front_matter["publisher"] == "Feedback Coach"
    assert len(doc.doc_hash) == 64
    assert doc.root == tmp_path.resolve()


def test_title_and_language_fallbacks(tmp_path: Path) -> None:
    heading_only = _write(tmp_path / "a.md", "# 具体的反馈\n\n评语要写清楚时间、场合和结果。\n")
    doc = load_document(heading_only, tmp_path)
    assert doc.title == "具体的反馈"
    assert doc.language == "zh"
    assert doc.kind == "guidance"

    plain = _write(tmp_path / "peer_review-tips.txt", "Ask peers for examples.\n")
    doc = load_document(plain, tmp_path)
    assert doc.title == "Peer review tips"
    assert doc.language == "en"
    assert doc.format == "text"


def test_sections_keep_heading_paths_and_exact_spans(tmp_path: Path) -> None:
    path = _write(tmp_path / "useful.md", SECTIONED)
    doc = load_document(path, tmp_path)
    chunks = chunk_document(doc)

    assert [c.heading for c in chunks] == [
        None,
        "Be specific",
        f"Be specific{HEADING_SEPARATOR}Examples",
        "Be balanced",
    ]
    for index, chunk in enumerate(chunks):
        assert doc.text[chunk.start : chunk.end] == chunk.body
        assert chunk.chunk_index == index
        assert chunk.id == chunk_id(doc.root, "useful.md", index)
        assert chunk.source == "useful.md"
        assert chunk.root == str(tmp_path.resolve())
        assert chunk.doc_hash == doc.doc_hash
        assert chunk.kind == "guidance" and chunk.language == "en"
    # The heading line is context, not body; a fenced "##" stays inside its section.
    assert chunks[2].text.startswith(
        f"Giving useful feedback{HEADING_SEPARATOR}Be specific{HEADING_SEPARATOR}Examples\n\n"
    )
    assert "## not a heading" in chunks[2].body
    assert not chunks[1].body.startswith("#")
    assert chunks[0].text == "Giving useful feedback\n\nA short introduction to the guide."
    meta = chunks[0].metadata()
    assert meta["heading"] == "" and meta["start"] == chunks[0].start
    assert set(meta) >= {
        "source",
        "title",
        "heading",
        "language",
        "root",
        "doc_hash",
        "chunk_index",
        "kind",
    }


def test_ids_are_namespaced_by_root(tmp_path: Path) -> None:
    assert chunk_id(tmp_path / "a", "x.md", 0) != chunk_id(tmp_path / "b", "x.md", 0)
    assert chunk_id(tmp_path / "a", "x.md", 3).endswith(":x.md#3")


def test_long_english_section_splits_on_paragraphs(tmp_path: Path) -> None:
    paragraphs = [
        " ".join(f"word{p}x{i}" for i in range(80)) + "." for p in range(12)
    ]  # ~960 words in one section
    text = "# Long guide\n\n## One long section\n\n" + "\n\n".join(paragraphs) + "\n"
    doc = load_document(_write(tmp_path / "long.md", text), tmp_path)
    chunks = chunk_document(doc)

    assert len(chunks) == 3
    paragraph_starts = {p[:20] for p in paragraphs}
    for chunk in chunks:
        assert chunk.heading == "One long section"
        assert 200 <= text_units(chunk.body) <= MAX_UNITS
        assert chunk.body[:20] in paragraph_starts  # cut at paragraph boundaries
        assert chunk.text.startswith(f"Long guide{HEADING_SEPARATOR}One long section\n\n")
    assert "\n\n".join(c.body for c in chunks) == "\n\n".join(paragraphs)


def test_long_chinese_section_splits_by_characters(tmp_path: Path) -> None:
    paragraph = "评语要写清楚时间场合和结果" * 15 + "。"  # 196 CJK characters
    text = "---\nlanguage: zh\n---\n# 指南\n\n## 很长的一节\n\n" + "\n\n".join([paragraph] * 8)
    doc = load_document(_write(tmp_path / "zh.md", text), tmp_path)
    chunks = chunk_document(doc)

    assert len(chunks) == 3
    for chunk in chunks:
        cjk = sum(1 for ch in chunk.body if "\u4e00" <= ch <= "\u9fff")
        assert 300 <= cjk <= 700
        assert chunk.heading == "很长的一节" and chunk.language == "zh"


def test_oversized_paragraph_splits_on_sentences(tmp_path: Path) -> None:
    sentence = " ".join(["feedback"] * 29) + " ends."
    text = "# Guide\n\n## Wall of text\n\n" + " ".join([sentence] * 40)  # ~1200 words
    doc = load_document(_write(tmp_path / "wall.md", text), tmp_path)
    chunks = chunk_document(doc)
    assert len(chunks) == 3
    for chunk in chunks:
        assert chunk.body.endswith("ends.")
        assert text_units(chunk.body) <= MAX_UNITS
        assert doc.text[chunk.start : chunk.end] == chunk.body


def test_plain_text_is_chunked_by_paragraphs(tmp_path: Path) -> None:
    paragraphs = [" ".join(["coaching"] * 150) for _ in range(4)]
    doc = load_document(_write(tmp_path / "notes.txt", "\n\n".join(paragraphs)), tmp_path)
    chunks = chunk_document(doc)
    assert len(chunks) == 2
    assert all(c.heading is None for c in chunks)
    assert chunks[0].text.startswith("Notes\n\n")


def test_mixed_document_labels_chunks_by_their_language(tmp_path: Path) -> None:
    text = (
        "---\nlanguage: mixed\n---\n# Bilingual\n\n## English part\n\n"
        "Describe the behaviour and its impact on the team.\n\n"
        "## 中文部分\n\n描述具体行为以及它对团队的影响。\n"
    )
    doc = load_document(_write(tmp_path / "bi.md", text), tmp_path)
    assert doc.language == "mixed"
    assert [c.language for c in chunk_document(doc)] == ["en", "zh"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xff\xfe\x00 not utf-8 \x81", "UTF-8"),
        (b"", "empty"),
        (b"---\ntitle: only front matter\n---\n", "no text"),
        (b"---\ntitle: [unclosed\n---\nbody\n", "YAML"),
    ],
)
def test_unreadable_documents_raise(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=reason):
        load_document(path, tmp_path)


def test_path_outside_root_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path / "a" / "x.md", "# X\n\ntext\n")
    with pytest.raises(ValueError):
        load_document(path, tmp_path / "b")
