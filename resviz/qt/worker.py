"""A training job: one Trainer iterated in its own QThread, its events sent to the GUI.

``for event in trainer.fit(): emit(event)`` is the whole loop (superqt's
GeneratorWorker in a few lines). Every Step/Epoch/Done passes; weight Snapshots are
throttled to a few per second, and the newest held-back one is delivered before the
next Epoch or Done so the panels always end on the final weights. ``stop()`` and
``pause()`` only set flags that the trainer checks before each batch.
"""

from __future__ import annotations

import time
import traceback
import weakref

from PySide6.QtCore import QObject, QThread, Signal

from ..core.events import Done, Epoch, Failed, Snapshot
from ..core.logs import log_failure
from ..core.trainer import Trainer


class _TrainingThread(QThread):
    event = Signal(object)
    instances: weakref.WeakSet[_TrainingThread] = weakref.WeakSet()  # tests check none is left running

    def __init__(self, trainer: Trainer, snapshot_interval: float):
        super().__init__()
        self.trainer = trainer
        self.snapshot_interval = snapshot_interval
        _TrainingThread.instances.add(self)

    def run(self):
        try:
            self._forward_events()
        except Exception as error:  # noqa: BLE001 — fit() reports its own failures; this is a last resort
            text = traceback.format_exc()
            log = log_failure(f"Training thread crashed: {error}", text)
            self.event.emit(Failed(f"Training stopped: {error}", repr(error), traceback=text,
                                   log=str(log) if log else None))

    def _forward_events(self):
        held: Snapshot | None = None
        last_sent = 0.0
        for event in self.trainer.fit():
            if isinstance(event, Snapshot):
                now = time.monotonic()
                if now - last_sent >= self.snapshot_interval:
                    self.event.emit(event)
                    held, last_sent = None, now
                else:
                    held = event
                continue
            if held is not None and isinstance(event, (Epoch, Done, Failed)):
                self.event.emit(held)
                held, last_sent = None, time.monotonic()
            self.event.emit(event)


class TrainingJob(QObject):
    """A trainer plus the thread that runs it; several jobs may run at once."""

    event = Signal(object)  # every event, on the GUI thread
    finished = Signal()

    def __init__(self, trainer: Trainer, snapshot_interval: float = 0.25, parent: QObject | None = None):
        super().__init__(parent)
        self.trainer = trainer
        self._thread = _TrainingThread(trainer, snapshot_interval)
        self._thread.event.connect(self.event)
        self._thread.finished.connect(self.finished)

    def start(self) -> None:
        self._thread.start()

    def release(self) -> None:
        """After the thread ended: let go of the trainer (its model, optimizer and data)."""
        self.trainer = self._thread.trainer = None

    def stop(self) -> None:
        self.trainer.stop()

    def pause(self) -> None:
        self.trainer.pause()

    def resume(self) -> None:
        self.trainer.resume()

    @property
    def paused(self) -> bool:
        return self.trainer.paused

    def is_running(self) -> bool:
        return self._thread.isRunning()

    @staticmethod
    def running_threads() -> list[QThread]:
        return [t for t in _TrainingThread.instances if t.isRunning()]

    def wait(self, milliseconds: int = 5000) -> bool:
        """Block until the thread has ended; True if it did within the time."""
        return self._thread.wait(milliseconds)
