"""Saved system turns for the embedded model (``assistant/llm/prefix_cache.py``): the
bookkeeping, and what ``SystemTurnReuse`` does to a model's state, on a stand-in for llama.cpp
that records what it reads. The real model giving the same answer with a saved turn is in
``test_llm_embedded.py``."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.llm import prefix_cache
from assistant.llm.prefix_cache import (
    PrefixCache,
    SystemTurnReuse,
    common_prefix,
    system_turn_end,
)


def test_common_prefix() -> None:
    assert common_prefix([1, 2, 3], [1, 2, 4]) == 2
    assert common_prefix([], [1]) == 0
    assert common_prefix([1, 2], [1, 2, 3]) == 2


def test_longest_saved_prefix_wins_and_only_true_prefixes_match() -> None:
    cache = PrefixCache(1000)
    cache.put([1, 2], b"a")
    cache.put([1, 2, 3, 4], b"b")
    cache.put([9, 9, 9, 9, 9], b"c")
    assert cache.longest([1, 2, 3, 4, 5]) == ((1, 2, 3, 4), b"b")
    assert cache.longest([1, 2, 3, 5]) == ((1, 2), b"a")
    assert cache.longest([1, 2, 3]) == ((1, 2), b"a")  # a key longer than the prompt
    assert cache.longest([7]) is None


def test_capacity_evicts_least_recently_used() -> None:
    cache = PrefixCache(10)
    cache.put([1], b"xxxx")
    cache.put([2], b"yyyy")
    assert cache.longest([1, 0]) is not None  # [1] is now the most recently used
    cache.put([3], b"zzzz")  # 12 bytes > 10: [2] goes
    assert (1,) in cache and (3,) in cache and (2,) not in cache
    assert cache.size_bytes == 8
    assert not cache.put([4], b"x" * 11)  # bigger than the whole cache: not kept
    assert (4,) not in cache and cache.size_bytes == 8
    cache.put([1], b"ab")  # replacing an entry frees its old bytes
    assert cache.size_bytes == 6 and len(cache) == 2


CHATML = "<|im_start|>system\n{s}<|im_end|>\n<|im_start|>user\n{u}<|im_end|>\n" \
         "<|im_start|>assistant\n"


def test_system_turn_ends_where_the_user_text_begins() -> None:
    prompt = CHATML.format(s="Rules.", u="Draft: hello")
    msgs = [{"role": "system", "content": "Rules."}, {"role": "user", "content": "Draft: hello"}]
    end = system_turn_end(prompt, msgs)
    assert end is not None and prompt[:end].endswith("<|im_start|>user\n")
    assert prompt[end:].startswith("Draft: hello")
    # No system message, an empty one, or a user text the prompt does not hold: no turn.
    assert system_turn_end(prompt, msgs[1:]) is None
    assert system_turn_end(prompt, [{"role": "system", "content": " "}, msgs[1]]) is None
    assert system_turn_end(prompt, [msgs[0], {"role": "user", "content": "other"}]) is None


class _Ctx:
    def __init__(self, owner: FakeLlama) -> None:
        self.owner = owner
        self.ctx = object()

    def kv_cache_seq_rm(self, _seq: int, p0: int, _p1: int) -> bool:
        self.owner.kv = self.owner.kv[:p0]
        return True

    def kv_cache_clear(self) -> None:
        self.owner.kv = []


class FakeLlama:
    """Tokens are characters; ``kv`` is what the model holds; ``read`` counts evaluated
    tokens."""

    def __init__(self) -> None:
        self.input_ids = np.zeros(4096, dtype=np.intc)
        self.n_tokens = 0
        self.kv: list[int] = []
        self.read = 0
        self._ctx = _Ctx(self)

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
        return list(text)

    def eval(self, tokens: list[int]) -> None:
        self.kv = self.kv[: self.n_tokens] + list(tokens)
        self.input_ids[self.n_tokens: self.n_tokens + len(tokens)] = tokens
        self.n_tokens += len(tokens)
        self.read += len(tokens)

    def generate_rest(self, tokens: list[int]) -> None:
        """What ``Llama.generate`` does: keep the common prefix, read the rest."""
        keep = common_prefix(self.input_ids[: self.n_tokens].tolist(), tokens)
        self.n_tokens = keep
        self.kv = self.kv[:keep]
        self.eval(tokens[keep:])


@pytest.fixture
def fake_states(monkeypatch: pytest.MonkeyPatch) -> None:
    def save(llama: FakeLlama) -> bytes:
        return bytes(llama.kv)  # tokens < 256 in these tests

    def restore(llama: FakeLlama, key: tuple[int, ...], blob: bytes) -> bool:
        llama.kv = list(blob)
        llama.input_ids[: len(key)] = key
        llama.n_tokens = len(key)
        return True

    monkeypatch.setattr(prefix_cache, "_save", save)
    monkeypatch.setattr(prefix_cache, "_restore", restore)


SYSTEM = "You are a coach. Follow the rules below and reply in the format given. " * 2


def _run(reuse: SystemTurnReuse, llama: FakeLlama, system: str, user: str) -> int:
    """One call; returns the tokens the model read for it."""
    prompt = CHATML.format(s=system, u=user)
    msgs = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    tokens = llama.tokenize(prompt.encode())
    before = llama.read
    reuse.prepare(llama, tokens, prompt, False, msgs)  # type: ignore[arg-type]
    llama.generate_rest(tokens)
    assert llama.kv == tokens  # whatever happened, the model holds exactly the prompt
    return llama.read - before


@pytest.mark.usefixtures("fake_states")
def test_a_system_turn_is_read_once_then_restored() -> None:
    reuse = SystemTurnReuse(PrefixCache(1 << 20))
    llama = FakeLlama()
    head = len(CHATML.split("{u}")[0].format(s=SYSTEM))
    first = _run(reuse, llama, SYSTEM, "Draft one: she shipped the release.")
    assert first == len(CHATML.format(s=SYSTEM, u="Draft one: she shipped the release."))
    assert len(reuse.cache) == 1 and reuse.cache.saves == 1
    # Another system prompt in between replaces the live state ...
    _run(reuse, llama, "Something else entirely, long enough to count as a turn here.", "x")
    # ... and the next draft under the first system prompt reads only its own part.
    second = _run(reuse, llama, SYSTEM, "Draft two: he missed the deadline twice.")
    assert second == len(CHATML.format(s=SYSTEM, u="Draft two: he missed the deadline twice.")) \
        - head
    assert reuse.cache.hits == 1


@pytest.mark.usefixtures("fake_states")
def test_live_state_beyond_the_system_turn_is_kept_not_truncated() -> None:
    reuse = SystemTurnReuse(PrefixCache(1 << 20))
    llama = FakeLlama()
    _run(reuse, llama, SYSTEM, "Draft: context shared by both calls. Task A")
    saves = reuse.cache.saves
    # The second call of a run shares the draft too: it reads only its task line.
    read = _run(reuse, llama, SYSTEM, "Draft: context shared by both calls. Task B, longer")
    assert read == len("B, longer<|im_end|>\n<|im_start|>assistant\n")
    assert reuse.cache.saves == saves


@pytest.mark.usefixtures("fake_states")
def test_short_system_turns_and_no_system_message_are_not_saved() -> None:
    reuse = SystemTurnReuse(PrefixCache(1 << 20), min_tokens=10_000)
    llama = FakeLlama()
    _run(reuse, llama, SYSTEM, "Draft.")
    assert len(reuse.cache) == 0


def test_a_full_cache_refuses_a_turn_bigger_than_itself(fake_states: None) -> None:
    reuse = SystemTurnReuse(PrefixCache(16))
    llama = FakeLlama()
    _run(reuse, llama, SYSTEM, "Draft.")
    assert len(reuse.cache) == 0
