"""The window's CPU budget for refreshes that can wait (core/cpu_budget.py)."""

import pytest

from resviz.core.cpu_budget import CpuBudget


class Clocks:
    def __init__(self):
        self.wall = self.cpu = 0.0


def budget(share=0.05, cores=2, **kw):
    clocks = Clocks()
    return CpuBudget(share, cores, wall=lambda: clocks.wall, cpu=lambda: clocks.cpu, **kw), clocks


def test_a_quiet_window_may_refresh_at_once():
    b, clocks = budget()
    clocks.wall += 10
    assert b.wait() == 0.0


def test_cpu_spent_beyond_the_burst_makes_work_wait_for_its_share():
    b, clocks = budget(share=0.05, cores=2, burst_s=4.0)  # 0.1 core-s per s, 0.4 core-s of burst
    clocks.cpu += 1.4  # one refresh took 1.4 core-seconds: 1.0 beyond the burst
    assert b.wait() == pytest.approx(10.0)  # 1.0 core-s at 0.1 per second
    clocks.wall += 6
    assert b.wait() == pytest.approx(4.0)
    clocks.wall += 4
    assert b.wait() == 0.0


def test_over_a_long_run_the_window_keeps_to_its_share():
    """Refreshing whenever wait() allows, each costing 0.5 core-s: the CPU used stays near the share."""
    b, clocks = budget(share=0.03, cores=2)
    while clocks.wall < 3_600:
        wait = b.wait()
        if wait > 0:
            clocks.wall += wait
        else:
            clocks.cpu += 0.5
            clocks.wall += 0.5
    assert clocks.cpu / (clocks.wall * 2) == pytest.approx(0.03, rel=0.1)


def test_a_debt_is_capped_at_the_longest_wait():
    b, clocks = budget(share=0.05, cores=2, longest_wait_s=30)
    clocks.cpu += 1_000
    assert b.wait() == 30.0
    clocks.wall += 30
    assert b.wait() == 0.0  # the debt did not carry past the cap


def test_a_larger_share_shortens_the_wait():
    b, clocks = budget(share=0.05, cores=2, burst_s=0)
    clocks.cpu += 1.0
    small = b.wait()
    b.share = 0.25
    assert b.wait() == pytest.approx(small / 5)
