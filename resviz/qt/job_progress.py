"""A panel's cancellable background job as a person sees it: a progress bar, a status line, Cancel.

The work itself runs on a ``BackgroundRunner`` and polls ``cancelled`` (the flag of the
newest job: each ``start`` makes a fresh one, so a cancelled job's flag never stops the
next). This object keeps what every such panel did the same way: the bar shown from zero
while it runs and hidden after, the messages passed to the status line, "Cancelling…" at
once when Cancel is pressed, and "Cancelled." rather than an error when it stopped.
"""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QLabel, QProgressBar

STEPS = 1000  # the bar's range: a fraction shown to a tenth of a percent


class JobProgress:
    def __init__(self, bar: QProgressBar, status: QLabel):
        self.bar, self.status = bar, status
        self.bar.setRange(0, STEPS)
        self._cancel = threading.Event()

    def start(self, message: str):
        """A new job: a fresh cancel flag (returned as the function to poll), the bar at zero, ``message``."""
        self._cancel = threading.Event()
        self.bar.setValue(0)
        self.bar.show()
        self.status.setText(message)
        return self._cancel.is_set

    def cancel(self) -> None:
        """The person pressed Cancel: the work stops at its next check; say so now."""
        self._cancel.set()
        self.status.setText("Cancelling…")

    def stop(self) -> None:
        """The window is closing: stop the work, say nothing."""
        self._cancel.set()

    def on_progress(self, message: str, fraction: float) -> None:
        self.bar.setValue(int(STEPS * fraction))
        self.status.setText(message)

    def finished(self) -> None:
        self.bar.setValue(STEPS)
        self.bar.hide()

    def failed(self, message: str, cancelled_error: type[Exception], failure: str,
               cancelled: str = "Cancelled.") -> None:
        """The job ended without a result: ``cancelled`` when it was ``cancelled_error``, else ``failure: message``."""
        self.bar.setValue(0)
        self.bar.hide()
        self.status.setText(cancelled if cancelled_error.__name__ in message else f"{failure}: {message}")
