"""How many threads the embedded model should use right now.

On a small machine llama.cpp is fastest with a thread per core whose waiting threads spin
briefly (OpenMP's default), but spinning threads that share a core with another busy
process starve each other: measured on 2 cores, 14-16 tokens/s generated when the machine is
otherwise idle, below 3 tokens/s when something else keeps one core busy, and ~9 tokens/s
with one thread in either case. So the provider asks ``ThreadAdvisor`` before a generation
and every few tokens during it: every core when the others are free, one fewer while other
processes use about a core.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def read_busy_seconds() -> float | None:
    """CPU seconds spent busy on all cores since boot (``/proc/stat``), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / _CLOCK_TICKS


@dataclass
class ThreadAdvisor:
    """Advise a thread count from the CPU other processes used since the last look.

    Args:
        max_threads: The configured thread count (``COACH_N_THREADS``).
        busy_above: Other processes using more than this many cores -> one thread fewer.
        free_below: Fewer than this many cores -> every thread again (between the two the
            advice stays as it was, so it does not flap).
        busy_seconds: Reads the machine's busy CPU seconds (tests pass a fake).
        own_seconds: Reads this process's CPU seconds.
        clock: Monotonic clock.
    """

    max_threads: int
    busy_above: float = 0.5
    free_below: float = 0.25
    busy_seconds: Callable[[], float | None] = read_busy_seconds
    own_seconds: Callable[[], float] = time.process_time
    clock: Callable[[], float] = time.monotonic
    threads: int = field(init=False)
    _last: tuple[float, float, float] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.threads = self.max_threads

    def others(self) -> float | None:
        """Cores other processes used since the previous call (None on the first call or
        when ``/proc/stat`` cannot be read)."""
        busy = self.busy_seconds()
        if busy is None:
            return None
        now = (busy, self.own_seconds(), self.clock())
        last, self._last = self._last, now
        if last is None or now[2] - last[2] < 0.05:
            if last is not None:
                self._last = last  # too short a window: keep measuring from the old one
            return None
        return max(0.0, ((now[0] - last[0]) - (now[1] - last[1])) / (now[2] - last[2]))

    def advise(self) -> int:
        """Threads to use from now on."""
        if self.max_threads <= 1:
            return self.max_threads
        others = self.others()
        if others is not None:
            if others > self.busy_above:
                self.threads = self.max_threads - 1
            elif others < self.free_below:
                self.threads = self.max_threads
        return self.threads
