"""Training time with pauses (and testing) left out, as the speed records count it."""

from __future__ import annotations

import time

import torch


class Clock:
    def __init__(self):
        self.start = time.perf_counter()
        self.paused_total = 0.0
        self._paused_at: float | None = None

    def pause(self):
        if self._paused_at is None:
            self._paused_at = time.perf_counter()

    def resume(self):
        if self._paused_at is not None:
            self.paused_total += time.perf_counter() - self._paused_at
            self._paused_at = None

    def elapsed(self) -> float:
        now = self._paused_at if self._paused_at is not None else time.perf_counter()
        return now - self.start - self.paused_total

    @staticmethod
    def sync(device: torch.device):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
