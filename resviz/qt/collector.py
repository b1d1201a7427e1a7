"""Python's garbage collector runs on the GUI thread only, on a timer.

Left automatic, a collection starts on whichever thread happens to allocate when a
threshold is crossed: a training or analysis thread. If the garbage it finds holds a
Qt object (a menu in a reference cycle with its Python wrapper), Qt destroys it there,
off the GUI thread; one such collection deadlocked the test suite (the worker waited for
the GIL inside Qt's destructor while the GUI thread held the GIL and waited for Qt's
lock). pyqtgraph ships the known cure (Spyder's QGarbageCollector is the same idea):
automatic collection off, and a QTimer on the GUI thread collecting each generation when
its count passes the usual threshold. Reference counting still frees everything that is
not in a cycle at once; only cycles wait, at most ``interval`` seconds.

One addition: a full collection walks every object the collector tracks, and modules
imported after start (torchvision when a tab first needs it, a panel built on its first
showing) add a couple of hundred thousand objects that live as long as the app — one full
collection then held the GUI thread for 150–430 ms while a run trained. So when modules have
been imported since the last look, the young generations are collected and everything alive
is frozen (``gc.freeze``, as at start): later full collections walk only newer objects.
"""

from __future__ import annotations

import gc
import sys

_collector = None


class GuiThreadCollector:
    """Collects on a QTimer of the thread that makes it (the GUI thread)."""

    def __init__(self, interval: float = 1.0):
        from PySide6.QtCore import QTimer

        self.threshold = gc.get_threshold()
        self._modules = len(sys.modules)
        gc.disable()
        self.timer = QTimer()
        self.timer.timeout.connect(self.check)
        self.timer.start(int(interval * 1000))

    def check(self) -> None:
        if len(sys.modules) > self._modules:  # imports since the last look: their objects stay for good
            self._modules = len(sys.modules)
            gc.collect(1)
            gc.freeze()
            return
        young, middle, old = gc.get_count()
        if young > self.threshold[0]:
            gc.collect(0)
            if middle > self.threshold[1]:
                gc.collect(1)
                if old > self.threshold[2]:
                    gc.collect(2)


def collect_on_gui_thread(interval: float = 1.0):
    """Turn automatic collection off and collect on the GUI thread's timer from now on.

    Call on the GUI thread once a QApplication exists; later calls return the same collector.
    """
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector(interval=interval)
    return _collector


def collecting_on_gui_thread() -> bool:
    return _collector is not None and not gc.isenabled()
