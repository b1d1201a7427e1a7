"""A stuck test fails after ``RESVIZ_TEST_TIMEOUT`` seconds (default 300) and the run goes on.
A test that is slow by nature says how long it may take: ``@pytest.mark.watchdog(600)``.

Tests wait for signals and states, never for the clock; this is the net under them.
A watchdog thread watches the test in progress. On time-out it prints every thread's
stack, asks the GUI thread to close any modal window (a message box someone forgot to
patch: its ``exec()`` never returns and Python code never runs), and interrupts the
main thread with SIGALRM, whose handler raises in the test as soon as Python code runs
there again; it repeats every two seconds until the test has unwound, and the report is
a failure whatever the test said afterwards. A true deadlock (the GUI thread blocked in
C++ holding the GIL) cannot be unwound from inside: two minutes on, faulthandler writes
the stacks to ``stuck-tests.log`` in the temporary folder and ends the process, so the
run stops with the culprit named instead of hanging for ever.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import tempfile
import threading
import time

TIMEOUT = float(os.environ.get("RESVIZ_TEST_TIMEOUT", "300"))
HARD_LIMIT = TIMEOUT + 120
REPEAT = 1.0


class TestStuck(Exception):
    """The test ran past the time-out."""


class Watchdog:
    def __init__(self):
        self._lock = threading.Condition()
        self._item = None
        self._deadline = None
        self._timeout = TIMEOUT
        self.fired_for = None
        self._hard_log = open(os.path.join(tempfile.gettempdir(), "stuck-tests.log"), "a")  # open for the session
        signal.signal(signal.SIGALRM, self._on_alarm)
        threading.Thread(target=self._watch, name="stuck-test-watchdog", daemon=True).start()

    def arm(self, item, timeout: float = TIMEOUT) -> None:
        with self._lock:
            self._item, self._timeout = item, timeout
            self._deadline = time.monotonic() + timeout
            self._lock.notify()
        faulthandler.dump_traceback_later(timeout + HARD_LIMIT - TIMEOUT, exit=True, file=self._hard_log)

    def disarm(self) -> None:
        with self._lock:
            self._item = self._deadline = None
        faulthandler.cancel_dump_traceback_later()

    def fired(self, item) -> bool:
        return self.fired_for is item

    def _watch(self) -> None:
        while True:
            with self._lock:
                while self._deadline is None or time.monotonic() < self._deadline:
                    self._lock.wait(None if self._deadline is None else max(0.0, self._deadline - time.monotonic()))
                item, first = self._item, self.fired_for is not self._item
                self.fired_for = item
                self._deadline = time.monotonic() + REPEAT
            if first:
                sys.stderr.write(f"\n{item.nodeid} is stuck after {self._timeout:.0f} s; every thread's stack:\n")
                faulthandler.dump_traceback(all_threads=True)
            _ask_the_gui_thread_to_close_modal_windows()
            time.sleep(1.0)  # a closed box lets the test go on by itself; interrupt only what is still stuck
            with self._lock:
                still_stuck = self._item is item
            if still_stuck:
                signal.pthread_kill(threading.main_thread().ident, signal.SIGALRM)

    def _on_alarm(self, signum, frame):
        item = self.fired_for
        if item is not None and item is self._item:
            raise TestStuck(f"{item.nodeid} took more than {self._timeout:.0f} s")


_closer = None  # a QObject on the GUI thread; its queued signal is how the watchdog reaches that thread


def attach_to_qt() -> None:
    """On the GUI thread, once a QApplication exists: make the object that closes modal windows."""
    global _closer
    widgets = sys.modules.get("PySide6.QtWidgets")
    if _closer is not None or widgets is None or widgets.QApplication.instance() is None:
        return
    from PySide6.QtCore import QObject, Qt, Signal

    class ModalCloser(QObject):
        close_requested = Signal()

    def close():
        for _ in range(10):
            modal = widgets.QApplication.activeModalWidget() or widgets.QApplication.activePopupWidget()
            if modal is None:
                return
            modal.close()
            if hasattr(modal, "reject"):
                modal.reject()

    _closer = ModalCloser()
    _closer.close_requested.connect(close, Qt.ConnectionType.QueuedConnection)


def _ask_the_gui_thread_to_close_modal_windows() -> None:
    if _closer is not None:
        _closer.close_requested.emit()  # runs on the GUI thread, inside the box's own event loop


_watchdog: Watchdog | None = None


def watchdog() -> Watchdog | None:
    """The session's watchdog (none where SIGALRM does not exist)."""
    global _watchdog
    if _watchdog is None and hasattr(signal, "pthread_kill") and hasattr(signal, "SIGALRM"):
        _watchdog = Watchdog()
    return _watchdog
