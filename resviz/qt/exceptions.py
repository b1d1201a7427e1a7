"""Every uncaught exception is written to the log and shown in the window, not only printed to stderr.

Qt calls Python slots from C++: an exception there cannot reach a ``try`` of ours, and
Python prints it to a terminal the person may not have. ``install_exception_hooks``
puts hooks in ``sys.excepthook`` (the GUI thread, and any thread without its own
handling) and ``threading.excepthook`` (Python threads) that log the traceback
(``core.logs.log_failure``) and pass it to the GUI thread through a queued signal;
there the status bar says what happened and a box holds the traceback behind Details.
Only one box is open at a time: an error that repeats on every paint must not bury
the window in boxes. The previous hooks still run (a terminal still shows it).
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMainWindow, QMessageBox

from ..core.logs import log_failure, with_log_hint
from .widgets.failure_box import failure_box

TITLE = "Something went wrong"
STATUS_MS = 30_000


class ExceptionReporter(QObject):
    """Lives on the GUI thread (a child of the window); ``report`` may be emitted from any thread."""

    report = Signal(str, str, str)  # (message, traceback, log file or "")

    def __init__(self, window: QMainWindow, show_box: Callable = failure_box):
        super().__init__(window)
        self.window = window
        self.show_box = show_box
        self.box: QMessageBox | None = None  # the box open now (tests read it)
        self.count = 0  # exceptions reported since the hooks went in
        self.report.connect(self._show, Qt.ConnectionType.QueuedConnection)  # after the failing slot returns

    def handle(self, exc_type, value, tb, where: str = "") -> None:
        """Log it here (any thread) and queue it for showing on the GUI thread."""
        message = f"Unexpected error{where}: {exc_type.__name__}: {value}".rstrip(": ")
        text = "".join(traceback.format_exception(exc_type, value, tb))
        log = log_failure(message, text)
        self.report.emit(message, text, str(log) if log else "")

    def _show(self, message: str, text: str, log: str) -> None:
        self.count += 1
        try:
            self.window.statusBar().showMessage(with_log_hint(message, log or None), STATUS_MS)
            if self.box is None or not self.box.isVisible():
                self.box = self.show_box(self.window, TITLE, message, text, log or None)
        except Exception as error:  # noqa: BLE001 — a failing report must not report itself again, forever
            log_failure(f"Could not show an error: {error}", traceback.format_exc())


def install_exception_hooks(window: QMainWindow, show_box: Callable = failure_box) -> Callable[[], None]:
    """Route uncaught exceptions (every thread) to the log and ``window``; returns a function that undoes it."""
    reporter = ExceptionReporter(window, show_box)
    window.exception_reporter = reporter
    previous_sys, previous_threading = sys.excepthook, threading.excepthook

    def sys_hook(exc_type, value, tb) -> None:
        if not issubclass(exc_type, KeyboardInterrupt | SystemExit):
            _report(reporter, exc_type, value, tb, "")
        previous_sys(exc_type, value, tb)

    def threading_hook(args) -> None:
        if args.exc_type is not SystemExit:
            where = f" in thread {args.thread.name}" if args.thread is not None else ""
            _report(reporter, args.exc_type, args.exc_value, args.exc_traceback, where)
        previous_threading(args)

    def uninstall() -> None:
        if sys.excepthook is sys_hook:
            sys.excepthook = previous_sys
        if threading.excepthook is threading_hook:
            threading.excepthook = previous_threading

    sys.excepthook, threading.excepthook = sys_hook, threading_hook
    window.destroyed.connect(lambda *_: uninstall())
    return uninstall


def _report(reporter: ExceptionReporter, exc_type, value, tb, where: str) -> None:
    try:
        reporter.handle(exc_type, value, tb, where)
    except RuntimeError:  # the window (and its reporter) is gone: the previous hook still prints it
        pass
