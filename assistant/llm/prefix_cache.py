"""Checkpoints of the embedded model's KV cache at the end of a prompt's system turn.

Every coaching prompt starts with the same system turn for its language (the rules and both
reply formats, ``prompts/system.j2``); only the user turn (the draft and what the analyzer
found) changes. On 2 cores the model reads a prompt at ~45 tokens/s, so reading that fixed
turn again for every draft costs seconds before the first token. llama.cpp only keeps the
last prompt it read; this module keeps a few more: the KV cells of a system turn, saved once
with ``llama_state_seq_get_data`` (~29 KB per token here) and copied back in a few ms when a
prompt that starts with the same turn comes.

``PrefixCache`` is the bookkeeping (pure Python, bounded by bytes, least recently used out);
``SystemTurnReuse`` applies it to a loaded ``Llama`` just before a completion reads its
prompt. A prompt whose system turn is unknown reads it once and saves it; the answer is the
same either way (greedy decoding gives identical tokens; ``tests/test_prefix_cache.py``).
"""

from __future__ import annotations

import ctypes
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_cpp import Llama

MIN_PREFIX_TOKENS = 32
"""Shorter system turns are not worth a checkpoint (under a second to read)."""


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two token sequences."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class PrefixCache:
    """Token prefixes -> saved KV state, least recently used first out, bounded by bytes."""

    def __init__(self, capacity_bytes: int) -> None:
        self.capacity_bytes = capacity_bytes
        self._entries: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.saves = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def longest(self, tokens: Sequence[int]) -> tuple[tuple[int, ...], bytes] | None:
        """The longest saved prefix of ``tokens`` (marked as just used), or None."""
        with self._lock:
            best: tuple[int, ...] | None = None
            for key in self._entries:
                if len(key) <= len(tokens) and (best is None or len(key) > len(best)) \
                        and tuple(tokens[: len(key)]) == key:
                    best = key
            if best is None:
                return None
            self._entries.move_to_end(best)
            return best, self._entries[best]

    def put(self, key: Sequence[int], blob: bytes) -> bool:
        """Save ``blob`` for the prefix ``key``, evicting the least recently used entries to
        stay under capacity. Returns False (nothing saved) when ``blob`` alone is too big."""
        k = tuple(key)
        if len(blob) > self.capacity_bytes:
            return False
        with self._lock:
            old = self._entries.pop(k, None)
            if old is not None:
                self._bytes -= len(old)
            while self._entries and self._bytes + len(blob) > self.capacity_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped)
            self._entries[k] = blob
            self._bytes += len(blob)
            self.saves += 1
            return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def system_turn_end(prompt: str, messages: Sequence[dict[str, str]] | None) -> int | None:
    """Character offset in the formatted ``prompt`` where the first user message's text
    begins, when the messages open with a system message followed by a user message: the
    prompt up to there is the system turn plus the template's user header."""
    if not messages or len(messages) < 2:
        return None
    system, user = messages[0], messages[1]
    if system.get("role") != "system" or user.get("role") != "user":
        return None
    sys_text, user_text = system.get("content") or "", user.get("content") or ""
    if not sys_text.strip() or not user_text.strip():
        return None
    at = prompt.find(sys_text)
    if at < 0:
        return None
    start = prompt.find(user_text, at + len(sys_text))
    return start if start >= 0 else None


class SystemTurnReuse:
    """Puts a saved system turn into a ``Llama`` before it reads a prompt, and saves new ones.

    Called with the generation lock held and llama.cpp's abort callback armed, so reading a
    new system turn stops at the call's deadline like the rest of the prompt.
    """

    def __init__(self, cache: PrefixCache, min_tokens: int = MIN_PREFIX_TOKENS) -> None:
        self.cache = cache
        self.min_tokens = min_tokens

    def prepare(self, llama: Llama, tokens: Sequence[int], prompt: str, add_bos: bool,
                messages: Sequence[dict[str, str]] | None) -> None:
        """Make the model's state hold as much of the start of ``tokens`` (``prompt``
        formatted and tokenized by the chat handler) as the live state or a checkpoint has;
        ``Llama.generate`` then reads only the rest. A system turn not seen before is read
        on its own first and saved."""
        end = system_turn_end(prompt, messages)
        boundary = 0
        if end is not None:
            head = llama.tokenize(prompt[:end].encode("utf-8"), add_bos=add_bos, special=True)
            boundary = common_prefix(head, tokens)
        live = common_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens)
        hit = self.cache.longest(tokens)
        if hit is not None and len(hit[0]) > live:
            if _restore(llama, hit[0], hit[1]):
                self.cache.hits += 1
                live = len(hit[0])
            else:
                live = 0
        if boundary < self.min_tokens or tuple(tokens[:boundary]) in self.cache:
            return
        if live <= boundary:
            # Read the system turn on its own and save it; the rest of the prompt follows.
            llama._ctx.kv_cache_seq_rm(-1, live, -1)
            llama.n_tokens = live
            if boundary > live:
                llama.eval(list(tokens[live:boundary]))
            blob = _save(llama)
            if blob is not None:
                self.cache.put(tokens[:boundary], blob)
        # live > boundary: the live state holds more than the system turn (the second call
        # of a run); saving now would cost that, and the next draft's call will save it.


def _ctx(llama: Llama) -> Any:
    return llama._ctx.ctx


def _save(llama: Llama) -> bytes | None:
    """Sequence 0's KV cells as bytes (the context holds exactly the prefix to save)."""
    import llama_cpp

    ctx = _ctx(llama)
    size = llama_cpp.llama_state_seq_get_size(ctx, 0)
    if size <= 0:
        return None
    buf = (ctypes.c_uint8 * size)()
    n = llama_cpp.llama_state_seq_get_data(ctx, buf, size, 0)
    return ctypes.string_at(buf, n) if n > 0 else None


def _restore(llama: Llama, key: tuple[int, ...], blob: bytes) -> bool:
    """Replace the model's state by a checkpoint; on failure leave it empty (a full read)."""
    import llama_cpp

    llama._ctx.kv_cache_clear()  # type: ignore[no-untyped-call]
    src = (ctypes.c_uint8 * len(blob)).from_buffer_copy(blob)
    if llama_cpp.llama_state_seq_set_data(_ctx(llama), src, len(blob), 0) != len(blob):
        llama._ctx.kv_cache_clear()  # type: ignore[no-untyped-call]
        llama.n_tokens = 0
        return False
    llama.input_ids[: len(key)] = key
    llama.n_tokens = len(key)
    llama._requires_eval = True
    return True
