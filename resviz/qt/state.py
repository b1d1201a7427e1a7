"""What every panel shares: the runs, the one selected, the models to look at, the input.

``AppState`` is the Qt view of the Qt-free ``RunStore`` (core/runs.py). Train, Speed
run, the Depth lab, File ▸ Open and ``resviz FILE.pt`` all make runs here. The run engine
— queue or alongside, launching, stopping, folding events in, keeping a dead process's
weights — is the Qt-free ``RunManager`` (core/run_manager.py, ``runs_engine``); its
executor here gives each run a ``TrainingJob``: a worker process of its own
(core/process_run.py) read by a QThread, whose events come back on the GUI thread and
are re-emitted with the run's id. A run
folder that another process writes is followed (``follower.py``): its events take the same path.
Panels look at the *selected* run when it is the kind they show (``run_for``), else at
the newest run that is, and ask ``replica(run_id)`` for a frozen CPU copy of its model
at the snapshot being shown (the newest, or one picked on the History slider).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from ..core import run_meta
from ..core.checkpoints import Checkpoint, load_checkpoint, save_checkpoint
from ..core.cpu_budget import ACCELERATOR_SHARE, CPU_TRAINING_SHARE, CpuBudget
from ..core.data import Dataset
from ..core.dataset_cache import DatasetCache
from ..core.distributed_run import DistributedRun
from ..core.events import Done, Failed, Snapshot, Started, Step
from ..core.host_copy import state_to_numpy
from ..core.memory import return_freed_memory
from ..core.model_cache import ModelCache
from ..core.process_run import ProcessRun, WorkerPool, default_pool
from ..core.replica import ModelReplica
from ..core.run_folder import RunFolderReader
from ..core.run_manager import RunManager, default_parallel_runs
from ..core.runs import Following, Run, RunStatus, RunStore
from ..core.spilled_weights import history_folder
from ..core.trainer import TrainConfig
from .background import BackgroundRunner
from .follower import FolderNews, RunFolderFollower, stalled_reason
from .worker import TrainingJob


class AppState(QObject):
    run_added = Signal(str)
    run_changed = Signal(str, object)  # (run id, set of what changed: "status", "progress", "curves", ...)
    run_removed = Signal(str)
    run_event = Signal(str, object)  # (run id, event) for every training event
    selection_changed = Signal()  # the selected run or the ticked ones changed
    replica_changed = Signal(str)  # the model shown for this run changed (a new snapshot, or History moved)
    vae_changed = Signal(str)  # the same, for runs whose model generates (the VAE panels listen)
    history_changed = Signal(str)  # this run's list of snapshots changed
    input_changed = Signal()  # self.input_image changed
    message = Signal(str)  # a line for the status bar

    def __init__(self, data_dir: str | None = None, parent: QObject | None = None,
                 workers: WorkerPool | None = None):
        super().__init__(parent)
        self.data_dir = data_dir
        self.workers = workers or default_pool()  # the processes runs train in (warm ones wait)
        # a finished run's snapshots wait in files for History: fifty runs cost their curves, not their weights
        self.store = RunStore(spill_dir=history_folder())
        self.store.subscribe(self._on_store)
        self.selected_id: str | None = None
        self.ticked: set[str] = set()
        self.input_image: np.ndarray | None = None
        self.input_source = ""
        self._shown_index: dict[str, int | None] = {}  # None: follow the run live
        self.models = ModelCache()  # the frozen copies panels run, the last few used
        self.datasets = DatasetCache(data_dir)
        self.vaes = _GeneratingRuns(self)
        self.replica_changed.connect(self._on_replica_changed)
        self._dataset_runners: set[BackgroundRunner] = set()  # load_dataset_async calls under way
        self.runs_engine = RunManager(self.store, self._launch_job, self.save_run,
                                      default_parallel_runs(torch.cuda.is_available()))
        self.runs_engine.listeners.append(self._tell_event)
        self._followers: dict[str, RunFolderFollower] = {}  # runs another process writes into a run folder
        self._following: dict[str, Run] = {}  # their runs (in the store from their Started on)
        self.cpu_budget = CpuBudget(CPU_TRAINING_SHARE)  # the window's share while runs train here

    # --- runs -----------------------------------------------------------------------------
    @property
    def runs(self) -> list[Run]:
        return list(self.store)

    def run(self, run_id: str | None) -> Run | None:
        return self.store.get(run_id)

    def selected_run(self) -> Run | None:
        return self.store.get(self.selected_id)

    def run_for(self, wanted: Callable[[Run], bool] | None = None) -> Run | None:
        """The selected run if it is ``wanted``, else the newest run that is (training ones first)."""
        selected = self.selected_run()
        if selected is not None and (wanted is None or wanted(selected)):
            return selected
        candidates = [r for r in self.store if (wanted is None or wanted(r)) and r.snapshots]
        if not candidates:
            return None
        active = [r for r in candidates if r.status.active]
        return (active or candidates)[-1]

    def select(self, run_id: str | None) -> None:
        if run_id != self.selected_id and (run_id is None or run_id in self.store):
            self.selected_id = run_id
            self.selection_changed.emit()

    def set_ticked(self, run_id: str, ticked: bool) -> None:
        before = set(self.ticked)
        (self.ticked.add if ticked else self.ticked.discard)(run_id)
        if self.ticked != before:
            self.selection_changed.emit()

    def rename(self, run_id: str, name: str) -> None:
        self.store.rename(run_id, name)
        self.runs_engine.recaption_queue()  # the runs queued behind it name it

    def remove(self, run_id: str) -> None:
        """Forget a run (stopping it first if it trains; its checkpoint file stays)."""
        self.runs_engine.forget(run_id)
        self._unfollow(run_id)
        self.ticked.discard(run_id)
        self._shown_index.pop(run_id, None)
        self.models.forget(run_id)
        self.store.remove(run_id)
        self.runs_engine.recaption_queue()
        if self.selected_id == run_id:
            remaining = self.runs
            self.select(remaining[-1].id if remaining else None)

    def _on_store(self, what: str, run: Run, changes: set) -> None:
        if what == "added":
            self.run_added.emit(run.id)
        elif what == "removed":
            self.run_removed.emit(run.id)
        else:
            if "snapshots" in changes:
                self.history_changed.emit(run.id)
            self.run_changed.emit(run.id, changes)

    # --- training (the engine is core/run_manager.py; here its jobs get a thread and its news signals) ---
    def start_run(self, config: TrainConfig, alongside: bool = False, name: str | None = None,
                  tensorboard: str | None = None, processes: int = 1) -> Run:
        """A new run for ``config``, selected: it starts now, or queues when ``parallel_runs`` already train.

        ``processes``: 2 or more train it data-parallel through torch.distributed's launcher
        (``DistributedRun``); it is still one run, read from the folder rank 0 writes.
        ``tensorboard``: a folder to log the run's curves into for TensorBoard (raises
        TensorBoardMissing, with the install command, when the package is absent).
        """
        if config.data_dir is None:
            config.data_dir = self.data_dir
        run = self.runs_engine.start(config, alongside, name, tensorboard, processes)
        self.select(run.id)
        return run

    @property
    def parallel_runs(self) -> int:
        return self.runs_engine.parallel_runs

    @parallel_runs.setter
    def parallel_runs(self, count: int) -> None:
        self.runs_engine.parallel_runs = count

    def training_runs(self) -> list[Run]:
        """Runs with a training process (training, paused or loading their data)."""
        return self.runs_engine.training_runs()

    def queued_runs(self) -> list[Run]:
        return self.runs_engine.queued_runs()

    def refresh_wait(self, run: Run | None) -> float:
        """Seconds a panel's redraw for ``run``'s newer snapshot should wait so the window keeps to its
        share of the CPU while runs train on this machine (core/cpu_budget.py); 0 once ``run`` has
        stopped training, or when none trains here."""
        training = self.training_runs()
        if run is None or run.status != RunStatus.RUNNING or not training:
            return 0.0
        on_cpu = any(run.started is None or run.started.device == "cpu" for run in training)
        self.cpu_budget.share = CPU_TRAINING_SHARE if on_cpu else ACCELERATOR_SHARE
        return self.cpu_budget.wait()

    def start_now(self, run_id: str) -> None:
        """Start a queued run at once, alongside the running ones."""
        self.runs_engine.start_now(run_id)

    def _launch_job(self, run: Run, config: TrainConfig, checkpoint: Path, folder: Path) -> TrainingJob:
        """The executor: the run's process (several under torchrun), read by a thread of its own."""
        process = (DistributedRun(config, run.processes, checkpoint, folder) if run.processes > 1
                   else ProcessRun(config, checkpoint, folder, pool=self.workers, name=run.name))
        job = TrainingJob(process, parent=self)
        job.event.connect(lambda event, run_id=run.id: self._on_event(run_id, event))
        job.finished.connect(lambda run_id=run.id: self._on_job_finished(run_id))
        job.start()
        return job

    def _on_event(self, run_id: str, event) -> None:
        self.runs_engine.on_event(run_id, event)

    def _tell_event(self, run_id: str, event, changes: set) -> None:
        """The engine folded ``event`` in: the panels hear of it."""
        if isinstance(event, Snapshot) and self._shown_index.get(run_id) is None:
            self.replica_changed.emit(run_id)
        elif isinstance(event, Failed):
            self.message.emit(event.message)
        elif getattr(event, "checkpoint", None) and "status" in changes:
            run = self.store.get(run_id)
            self.message.emit(run.message or f"Saved checkpoint {event.checkpoint}")
        self.run_event.emit(run_id, event)

    def _on_job_finished(self, run_id: str) -> None:
        job = self.runs_engine.on_finished(run_id)
        if job is not None:
            job.release()
            job.deleteLater()  # its thread and the process's handle go with it
            QTimer.singleShot(1000, return_freed_memory)  # once deleted, freed memory goes back to the system
        if run_id in self.store:
            self.run_changed.emit(run_id, {"status"})

    def job(self, run_id: str | None) -> TrainingJob | None:
        return self.runs_engine.job(run_id)

    def process_starting(self, run_id: str | None) -> bool:
        """Its training process is still importing PyTorch: no warm worker was waiting when it started."""
        job = self.runs_engine.job(run_id)
        return job is not None and getattr(job.trainer, "starting", False)  # a torchrun job has no warm worker

    def can_pause(self, run_id: str | None) -> bool:
        """A run training here that can pause (a multi-process one only stops)."""
        return self.runs_engine.can_pause(run_id)

    def pause(self, run_id: str, paused: bool = True) -> None:
        self.runs_engine.pause(run_id, paused)

    def stop(self, run_id: str) -> None:
        """Stop a run (it saves a checkpoint) or take it out of the queue."""
        self.runs_engine.stop(run_id)

    def running_jobs(self) -> list[TrainingJob]:
        return [job for job in self.runs_engine.jobs() if job.is_running()]

    def use_data_dir(self, data_dir: str | None) -> None:
        """Runs and panels look for datasets in ``data_dir`` from now on (a folder the person chose)."""
        self.data_dir = data_dir
        self.datasets.use_data_dir(data_dir)

    def detach_all(self) -> list[str]:
        """Closing with "keep training": runs that can train on unwatched are left to their processes;
        their run folders (``resviz DIR`` follows one)."""
        return [folder for _run, folder in self.runs_engine.detach_all()]

    def stop_all(self, wait_ms: int = 3000) -> bool:
        """Empty the queue, stop every job and wait up to ``wait_ms``; True if all threads ended."""
        for run_id in list(self._followers):  # another process trains these: only stop reading
            self._unfollow(run_id)
        jobs = [job for job in self.runs_engine.stop_all() if job.is_running()]
        return all(job.wait(wait_ms) for job in jobs)

    def shutdown(self, wait_ms: int = 60_000) -> bool:
        """At exit: stop everything and wait for training threads and background work to end."""
        ended = self.stop_all(wait_ms)
        for loader in list(self._dataset_runners):
            loader.cancel()
        pool_done = QThreadPool.globalInstance().waitForDone(wait_ms)
        return ended and pool_done

    # --- models to look at ---------------------------------------------------------------------
    def replica(self, run_id: str | None) -> ModelReplica | None:
        """The run's model at the snapshot being shown (built once, then cached)."""
        run = self.store.get(run_id)
        snapshot = self.shown_snapshot(run_id)
        if run is None or snapshot is None:
            return None
        def build() -> ModelReplica:
            replica = ModelReplica.from_snapshot(snapshot, classes=run.classes or None, dataset=run.dataset)
            return _with_source(replica, run.source) if run.status == RunStatus.OPENED else replica

        return self.models.get(run.id, snapshot, build)

    def replica_for(self, wanted: Callable[[Run], bool] | None = None) -> ModelReplica | None:
        run = self.run_for(wanted)
        return self.replica(run.id) if run else None

    @property
    def classifier(self) -> ModelReplica | None:
        """The classifier the inspecting panels show (see ``run_for``)."""
        return self.replica_for(lambda r: r.classifies)

    def run_title(self, run_id: str | None) -> str:
        """A run as people name it: its name and what it is."""
        run = self.store.get(run_id)
        if run is None:
            return "—"
        return run.name if run.name.startswith(run.model) else f"{run.name} ({run.model})"

    def _on_replica_changed(self, run_id: str) -> None:
        run = self.store.get(run_id)
        if run is not None and run.generates:
            self.vae_changed.emit(run_id)

    def show_model(self, replica: ModelReplica, name: str | None = None, into: str | None = None) -> Run:
        """Show a model already in memory (tests, benchmarks): as a new run, selected, or as the next
        snapshot of run ``into`` (as if that run's training had sent these weights)."""
        snapshot = Snapshot(replica.step, replica.epoch, replica.name, dict(replica.config),
                            state_to_numpy(replica.model))
        if into is not None:
            self.models.put(into, snapshot, replica)
            self._on_event(into, snapshot)
            return self.store.get(into)
        run = Run(self.store.new_id(), name or self.store.default_name(replica.name), replica.name,
                  replica.dataset, model_config=dict(replica.config), classes=tuple(replica.classes),
                  input_shape=replica.input_shape, status=RunStatus.OPENED, snapshots=[snapshot],
                  source=replica.source)
        self.models.put(run.id, snapshot, replica)
        self.store.add(run)
        self.select(run.id)
        self.replica_changed.emit(run.id)
        return run

    def open_checkpoint(self, path: str) -> Run:
        """Load a checkpoint as a run and select it (raises CheckpointError with a readable message)."""
        checkpoint = load_checkpoint(path)
        run = Run.from_checkpoint(self.store.new_id(), _opened_name(checkpoint), checkpoint)
        self.store.add(run)
        self.select(run.id)
        self.replica_changed.emit(run.id)
        return run

    # --- following a run folder that another process writes --------------------------------------
    def follow_run_folder(self, path) -> Run:
        """Follow the run that another process (``resviz train --run-dir``, a torchrun job) writes into
        the folder ``path``: its records are read about once a second off the GUI thread and folded in
        as a live run's events. Raises ValueError, saying why, when ``path`` is not a run folder.

        The run joins the list (and is selected) when its first record, Started, says what it is;
        following the same folder again selects the run that already follows it.
        """
        reader = RunFolderReader(path)
        folder = reader.folder.resolve()
        for run_id, follower in self._followers.items():
            if Path(follower.reader.folder).resolve() == folder:
                self.select(run_id)
                return self._following[run_id]
        run = Run(self.store.new_id(), folder.name or str(folder), "", "", status=RunStatus.RUNNING,
                  source=str(folder), following=Following(str(folder)))
        follower = RunFolderFollower(reader, lambda news: self._on_folder_news(run, news),
                                     lambda message: self._on_folder_error(run, message), parent=self)
        follower.ticked.connect(lambda run_id=run.id: self._on_follow_tick(run_id))
        self._followers[run.id], self._following[run.id] = follower, run
        follower.start()
        self.message.emit(f"Following {folder}: waiting for its first records…")
        return run

    def following(self, run_id: str | None) -> bool:
        """Whether the window is reading this run's folder now (another process trains it)."""
        return run_id in self._followers

    def _on_folder_news(self, run: Run, news: FolderNews) -> bool:
        """Fold what the follower read into the run; True when the run ended (reading stops)."""
        run.following.last_update = news.last_update
        stalled, run.following.stalled = run.following.stalled, stalled_reason(news, time.time())
        if run.following.stalled and not stalled and run.id not in self.store:  # nothing in the list says it
            self.message.emit(f"{run.following.folder}: {run.following.stalled} (before training began)")
        last_step = max((i for i, e in enumerate(news.events) if isinstance(e, Step)), default=-1)
        for index, event in enumerate(news.events):
            if run.id not in self.store and not self._join(run, event):
                continue
            if index < last_step and isinstance(event, Step):
                run.apply(event)  # catching up on a long log: the read's last Step tells the panels, once
                continue
            self._on_event(run.id, event)
        if news.finished:
            self._unfollow(run.id)
        return news.finished

    def _join(self, run: Run, event) -> bool:
        """Add a followed run to the store at its Started (until then it is not known what it is)."""
        if isinstance(event, Started):
            run.model, run.dataset = event.model, event.dataset
            run.settings = {"model": event.model, "dataset": event.dataset, "epochs": event.epochs,
                            "batch_size": event.batch_size}
            self.store.add(run)
            self.select(run.id)
            return True
        if isinstance(event, (Done, Failed)):  # it ended before training began: nothing to show but why
            why = event.message if isinstance(event, Failed) else "it ended before its first step"
            self.message.emit(f"{run.following.folder}: {why}")
        return False

    def _on_folder_error(self, run: Run, message: str) -> None:
        run.following.stalled = f"cannot read the folder ({message})"
        self._on_follow_tick(run.id)

    def _on_follow_tick(self, run_id: str) -> None:
        if run_id in self.store:
            self.run_changed.emit(run_id, {"following"})  # "last update 3 s ago" counts on

    def _unfollow(self, run_id: str) -> None:
        """Stop reading the run's folder (the run ended, was removed, or the window closes)."""
        follower = self._followers.pop(run_id, None)
        run = self._following.pop(run_id, None)
        if follower is None:
            return
        follower.stop()
        follower.deleteLater()
        run.following.polling, run.following.stalled = False, ""
        self._on_follow_tick(run_id)

    def save_run(self, run_id: str, path: str, snapshot: Snapshot | None = None) -> None:
        """Write the run's model, as shown now (or at ``snapshot``), to a checkpoint file."""
        run = self.store.get(run_id)
        if snapshot is not None and run is not None:
            replica = ModelReplica.from_snapshot(snapshot, classes=run.classes or None, dataset=run.dataset)
        else:
            replica = self.replica(run_id)
        if run is None or replica is None:
            raise ValueError("This run has no weights yet.")
        save_checkpoint(path, state_dict=replica.model.state_dict(), **run_meta.from_window(run, replica).as_dict())

    # --- history: scrub back through a run's snapshots --------------------------------------------
    def snapshots(self, run_id: str | None) -> list[Snapshot]:
        run = self.store.get(run_id)
        return list(run.snapshots) if run else []

    def history_index(self, run_id: str | None) -> int | None:
        index = self._shown_index.get(run_id)
        if index is not None and index >= len(self.snapshots(run_id)):  # thinned meanwhile
            self._shown_index[run_id] = index = None
        return index

    def shown_snapshot(self, run_id: str | None) -> Snapshot | None:
        snapshots = self.snapshots(run_id)
        if not snapshots:
            return None
        index = self.history_index(run_id)
        return snapshots[-1 if index is None else index]

    def show_snapshot(self, run_id: str, index: int | None) -> None:
        """Show the run's network as it was at snapshot ``index``; None follows it live."""
        if not self.snapshots(run_id):
            return
        self._shown_index[run_id] = index
        self.replica_changed.emit(run_id)
        self.history_changed.emit(run_id)

    # --- the current input -----------------------------------------------------------------------
    def set_input(self, image: np.ndarray | None, source: str = "") -> None:
        self.input_image = None if image is None else np.asarray(image, dtype=np.float32)
        self.input_source = source
        self.input_changed.emit()

    # --- datasets ----------------------------------------------------------------------------------
    def dataset(self, key: str = "mnist", progress=None, **options) -> Dataset:
        """The dataset on the CPU, loaded once; safe from any thread (may raise DatasetUnavailable).

        ``options`` are a dataset's own (an image folder's path and size): each set of them is
        its own dataset.
        """
        return self.datasets.get(key, progress=progress, **options)

    def run_dataset_async(self, run: Run, on_done, on_error, on_progress=None) -> None:
        """The dataset ``run`` was trained on (with its options), loaded off the GUI thread."""
        options = dict(run.settings.get("dataset_options") or {})
        self.load_dataset_async(run.dataset, on_done, on_error, on_progress, **options)

    test_set = dataset  # what the digit panels call it

    def has_dataset(self, key: str, **options) -> bool:
        return self.datasets.loaded(key, **options) is not None

    def load_dataset_async(self, key: str, on_done, on_error, on_progress=None, **options) -> None:
        """Load (and if needed download) a dataset off the GUI thread, reporting progress."""
        loaded = self.datasets.loaded(key, **options)
        if loaded is not None:
            on_done(loaded)
            return
        runner = BackgroundRunner(self)
        self._dataset_runners.add(runner)

        def finish(callback, value):
            self._dataset_runners.discard(runner)
            callback(value)

        runner.submit(self.dataset, key, on_result=lambda data: finish(on_done, data),
                      on_error=lambda message: finish(on_error, message), on_progress=on_progress, **options)


def _with_source(replica: ModelReplica, source: str) -> ModelReplica:
    return replace(replica, source=source)


def _opened_name(checkpoint: Checkpoint) -> str:
    """The run's name as it was saved (File ▸ Save checkpoint writes it), else the file's stem."""
    return " ".join(checkpoint.meta.get("name", "").split()) or checkpoint.path.stem


class _GeneratingRuns:
    """``state.vaes``: run id -> the replica shown for it, for the runs whose model generates."""

    def __init__(self, state: AppState):
        self._state = state

    def _ids(self) -> list[str]:
        return [r.id for r in self._state.store if r.generates and r.snapshots]

    def __iter__(self):
        return iter(self._ids())

    def __contains__(self, run_id) -> bool:
        return run_id in self._ids()

    def get(self, run_id, default=None):
        return self._state.replica(run_id) if run_id in self else default
