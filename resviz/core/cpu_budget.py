"""A share of the machine's CPU for work that can wait: the window's redraws for a new snapshot.

On a small machine every core-second the window spends re-evaluating the test set or
re-optimising feature visualisations for the newest snapshot is taken from the training
process beside it (the window runs at a higher priority than its niced training child).
A person watching wants the panels to follow the run, but not at the run's expense: the
issue's target is that watching costs training under 5 %. So refreshes a new snapshot
asks for wait their turn: the window may use ``share`` of the machine's CPU (all its
threads together, the GUI's own painting included), measured with a token bucket —
tokens (core-seconds) accrue at ``share × cores`` per second up to a small burst, and the
process's CPU time spends them. What a person does (drawing, a slider, a click) never waits.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

CPU_TRAINING_SHARE = 0.03  # a run trains on this machine's CPU: the window keeps to 3 % of it
ACCELERATOR_SHARE = 0.25  # the run trains on a GPU: the cores are mostly free


class CpuBudget:
    """``wait()``: seconds before work that can wait should start (0: start now)."""

    def __init__(self, share: float, cores: int | None = None, burst_s: float = 4.0, longest_wait_s: float = 30.0,
                 wall: Callable[[], float] = time.monotonic, cpu: Callable[[], float] = time.process_time):
        self.cores = cores or os.cpu_count() or 1
        self.burst_s, self.longest_wait_s = burst_s, longest_wait_s
        self._wall, self._cpu = wall, cpu
        self._share = share
        self._tokens = self.rate * burst_s  # a full bucket: the first refresh after a quiet spell is at once
        self._last_wall, self._last_cpu = wall(), cpu()

    @property
    def rate(self) -> float:
        """Core-seconds the window may spend per second."""
        return self._share * self.cores

    @property
    def share(self) -> float:
        return self._share

    @share.setter
    def share(self, share: float) -> None:
        self._settle()
        self._share = share

    def _settle(self) -> None:
        """Credit the time passed, debit the CPU used since the last look."""
        wall, cpu = self._wall(), self._cpu()
        self._tokens += (wall - self._last_wall) * self.rate - (cpu - self._last_cpu)
        # a full bucket at most; a debt of at most the longest wait (the window's painting alone may exceed the share)
        self._tokens = min(max(self._tokens, -self.rate * self.longest_wait_s), self.rate * self.burst_s)
        self._last_wall, self._last_cpu = wall, cpu

    def wait(self) -> float:
        """Seconds until the window is back within its share (never more than ``longest_wait_s``,
        so a panel still follows the run when the window's own painting uses the whole share)."""
        self._settle()
        if self._tokens > -1e-9:  # rounding, not a debt
            return 0.0
        return min(-self._tokens / self.rate, self.longest_wait_s)
