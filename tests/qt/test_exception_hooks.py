"""An exception nobody caught (in a slot, in a thread) reaches the log and the window, not only stderr."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from resviz.core import logs
from resviz.qt.exceptions import TITLE, install_exception_hooks

pytestmark = pytest.mark.qt_no_exception_capture  # these tests are about what happens to uncaught exceptions


@pytest.fixture
def hooked(window, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)  # recorded: restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    uninstall = install_exception_hooks(window)
    yield window
    uninstall()
    if window.exception_reporter.box is not None:
        window.exception_reporter.box.close()


def _explode():
    raise ZeroDivisionError("a slot divided by nothing")


def test_an_exception_in_a_slot_is_logged_and_shown(hooked, qtbot, capsys):
    button = QPushButton("Go", hooked)
    button.clicked.connect(_explode)
    button.show()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    reporter = hooked.exception_reporter
    qtbot.waitUntil(lambda: reporter.box is not None, timeout=5_000)
    status = hooked.statusBar().currentMessage()
    assert "ZeroDivisionError: a slot divided by nothing" in status and str(logs.log_path()) in status
    log = logs.log_path().read_text()
    assert "Traceback (most recent call last)" in log and "in _explode" in log
    box = reporter.box
    assert box.windowTitle() == TITLE and box.isVisible()  # open, and the test went on: it did not block
    assert "in _explode" in box.detailedText()
    assert "ZeroDivisionError" in capsys.readouterr().err  # the previous hook still prints it


def test_an_exception_in_another_thread_is_shown_on_the_gui_thread(hooked, qtbot):
    shown_on = []

    def show_box(parent, title, message, text, log):
        shown_on.append((threading.current_thread() is threading.main_thread(), message, text))

    hooked.exception_reporter.show_box = show_box
    worker = threading.Thread(target=_explode, name="resviz-test-worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(shown_on), timeout=5_000)
    on_gui_thread, message, text = shown_on[0]
    assert on_gui_thread and "in thread resviz-test-worker" in message and "in _explode" in text
    assert "resviz-test-worker" in logs.log_path().read_text()


def test_a_repeating_error_opens_one_box(hooked, qtbot):
    from resviz.qt.widgets.failure_box import failure_box

    reporter = hooked.exception_reporter
    boxes = []
    reporter.show_box = lambda *args: boxes.append(failure_box(*args)) or boxes[-1]
    for _ in range(3):
        sys.excepthook(ValueError, ValueError("again"), None)
    qtbot.waitUntil(lambda: reporter.count == 3, timeout=5_000)
    assert len(boxes) == 1 and reporter.box is boxes[0] and boxes[0].isVisible()
    assert logs.log_path().read_text().count("Unexpected error: ValueError: again") == 3


def test_after_uninstalling_the_previous_hooks_are_back(window, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    uninstall = install_exception_hooks(window)
    assert sys.excepthook is not sys.__excepthook__
    uninstall()
    assert sys.excepthook is sys.__excepthook__ and threading.excepthook is threading.__excepthook__
