"""A training job: one run training in its own process, its events sent to the GUI thread.

A ``ProcessRun`` (core/process_run.py) trains the run in a worker process and yields its
events; a QThread here reads them and emits each on the GUI thread
(``for event in run.events(): emit(event)``, superqt's GeneratorWorker in a few lines).
The worker process already throttles weight snapshots to a few a second and sends the
newest held-back one before each Epoch and the end, so the panels end on the final
weights. ``stop()``, ``pause()`` and ``resume()`` are messages to the process.
"""

from __future__ import annotations

import traceback
import weakref

from PySide6.QtCore import QObject, QThread, Signal

from ..core.distributed_run import DistributedRun
from ..core.events import Failed
from ..core.logs import log_failure
from ..core.process_run import ProcessRun


class _TrainingThread(QThread):
    event = Signal(object)
    instances: weakref.WeakSet[_TrainingThread] = weakref.WeakSet()  # tests check none is left running

    def __init__(self, run: ProcessRun | DistributedRun):
        super().__init__()
        self.trainer = run  # what stop() reaches (tests stop a thread left running)
        _TrainingThread.instances.add(self)

    def run(self):
        try:
            for event in self.trainer.events():
                self.event.emit(event)
        except Exception as error:  # noqa: BLE001 — events() reports the process's end; this is a last resort
            text = traceback.format_exc()
            log = log_failure(f"Reading the training process failed: {error}", text)
            self.event.emit(Failed(f"Training stopped: {error}", repr(error), traceback=text,
                                   log=str(log) if log else None))


class TrainingJob(QObject):
    """A run's process plus the thread that reads it; several jobs may run at once."""

    event = Signal(object)  # every event, on the GUI thread
    finished = Signal()

    def __init__(self, run: ProcessRun | DistributedRun, parent: QObject | None = None):
        super().__init__(parent)
        self.trainer = run
        self._thread = _TrainingThread(run)
        self._thread.event.connect(self.event)
        self._thread.finished.connect(self.finished)

    @property
    def pid(self) -> int:
        return self.trainer.pid

    def start(self) -> None:
        self._thread.start()

    def release(self) -> None:
        """After the thread ended: let go of the process's handle."""
        self.trainer = self._thread.trainer = _Ended()

    def stop(self) -> None:
        self.trainer.stop()

    def pause(self) -> None:
        self.trainer.pause()

    def resume(self) -> None:
        self.trainer.resume()

    def kill(self) -> None:
        self.trainer.kill()

    @property
    def paused(self) -> bool:
        return self.trainer.paused

    @property
    def can_pause(self) -> bool:
        """A multi-process run only stops."""
        return self.trainer.can_pause

    @property
    def can_detach(self) -> bool:
        """Whether it can train on after the window closes (a one-process run with a run folder)."""
        return getattr(self.trainer, "can_detach", False)

    def detach(self) -> str:
        """Leave the process training on its own; the run folder to follow it in."""
        self.trainer.detach()
        return self.trainer.run_dir

    def is_running(self) -> bool:
        return self._thread.isRunning()

    @staticmethod
    def running_threads() -> list[QThread]:
        return [t for t in _TrainingThread.instances if t.isRunning()]

    def wait(self, milliseconds: int = 5000) -> bool:
        """Block until the thread has ended (the process sent its last event or died); True if it did."""
        return self._thread.wait(milliseconds)


class _Ended:
    """What a finished job's controls reach: nothing is left to stop."""

    paused = False
    can_pause = can_detach = False
    pid = 0

    def stop(self) -> None:
        pass

    pause = resume = kill = stop
