"""What every panel shares: running jobs, the models to look at, the current input.

Panels get one ``AppState`` and talk only to it. It routes each training event
(tagged with the job's kind, "classifier" or "vae"), turns weight Snapshots into
``ModelReplica`` copies the panels may run freely, keeps this run's snapshot history
for scrubbing back in time, and holds the digit the person drew or picked.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..core import models
from ..core.checkpoints import Checkpoint, default_checkpoint_path, load_checkpoint, save_checkpoint
from ..core.data import Dataset, load_dataset
from ..core.events import Done, Epoch, Failed, Snapshot, Started
from ..core.replica import ModelReplica
from ..core.trainer import Trainer, TrainConfig
from .background import BackgroundRunner
from .worker import TrainingJob

HISTORY_LIMIT = 48  # snapshots kept per kind; older ones are thinned, never the first or last


class AppState(QObject):
    event = Signal(str, object)  # (kind, event) for every training event
    job_changed = Signal(str)  # a job of this kind started or ended
    classifier_changed = Signal()  # self.classifier is a new replica
    vae_changed = Signal(str)  # self.vaes[name] is a new replica
    input_changed = Signal()  # self.input_image changed
    history_changed = Signal(str)  # the snapshot list of this kind changed
    checkpoint_opened = Signal(object)  # a Checkpoint the person opened
    message = Signal(str)  # a line for the status bar

    def __init__(self, data_dir: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.data_dir = data_dir
        self.jobs: dict[str, TrainingJob] = {}
        self.classifier: ModelReplica | None = None
        self.vaes: dict[str, ModelReplica] = {}
        self._latest_vae: str | None = None
        self.input_image: np.ndarray | None = None
        self.input_source = ""
        self.runs: dict[str, Started] = {}  # the latest run of each kind
        self.metrics: dict[str, dict[str, float]] = {}  # latest test metrics of each kind
        self._history: dict[str, list[Snapshot]] = {}
        self._history_index: dict[str, int | None] = {}  # None: follow training live
        self._datasets: dict[str, Dataset] = {}
        self._loader = BackgroundRunner(self)

    # --- models to look at ------------------------------------------------------------
    @property
    def vae(self) -> ModelReplica | None:
        return self.vaes.get(self._latest_vae) if self._latest_vae else None

    def set_replica(self, replica: ModelReplica) -> None:
        if replica.generates:
            self.vaes[replica.name] = replica
            self._latest_vae = replica.name
            self.vae_changed.emit(replica.name)
        else:
            self.classifier = replica
            self.classifier_changed.emit()

    def open_checkpoint(self, path: str) -> Checkpoint:
        """Load a checkpoint and show it (raises CheckpointError with a readable message)."""
        checkpoint = load_checkpoint(path)
        replica = ModelReplica.from_checkpoint(checkpoint)
        self.metrics[_kind(replica)] = dict(checkpoint.meta.get("metrics", {}))
        self.set_replica(replica)
        self.checkpoint_opened.emit(checkpoint)
        return checkpoint

    def save_replica(self, replica: ModelReplica, path: str) -> None:
        save_checkpoint(
            path, model=replica.name, model_config=replica.config,
            state_dict=replica.model.state_dict(), objective=replica.spec.objective, dataset=replica.dataset,
            classes=list(replica.classes), epoch=replica.epoch, step=replica.step,
            metrics=self.metrics.get(_kind(replica), {}),
        )

    # --- the current input ---------------------------------------------------------------
    def set_input(self, image: np.ndarray | None, source: str = "") -> None:
        self.input_image = None if image is None else np.asarray(image, dtype=np.float32)
        self.input_source = source
        self.input_changed.emit()

    def test_set(self, key: str = "mnist") -> Dataset:
        """The dataset on the CPU, loaded once (may raise DatasetUnavailable)."""
        if key not in self._datasets:
            self._datasets[key] = load_dataset(key, self.data_dir)
        return self._datasets[key]

    def has_dataset(self, key: str) -> bool:
        return key in self._datasets

    def load_dataset_async(self, key: str, on_done, on_error, on_progress) -> None:
        """Load (and if needed download) a dataset off the GUI thread, reporting progress."""
        def loaded(dataset):
            self._datasets[key] = dataset
            on_done(dataset)

        self._loader.submit(load_dataset, key, self.data_dir, on_result=loaded,
                            on_error=on_error, on_progress=on_progress)

    # --- training jobs --------------------------------------------------------------------
    def start_training(self, config: TrainConfig) -> TrainingJob:
        """Start a job; the dataset is shared with the panels when it was loaded already."""
        kind = models.spec(config.model).objective
        if self.jobs.get(kind) and self.jobs[kind].is_running():
            raise RuntimeError(f"A {kind} is already training; stop it first.")
        if config.data_dir is None:
            config.data_dir = self.data_dir
        path = default_checkpoint_path(config.model, config.dataset)
        dataset = self._datasets.get(config.dataset)
        job = TrainingJob(Trainer(config, dataset, checkpoint_path=path), parent=self)
        job.event.connect(lambda event, kind=kind: self._on_event(kind, event))
        job.finished.connect(lambda kind=kind: self.job_changed.emit(kind))
        self.jobs[kind] = job
        job.start()
        self.job_changed.emit(kind)
        return job

    def running_jobs(self) -> list[TrainingJob]:
        return [job for job in self.jobs.values() if job.is_running()]

    def stop_all(self, wait_ms: int = 3000) -> bool:
        """Stop every job and wait for the threads; True if all ended in time."""
        jobs = self.running_jobs()
        for job in jobs:
            job.stop()
        return all(job.wait(wait_ms) for job in jobs)

    def _on_event(self, kind: str, event) -> None:
        if isinstance(event, Started):
            self.runs[kind] = event
            self._history[kind] = []
            self._history_index[kind] = None
            self.history_changed.emit(kind)
        elif isinstance(event, Snapshot):
            self._remember(kind, event)
            if self._history_index.get(kind) is None:
                self._show(kind, event)
        elif isinstance(event, Epoch):
            self.metrics[kind] = dict(event.metrics)
        elif isinstance(event, Done) and event.checkpoint:
            self.message.emit(f"Saved checkpoint {event.checkpoint}")
        elif isinstance(event, Failed):
            self.message.emit(event.message)
        self.event.emit(kind, event)

    # --- history: scrub back through this run's snapshots ---------------------------------
    def snapshots(self, kind: str) -> list[Snapshot]:
        return list(self._history.get(kind, []))

    def history_index(self, kind: str) -> int | None:
        return self._history_index.get(kind)

    def show_snapshot(self, kind: str, index: int | None) -> None:
        """Show the network as it was at snapshot ``index``; None follows training live."""
        history = self._history.get(kind, [])
        if not history:
            return
        self._history_index[kind] = index
        self._show(kind, history[-1 if index is None else index])

    def _remember(self, kind: str, snapshot: Snapshot) -> None:
        history = self._history.setdefault(kind, [])
        history.append(snapshot)
        if len(history) > HISTORY_LIMIT:
            # keep the first and the newest, thin the middle evenly
            history[:] = history[:1] + history[1:-1][1::2] + history[-1:]
            if self._history_index.get(kind) is not None:
                self._history_index[kind] = None
        self.history_changed.emit(kind)

    def _show(self, kind: str, snapshot: Snapshot) -> None:
        run = self.runs.get(kind)
        replica = ModelReplica.from_snapshot(
            snapshot, classes=run.classes if run else None, dataset=run.dataset if run else "mnist")
        self.set_replica(replica)


def _kind(replica) -> str:
    return "vae" if replica.generates else "classifier"
