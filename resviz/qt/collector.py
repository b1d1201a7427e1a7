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
"""

from __future__ import annotations

import gc

_collector = None


def collect_on_gui_thread(interval: float = 1.0):
    """Turn automatic collection off and collect on the GUI thread's timer from now on.

    Call on the GUI thread once a QApplication exists; later calls return the same collector.
    """
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=interval)
    return _collector


def collecting_on_gui_thread() -> bool:
    return _collector is not None and not gc.isenabled()
