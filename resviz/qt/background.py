"""Run a plain function off the GUI thread; get its result back on the GUI thread.

Used for anything slow that is not training (k-means, PCA, loading a dataset, tiling
hundreds of channels). Results of superseded calls are dropped: each ``BackgroundRunner``
delivers only the newest call's result, so a panel can fire on every slider move.
Given ``on_progress``, the function is called with a ``progress(message, fraction)``
keyword it may call from its thread; the callback runs on the GUI thread.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..core.cancelling import Cancelled
from ..core.logs import log_failure
from ..core.run_child import niceness


class _Signals(QObject):
    finished = Signal(int, object)  # (ticket, result)
    failed = Signal(int, str)  # (ticket, message)
    progress = Signal(int, str, float)  # (ticket, message, fraction)


_lowered = threading.local()


def _lower_this_thread() -> None:
    """Run this pool thread at the training processes' lower CPU priority (Linux; once per thread).

    Work a panel does for a new snapshot, a test set to load or a survey to compute then shares
    the cores with a run training here instead of pre-empting it: at the window's priority each
    burst stalled the trainer's step. What a person is waiting on (a stroke, a slider) runs
    elsewhere at the window's priority (``input_pool``, the GUI thread)."""
    if getattr(_lowered, "done", False) or not sys.platform.startswith("linux"):
        return
    _lowered.done = True
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + niceness()))
    except OSError:  # not allowed here: the thread keeps the window's priority
        pass


class _Job(QRunnable):
    def __init__(self, ticket: int, fn: Callable, args, kwargs, signals: _Signals, lowered: bool):
        super().__init__()
        self.ticket, self.fn, self.args, self.kwargs, self.signals = ticket, fn, args, kwargs, signals
        self.lowered = lowered

    def run(self):
        if self.lowered:
            _lower_this_thread()
        try:
            self._run()
        finally:
            # PySide keeps a started Python QRunnable alive after it ran: drop what it holds
            # (models, images), or every finished job keeps its arguments for good
            self.fn = self.args = self.kwargs = None

    def _run(self):
        try:
            result = self.fn(*self.args, **self.kwargs)
        except Cancelled as error:  # the person asked for it: not a failure, nothing to log
            self._emit(self.signals.failed, self.ticket, f"{type(error).__name__}: {error}")
        except Exception as error:  # noqa: BLE001 — reported to the panel as a message, the traceback logged
            log = log_failure(f"Background work failed: {error}", traceback.format_exc())
            where = f" (details in {log})" if log else ""
            self._emit(self.signals.failed, self.ticket, f"{type(error).__name__}: {error}{where}")
        else:
            self._emit(self.signals.finished, self.ticket, result)

    @staticmethod
    def _emit(signal, *args):
        try:
            signal.emit(*args)
        except RuntimeError:  # the panel that asked was closed meanwhile: nobody to tell
            pass


_input_pool: QThreadPool | None = None


def input_pool() -> QThreadPool:
    """One thread for the work each stroke asks for (Draw's probabilities, Feature maps' captures).

    Run side by side, the two jobs each ask torch for every core and fight for them and for
    Python's lock: each took about three times as long as alone. One after the other, the
    second starts as the first ends, and both are on screen sooner.
    """
    global _input_pool
    if _input_pool is None:
        _input_pool = QThreadPool()
        _input_pool.setMaxThreadCount(1)
    return _input_pool


class BackgroundRunner(QObject):
    """``submit(fn, *args, on_result=..., on_error=...)``; only the latest submission reports."""

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None):
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._lowered = pool is None  # the shared pool's work runs at the training processes' priority
        self._ticket = 0
        self._callbacks: tuple[Callable[[Any], None] | None, Callable[[str], None] | None] = (None, None)
        self._on_progress: Callable[[str, float], None] | None = None
        self._signals = _Signals()
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.progress.connect(self._on_progress_signal)
        self.busy = False

    def submit(self, fn: Callable, *args, on_result=None, on_error=None, on_progress=None, **kwargs) -> int:
        self._ticket += 1
        self._callbacks = (on_result, on_error)
        self._on_progress = on_progress
        if on_progress is not None:
            ticket, signal = self._ticket, self._signals.progress
            kwargs["progress"] = lambda message, fraction: _Job._emit(signal, ticket, message, float(fraction))
        self.busy = True
        self._pool.start(_Job(self._ticket, fn, args, kwargs, self._signals, self._lowered))
        return self._ticket

    def cancel(self) -> None:
        """Forget the pending call: its result will be dropped."""
        self._ticket += 1
        self.busy = False

    def _on_finished(self, ticket: int, result):
        if ticket == self._ticket:
            self.busy = False
            if self._callbacks[0]:
                self._callbacks[0](result)

    def _on_progress_signal(self, ticket: int, message: str, fraction: float):
        if ticket == self._ticket and self._on_progress:
            self._on_progress(message, fraction)

    def _on_failed(self, ticket: int, message: str):
        if ticket == self._ticket:
            self.busy = False
            if self._callbacks[1]:
                self._callbacks[1](message)
