"""The embedded model's thread advice (``assistant.llm.cpu_share``), on a fake clock."""

from __future__ import annotations

from assistant.llm.cpu_share import ThreadAdvisor, read_busy_seconds


class FakeMachine:
    """Busy CPU seconds of the whole machine and of this process, advanced by hand."""

    def __init__(self) -> None:
        self.now = self.busy = self.own = 0.0

    def run(self, seconds: float, *, own_cores: float, other_cores: float) -> None:
        self.now += seconds
        self.own += own_cores * seconds
        self.busy += (own_cores + other_cores) * seconds

    def advisor(self, max_threads: int = 2) -> ThreadAdvisor:
        return ThreadAdvisor(max_threads, busy_seconds=lambda: self.busy,
                             own_seconds=lambda: self.own, clock=lambda: self.now)


def test_one_thread_fewer_while_others_keep_a_core_busy_and_back_when_free() -> None:
    m = FakeMachine()
    advisor = m.advisor()
    assert advisor.advise() == 2  # no window yet: every core
    m.run(1.0, own_cores=1.9, other_cores=0.0)
    assert advisor.advise() == 2
    m.run(1.0, own_cores=1.3, other_cores=0.7)  # another process took most of a core
    assert advisor.advise() == 1
    m.run(1.0, own_cores=1.0, other_cores=0.4)  # between the bounds: no flapping
    assert advisor.advise() == 1
    m.run(1.0, own_cores=1.0, other_cores=0.05)
    assert advisor.advise() == 2


def test_a_window_too_short_to_tell_keeps_the_advice_and_the_old_start() -> None:
    m = FakeMachine()
    advisor = m.advisor()
    advisor.advise()
    m.run(0.01, own_cores=0.0, other_cores=2.0)
    assert advisor.advise() == 2 and advisor.others() is None
    m.run(1.0, own_cores=0.0, other_cores=1.0)  # measured from the first look: ~1 core
    assert advisor.advise() == 1


def test_without_proc_stat_or_with_one_thread_the_setting_stands() -> None:
    assert ThreadAdvisor(2, busy_seconds=lambda: None).advise() == 2
    assert FakeMachine().advisor(max_threads=1).advise() == 1


def test_the_machine_counter_reads_proc_stat_here() -> None:
    first = read_busy_seconds()
    assert first is not None and first > 0  # Linux: the tests and CI run there
