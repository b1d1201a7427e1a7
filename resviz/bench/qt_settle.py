"""Let a window finish what showing it started before anything is timed."""

from __future__ import annotations

import time


def settle(app, seconds: float) -> None:
    """Events for ``seconds`` (a tab may start its setup on a timer after it is painted), then until
    the shared pool's background jobs are done (up to a minute): a person uses a window that has
    settled, and a first-show load (a test set, a survey) holds Python's lock while it runs."""
    from PySide6.QtCore import QThreadPool

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    QThreadPool.globalInstance().waitForDone(60_000)
    app.processEvents()
