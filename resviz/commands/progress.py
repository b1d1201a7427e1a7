"""A terminal progress bar on stderr (stdout stays clean for the JSON line), and the stop signals."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager

# Ctrl-C, and what a scheduler, ``kill`` or torchrun sends: each asks for a clean stop
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ProgressBar:
    def __init__(self, stream=None, width: int = 30, min_interval: float = 0.2):
        self.stream = stream or sys.stderr  # looked up now: sys.stderr may have been replaced since import
        self.width = width
        self.min_interval = min_interval
        self.tty = self.stream.isatty()
        self._last = 0.0
        self._last_fraction = -1.0

    def update(self, fraction: float, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.min_interval:
            return
        if not self.tty and not force and fraction - self._last_fraction < 0.1:
            return  # in a log file, one line per tenth is plenty
        self._last, self._last_fraction = now, fraction
        filled = int(self.width * min(max(fraction, 0.0), 1.0))
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction * 100:5.1f}% {text}"
        self.stream.write(("\r" + line + "\033[K") if self.tty else line + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        self.stream.write(("\r\033[K" if self.tty else "") + text + "\n")
        self.stream.flush()


@contextmanager
def stopping_on_signals(bar: ProgressBar, stop: Callable[[], None]):
    """While inside, SIGINT and SIGTERM call ``stop()`` (the run ends at its next step and saves)
    instead of ending the process with nothing saved; the previous handlers come back after."""
    def handle(signum, _frame):
        bar.message(f"stopping… ({signal.Signals(signum).name}: the run ends at the next step and is saved)")
        stop()

    previous = {number: signal.signal(number, handle) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
