"""Qt objects in reference cycles die on the GUI thread, even when a worker thread allocates."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu

from resviz.qt.collector import collect_on_gui_thread, collecting_on_gui_thread


class _Cyclic(QObject):
    """A Qt object whose Python wrapper is in a cycle: only the cycle collector frees it."""

    def __init__(self, died_on: list):
        super().__init__()
        self.me = self
        self.menu = QMenu()  # what deadlocked the suite: a menu destroyed off the GUI thread
        self.destroyed.connect(lambda *_: died_on.append(threading.current_thread().name))


def _allocate_a_lot():
    kept = []
    for index in range(300_000):  # enough young objects to cross every generation's threshold many times
        kept.append([[]])
        if index % 1000 == 0:
            kept.clear()


def test_collections_happen_on_the_gui_thread_only(qtbot):
    collect_on_gui_thread()
    assert collecting_on_gui_thread()
    died_on: list[str] = []
    for _ in range(200):
        _Cyclic(died_on)
    worker = threading.Thread(target=_allocate_a_lot, name="worker")
    worker.start()
    worker.join(60)
    assert not worker.is_alive()
    qtbot.waitUntil(lambda: len(died_on) == 200, timeout=20_000)  # the collector's timer collects them
    assert set(died_on) == {threading.main_thread().name}


def test_automatic_collection_stays_off():
    collect_on_gui_thread()
    assert not gc.isenabled()
