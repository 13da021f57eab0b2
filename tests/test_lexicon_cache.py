"""The compiled-lexicon cache: same analyses as compiling, and never in the way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.analyzer import analyze
from assistant.analyzer import lexicon as lx
from assistant.config import get_settings
from assistant.evals.suites.critique import DEFAULT_GROUPS


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COACH_LEXICON_CACHE", raising=False)
    get_settings.cache_clear()
    lx.load_lexicons.cache_clear()
    yield tmp_path / "cache"
    get_settings.cache_clear()
    lx.load_lexicons.cache_clear()  # the next user loads with the real settings again


def _drafts() -> list[str]:
    texts = []
    for path in DEFAULT_GROUPS["dev"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def test_cached_lexicons_analyze_exactly_like_freshly_compiled_ones(cache_dir: Path) -> None:
    compiled = lx.load_lexicons()  # compiles and writes the cache
    files = list(cache_dir.glob("lexicons-*.pickle"))
    assert len(files) == 1 and files[0].stat().st_size > 0
    assert not list(cache_dir.glob("*.tmp"))
    lx.load_lexicons.cache_clear()
    cached = lx.load_lexicons()  # reads it
    assert cached is not compiled
    # The indexes' speed-ups survive: every pattern keeps its shared-prefix guard.
    assert compiled.personality._guards
    for fresh, loaded in ((compiled.personality, cached.personality),
                          (compiled.bias, cached.bias)):
        assert len(loaded._guards) == len(fresh._guards)
        pairs = zip([p for e in fresh.entries for p in e.patterns],
                    [p for e in loaded.entries for p in e.patterns], strict=True)
        for before, after in pairs:
            guard = fresh._guards.get(id(before))
            assert (guard is None) == (id(after) not in loaded._guards)
            if guard is not None:
                assert loaded._guards[id(after)].pattern == guard.pattern
    for text in _drafts():
        assert analyze(text, lexicons=cached) == \
            analyze(text, lexicons=compiled), text


def test_a_damaged_cache_is_ignored_and_replaced(cache_dir: Path) -> None:
    lx.load_lexicons()
    (path,) = cache_dir.glob("lexicons-*.pickle")
    path.write_bytes(path.read_bytes()[:1000])  # truncated
    lx.load_lexicons.cache_clear()
    lexicons = lx.load_lexicons()
    assert analyze("She is careless and bossy.", lexicons=lexicons).verdicts.behavior_focused \
        is False
    assert path.stat().st_size > 1000  # written again


def test_cache_can_be_turned_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_LEXICON_CACHE", "0")
    lx.load_lexicons()
    assert not cache_dir.exists()


def test_the_key_follows_the_lexicon_files(tmp_path: Path) -> None:
    (tmp_path / "cues.yaml").write_text("a: [x]\n", encoding="utf-8")
    first = lx.cache_key(tmp_path)
    assert lx.cache_key(tmp_path) == first
    (tmp_path / "cues.yaml").write_text("a: [y]\n", encoding="utf-8")
    assert lx.cache_key(tmp_path) != first
