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


def _allocate_a_lot(kept: list) -> None:
    """Young objects kept alive: far past every generation's threshold, so a collector left automatic
    would collect here, on this thread (freed ones would lower the count again and prove nothing)."""
    for _ in range(100_000):
        kept.append([[]])


def test_collections_happen_on_the_gui_thread_only(qtbot):
    collect_on_gui_thread()
    assert collecting_on_gui_thread()
    died_on: list[str] = []
    for _ in range(200):
        _Cyclic(died_on)
    kept: list = []
    worker = threading.Thread(target=_allocate_a_lot, args=(kept,), name="worker")
    worker.start()
    worker.join(60)
    assert not worker.is_alive() and gc.get_count()[0] > gc.get_threshold()[0]  # nothing collected on the worker
    qtbot.waitUntil(lambda: len(died_on) == 200, timeout=20_000)  # the collector's timer collects them
    assert set(died_on) == {threading.main_thread().name}


def test_automatic_collection_stays_off():
    collect_on_gui_thread()
    assert not gc.isenabled()


def test_objects_of_a_late_import_are_frozen_so_full_collections_stay_short(qtbot, tmp_path, monkeypatch):
    """A module imported after start (as torchvision is when a tab first needs it): at the collector's
    next look its objects move to the permanent generation, out of every later full collection's walk."""
    collector = collect_on_gui_thread()
    (tmp_path / "late_module_for_the_collector.py").write_text(
        "TABLE = [{'row': [i, str(i)]} for i in range(50_000)]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    collector.check()  # imports before this test are accounted for
    frozen = gc.get_freeze_count()
    import late_module_for_the_collector  # noqa: F401 — its 100,000 tracked objects (dicts, lists) are the point

    collector.check()
    assert gc.get_freeze_count() >= frozen + 100_000
    assert len(gc.get_objects(generation=2)) < 100_000
