"""Guard against a Qt binding that corrupts Python (PySide6 6.12.0 crashed the app at exit)."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(object)


def test_emitting_signals_keeps_reference_counts(qapp):
    emitter = _Emitter()
    received = []
    emitter.fired.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(200):
        emitter.fired.emit(1)
    assert len(received) == 200
    assert abs(sys.getrefcount(True) - before) < 10  # 6.12.0 loses one per emit: -200
