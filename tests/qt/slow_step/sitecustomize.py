"""On PYTHONPATH for test_closing's slow-step case: every Python process started under it — the
window's and its training processes — makes the Nth classification loss call take 8 s
(``RESVIZ_TEST_SLOW_STEP=N``), as an overloaded machine might. Any sitecustomize further
down the path (the tests' network guard) still runs first."""

import os
import sys
import time

_here = os.path.dirname(os.path.abspath(__file__))
for _entry in sys.path:
    _next = os.path.join(_entry, "sitecustomize.py")
    if _entry and os.path.abspath(_entry) != _here and os.path.isfile(_next):
        with open(_next, encoding="utf-8") as _file:
            exec(compile(_file.read(), _next, "exec"), {"__name__": "sitecustomize", "__file__": _next})
        break

if os.environ.get("RESVIZ_TEST_SLOW_STEP"):
    from resviz.core import objectives

    _slow_call = int(os.environ["RESVIZ_TEST_SLOW_STEP"])
    _calls = []
    _real_loss = objectives.ClassificationObjective.loss

    def _slow_loss(self, model, x, y):
        _calls.append(1)
        if len(_calls) == _slow_call:
            time.sleep(8.0)
        return _real_loss(self, model, x, y)

    objectives.ClassificationObjective.loss = _slow_loss
