"""The run engine, without Qt: which runs train now and which wait, their jobs, and their events.

``RunManager(store, launch)`` makes a run for each ``start()`` and either launches it
at once or queues it when ``parallel_runs`` already train (unless it is to train
alongside); each queued run's message says which runs it waits for, by name, as they
are now. ``launch(run, config, checkpoint, folder)`` is the executor: it starts the
run's job (a training process read by a thread — the window's is ``qt/worker.py``)
and returns it; whoever reads the job hands its events to ``on_event`` and its end to
``on_finished``, on one thread. Those fold each event into the ``RunStore``, save the
newest snapshot of a run whose process died, log to TensorBoard, start the next queued
run when one ends, and tell ``listeners`` ``(run_id, event, changes)``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Protocol

from .checkpoints import default_checkpoint_path
from .compatibility import check_model_takes_dataset
from .events import Failed, Loading, Snapshot, Step
from .process_run import ChildDied
from .run_folder import default_run_folder
from .runs import Run, RunStatus, RunStore
from .tensorboard_log import open_tensorboard_log
from .trainer import TrainConfig


class Job(Protocol):
    """What the manager asks of a training job (``qt.worker.TrainingJob``, or a test's)."""

    can_pause: bool

    def stop(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def kill(self) -> None: ...


Launch = Callable[[Run, TrainConfig, Path, Path], Job]
SaveSnapshot = Callable[[str, str, Snapshot], None]  # (run id, path, snapshot): write it as a checkpoint
Listener = Callable[[str, object, set], None]


def default_parallel_runs(has_gpu: bool) -> int:
    """Runs that train at once before new ones queue: one on a small CPU, two with a GPU or many cores."""
    return 2 if has_gpu or (os.cpu_count() or 1) >= 8 else 1


class RunManager:
    def __init__(self, store: RunStore, launch: Launch, save_snapshot: SaveSnapshot | None = None,
                 parallel_runs: int = 1):
        self.store = store
        self.parallel_runs = parallel_runs
        self.listeners: list[Listener] = []
        self._launch_job = launch
        self._save_snapshot = save_snapshot
        self._jobs: dict[str, Job] = {}
        self._detached: set[str] = set()  # runs left training in their processes (the window closes)
        self._queue: list[tuple[str, TrainConfig]] = []
        self._loggers: dict[str, object] = {}  # run id -> its TensorBoard log, while it trains

    # --- starting ------------------------------------------------------------------------------
    def start(self, config: TrainConfig, alongside: bool = False, name: str | None = None,
              tensorboard: str | None = None, processes: int = 1) -> Run:
        """A new run for ``config``: launched now, or queued behind ``parallel_runs`` training ones.
        ``processes`` >= 2: data-parallel in that many processes, still one run."""
        check_model_takes_dataset(config.model, config.dataset)  # refused before a run is made
        run = self.store.create(config.model, config.dataset, asdict(config), name)
        run.processes = max(1, int(processes))
        if tensorboard:
            self._loggers[run.id] = open_tensorboard_log(tensorboard, f"{run.id}-{run.name.replace(' ', '')}")
        if alongside or len(self.training_runs()) < self.parallel_runs:
            self._launch(run.id, config)
        else:
            self._queue.append((run.id, config))
        self.recaption_queue()  # a run started alongside is one more that queued runs wait for
        return run

    def start_now(self, run_id: str) -> None:
        """Start a queued run at once, alongside the running ones."""
        for index, (queued_id, config) in enumerate(self._queue):
            if queued_id == run_id:
                del self._queue[index]
                self._launch(run_id, config)
                self.recaption_queue()
                return

    def _launch(self, run_id: str, config: TrainConfig) -> None:
        run = self.store.get(run_id)
        checkpoint = default_checkpoint_path(config.model, config.dataset)
        folder = default_run_folder(checkpoint.stem)
        what = f"{run.processes} training processes" if run.processes > 1 else "the training process"
        self.store.apply(run_id, Loading(f"Starting {what}…"))
        self.store.set_status(run_id, RunStatus.RUNNING)
        run.folder, run.planned_checkpoint = str(folder), str(checkpoint)
        try:
            self._jobs[run_id] = self._launch_job(run, config, checkpoint, folder)
        except OSError as error:  # no process could be started (too many, no memory)
            self.on_event(run_id, Failed(f"The training process could not start: {error}"))

    def _start_next(self) -> None:
        while self._queue and len(self.training_runs()) < self.parallel_runs:
            run_id, config = self._queue.pop(0)
            if run_id in self.store:
                self._launch(run_id, config)
        self.recaption_queue()

    # --- what is going on -------------------------------------------------------------------------
    def job(self, run_id: str | None) -> Job | None:
        return self._jobs.get(run_id) if run_id else None

    def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def training_runs(self) -> list[Run]:
        """Runs with a job (training, paused or loading their data)."""
        return [r for r in self.store if r.id in self._jobs]

    def queued_runs(self) -> list[Run]:
        return [self.store.get(i) for i, _ in self._queue if i in self.store]

    def recaption_queue(self) -> None:
        """Each queued run says which runs it waits for as they are now (one ended: it is no longer named)."""
        training, queued = self.training_runs(), self.queued_runs()
        for position, run in enumerate(queued):
            ahead = training + queued[:position]
            caption = queue_caption(ahead, len(ahead) - self.parallel_runs + 1)
            if run.message != caption:
                self.store.set_status(run.id, RunStatus.QUEUED, caption)

    # --- control ------------------------------------------------------------------------------------
    def can_pause(self, run_id: str | None) -> bool:
        """A run training here that can pause (a multi-process one only stops)."""
        job = self.job(run_id)
        return job is not None and getattr(job, "can_pause", True)

    def pause(self, run_id: str, paused: bool = True) -> None:
        job = self._jobs.get(run_id)
        if job is None or not self.can_pause(run_id):
            return
        job.pause() if paused else job.resume()
        self.store.set_paused(run_id, paused)

    def stop(self, run_id: str) -> None:
        """Stop a run (it saves a checkpoint) or take it out of the queue."""
        job = self._jobs.get(run_id)
        if job is not None:
            job.stop()
        elif self._unqueue(run_id):
            self.store.set_status(run_id, RunStatus.STOPPED, "Taken out of the queue before it started.")
            self.recaption_queue()

    def forget(self, run_id: str) -> None:
        """Before a run leaves the store: out of the queue, its job stopped (it still saves)."""
        self._unqueue(run_id)
        job = self._jobs.get(run_id)
        if job is not None:
            job.stop()

    def stop_all(self) -> list[Job]:
        """Empty the queue and stop every job; the jobs, to wait for."""
        for run_id, _ in list(self._queue):
            self._unqueue(run_id)
            self.store.set_status(run_id, RunStatus.STOPPED, "The window closed before it started.")
        jobs = list(self._jobs.values())
        for job in jobs:
            job.stop()
        return jobs

    def detach_all(self) -> list[tuple[Run, str]]:
        """The window closes but its runs train on: each job that can (one process, a run folder) is left
        to its process; the others stay, for ``stop_all``. The runs let go and their run folders."""
        let_go = []
        for run_id, job in list(self._jobs.items()):
            run = self.store.get(run_id)
            if run is not None and getattr(job, "can_detach", False):
                folder = job.detach()
                self._detached.add(run_id)
                let_go.append((run, folder))
        return let_go

    def _unqueue(self, run_id: str) -> bool:
        queued = any(i == run_id for i, _ in self._queue)
        if queued:
            self._queue = [(i, c) for i, c in self._queue if i != run_id]
            self._close_log(run_id)
        return queued

    # --- what the jobs say --------------------------------------------------------------------------
    def on_event(self, run_id: str, event) -> set:
        """Fold one of the run's events in; the names of what changed."""
        if isinstance(event, ChildDied):
            event = self._keep_weights_of_dead_run(run_id, event)
        changes = self.store.apply(run_id, event)
        if isinstance(event, Step) and self._queue:
            self.recaption_queue()  # the wait it names shrinks as the runs ahead train (unchanged text is not re-sent)
        logger = self._loggers.get(run_id)
        if logger is not None:
            logger.log(event)
            if logger.closed:
                del self._loggers[run_id]
        for listener in list(self.listeners):
            listener(run_id, event, changes)
        return changes

    def on_finished(self, run_id: str) -> Job | None:
        """The run's job has ended (its reader read the last event); the job, for its owner to let go."""
        job = self._jobs.pop(run_id, None)
        run = self.store.get(run_id)
        if run_id in self._detached:  # it trains on in its own process: nothing ended, nothing to say
            self._detached.discard(run_id)
        elif run is not None and run.status.active:  # it ended without a last event
            self.on_event(run_id, Failed("Training ended unexpectedly."))
        self._start_next()
        return job

    def _keep_weights_of_dead_run(self, run_id: str, event: ChildDied) -> ChildDied:
        """A run whose process died saved nothing: its newest snapshot becomes its checkpoint."""
        run = self.store.get(run_id)
        if run is None or not run.snapshots or not run.planned_checkpoint or self._save_snapshot is None:
            return event
        try:
            self._save_snapshot(run_id, run.planned_checkpoint, run.snapshots[-1])
        except (OSError, ValueError, RuntimeError) as error:
            return replace(event, message=f"{event.message} Its last weights could not be saved ({error}); "
                                          "they stay in this window: File ▸ Save checkpoint keeps them.")
        step = run.snapshots[-1].step
        return replace(event, message=f"{event.message} Its weights at step {step} were saved to "
                                      f"{run.planned_checkpoint}.", checkpoint=run.planned_checkpoint)

    def _close_log(self, run_id: str) -> None:
        logger = self._loggers.pop(run_id, None)
        if logger is not None:
            logger.close()


def queue_caption(ahead: list[Run], must_end: int) -> str:
    """What a queued run waits for: 'Queued: starts when “plain 6, no BN, ReLU” ends (in about 3 min).', each
    name quoted so that names with commas read apart; when not all of ``ahead`` must end, how many of them;
    the wait, roughly, when the runs ahead are training and say how long they have left."""
    names = ", ".join(f"“{run.name}”" for run in ahead)
    wait = _rough_wait(ahead, must_end)
    if len(ahead) == 1:
        return f"Queued: starts when {names} ends{wait}."
    if not ahead:
        return "Queued: starts when a running run ends."
    if must_end >= len(ahead):
        return f"Queued: starts when these {len(ahead)} runs end{wait}: {names}."
    count = "one" if must_end <= 1 else str(must_end)
    return f"Queued: starts when {count} of these {len(ahead)} runs end{'s' if must_end <= 1 else ''}{wait}: {names}."


def _rough_wait(ahead: list[Run], must_end: int) -> str:
    """' (in about 3 min)' from the training runs' own estimates; '' while any run ahead has none
    (still loading, or itself queued: how long it will take is not known yet)."""
    left = [run.progress.eta_s for run in ahead if isinstance(run.progress, Step) and run.status.active]
    if not ahead or len(left) < len(ahead) or not all(math.isfinite(s) and s >= 0 for s in left):
        return ""
    seconds = sorted(left)[min(max(must_end, 1), len(left)) - 1]
    if seconds < 60:
        return " (in under a minute)"
    minutes = math.ceil(seconds / 60)
    return f" (in about {minutes} min)" if minutes < 120 else f" (in about {minutes / 60:.0f} h)"
