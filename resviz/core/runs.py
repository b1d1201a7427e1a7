"""Runs: every model trained (or opened from a file) is a run, and the store keeps them.

A ``Run`` is one model on one dataset with one set of settings: its id and name, what
it is (model, config, dataset, classes, input shape), its status, its curves and
per-epoch metrics, the weight snapshots a person can scrub back through, what its
recorders measured, its checkpoint, and on failure the message and traceback.
``Run.apply(event)`` folds each training event into it. The ``RunStore`` holds the runs
in order, keeps all their snapshots within one memory budget (by bytes: old snapshots
are thinned, never a run's first or last until only those are left; then the oldest
finished runs keep just their last), and tells subscribers what changed. Given a folder
to spill to, it writes a run's snapshots there when the run ends and keeps them
memory-mapped (``spilled_weights``): a finished run's History then costs disk, within a
disk budget thinned the same way, not the window's memory — the Qt
layer observes it (napari's pattern: a plain model, a Qt view). Nothing here imports Qt.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from . import models
from .curves import Curves
from .events import Done, Epoch, Failed, Loading, Recorded, Snapshot, Started, Step
from .objectives import objective_class
from .spilled_weights import resident_bytes, spill_state, spilled_bytes

SNAPSHOT_BUDGET = 128 * 2 ** 20  # bytes of snapshots kept for all runs together (an hour of
# Train -> Stop cycles must stay within 150 MB of resident memory; the seed ResNet's 48 History
# positions take 48 MB)
SPILLED_BUDGET = 2 * 2 ** 30  # bytes of finished runs' snapshots kept on disk, all runs together
SNAPSHOTS_PER_RUN = 48  # the History slider's positions, at most
RECORDS_PER_RUN = 400  # of each recorder: older ones are thinned like snapshots


class RunStatus(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    STOPPED = "stopped"
    FAILED = "failed"
    OPENED = "opened"  # from a checkpoint file

    @property
    def active(self) -> bool:
        """Training or about to: it may still change."""
        return self in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED)


@dataclass
class Following:
    """A run that another process writes into a run folder, as the window follows it."""

    folder: str
    last_update: float | None = None  # time.time() of the folder's newest record
    polling: bool = True  # False once the run ended, or the window let go of it
    stalled: str = ""  # why records stopped coming though the run has not ended ("" while all is well)


def snapshot_bytes(snapshot: Snapshot) -> int:
    return sum(a.nbytes for a in snapshot.state.values())


def thin(items: list) -> list:
    """Keep the first and the last, and every other one between them."""
    if len(items) <= 2:
        return items
    return items[:1] + items[1:-1][1::2] + items[-1:]


@dataclass
class Run:
    id: str
    name: str
    model: str
    dataset: str
    settings: dict = field(default_factory=dict)  # the TrainConfig as a dict (or a checkpoint's)
    model_config: dict = field(default_factory=dict)
    dataset_title: str = ""
    classes: tuple[str, ...] = ()
    input_shape: tuple[int, ...] = ()
    status: RunStatus = RunStatus.QUEUED
    curves: Curves = field(default_factory=Curves)
    metrics: dict = field(default_factory=dict)  # the latest test metrics
    snapshots: list[Snapshot] = field(default_factory=list)
    recorded: dict[str, list[Recorded]] = field(default_factory=dict)
    started: Started | None = None
    progress: Step | None = None  # the latest Step
    loading: str = ""  # what is being loaded, before Started
    checkpoint: str | None = None
    message: str = ""  # the latest thing to tell the person (a failure, where the checkpoint went)
    traceback: str = ""
    log: str | None = None
    data_note: str | None = None
    seconds: float = 0.0
    created: float = field(default_factory=time.time)
    source: str = "training"  # or the checkpoint file it was opened from, or the run folder it follows
    following: Following | None = None  # set when another process trains it into a run folder
    folder: str = ""  # the run folder its training process writes (the window's own runs)
    processes: int = 1  # training data-parallel in this many processes (torch.distributed)
    planned_checkpoint: str = ""  # where its process saves it (the window saves the last snapshot there if it dies)

    # --- what it is ---------------------------------------------------------------------
    @property
    def spec(self) -> models.ModelSpec:
        return models.spec(self.model)

    @property
    def objective(self):
        return objective_class(self.spec.objective)

    @property
    def classifies(self) -> bool:
        return self.objective.classifies

    @property
    def generates(self) -> bool:
        return self.objective.generates

    @property
    def headline(self) -> tuple[str, float] | None:
        """The metric a run is summed up by, at its best epoch: ('test_accuracy', 0.991) or None."""
        key = self.objective.headline
        values = [e[key] for e in self.curves.epochs if isinstance(e.get(key), (int, float))]
        if not values:
            return None
        return key, (max(values) if self.objective.higher_is_better else min(values))

    @property
    def step(self) -> int:
        if self.progress is not None:
            return self.progress.step
        return self.snapshots[-1].step if self.snapshots else 0

    @property
    def snapshot_bytes(self) -> int:
        """Bytes its snapshots hold in memory; arrays shared between them (a frozen backbone's) count once."""
        arrays = {id(a): a.nbytes for s in self.snapshots if resident_bytes(s.state) for a in s.state.values()}
        return sum(arrays.values())

    @property
    def spilled_bytes(self) -> int:
        """Bytes its snapshots hold in files, memory-mapped when looked at."""
        return sum(spilled_bytes(s.state) for s in self.snapshots)

    # --- events -------------------------------------------------------------------------
    def apply(self, event) -> set[str]:
        """Fold one training event into the run; the names of what changed."""
        if isinstance(event, Loading):
            self.loading = event.message
            return {"status"}
        if isinstance(event, Started):
            self.started, self.status, self.loading = event, RunStatus.RUNNING, ""
            self.model_config = dict(event.model_config)
            self.dataset_title, self.classes = event.dataset_title, tuple(event.classes)
            self.input_shape, self.data_note = tuple(event.input_shape), event.data_note
            return {"status", "info"}
        if isinstance(event, Step):
            self.progress, self.seconds, self.loading = event, event.elapsed_s, ""
            self.curves.add_step(event)
            return {"progress", "curves"}
        if isinstance(event, Epoch):
            self.metrics = dict(event.metrics)
            self.curves.add_epoch(event)
            return {"curves", "metrics"}
        if isinstance(event, Snapshot):
            self.snapshots.append(event)
            if len(self.snapshots) > SNAPSHOTS_PER_RUN:
                self.snapshots = thin(self.snapshots)
            return {"snapshots"}
        if isinstance(event, Recorded):
            records = self.recorded.setdefault(event.name, [])
            records.append(event)
            if len(records) > RECORDS_PER_RUN:
                self.recorded[event.name] = thin(records)
            return {"recorded"}
        if isinstance(event, Done):
            self.status = RunStatus.STOPPED if event.stopped else RunStatus.DONE
            self.checkpoint, self.seconds, self.message = event.checkpoint, event.seconds, event.message
            if event.metrics:
                self.metrics = dict(event.metrics)
            return {"status", "metrics"}
        if isinstance(event, Failed):
            self.status, self.message = RunStatus.FAILED, event.message
            self.traceback, self.log = event.traceback, event.log
            self.checkpoint = event.checkpoint or self.checkpoint
            return {"status"}
        return set()

    def set_paused(self, paused: bool) -> None:
        if self.status in (RunStatus.RUNNING, RunStatus.PAUSED):
            self.status = RunStatus.PAUSED if paused else RunStatus.RUNNING

    @classmethod
    def from_checkpoint(cls, run_id: str, name: str, checkpoint) -> Run:
        """A run for a checkpoint file: its curves, metrics and settings, and its weights as the one snapshot."""
        meta = checkpoint.meta
        state = {k: v.numpy() for k, v in checkpoint.state_dict.items()}
        snapshot = Snapshot(int(meta.get("step", 0)), int(meta.get("epoch", 0)), checkpoint.model_name,
                            dict(meta.get("model_config", {})), state)
        settings = dict(meta.get("train_config", {}))
        dataset = meta.get("dataset", settings.get("dataset", "mnist"))
        run = cls(run_id, name, checkpoint.model_name, dataset, settings=settings,
                  model_config=dict(meta.get("model_config", {})),
                  dataset_title=meta.get("dataset_title", dataset), classes=tuple(meta.get("classes") or ()),
                  input_shape=tuple(meta.get("input_shape") or models.input_shape_of(checkpoint.build_model())),
                  status=RunStatus.OPENED, curves=Curves.from_history(meta.get("history", {})),
                  metrics=dict(meta.get("metrics", {})), snapshots=[snapshot], checkpoint=str(checkpoint.path),
                  source=str(checkpoint.path))
        run.seconds = float(meta.get("seconds", 0.0) or 0.0)
        run.message = " ".join(checkpoint.warnings)  # e.g. NaN weights: it opens, and says so
        return run


Listener = Callable[[str, Run, set], None]  # (what happened: "added" | "changed" | "removed", run, changes)


class RunStore:
    """The runs, in the order they were made, within one snapshot memory budget."""

    def __init__(self, snapshot_budget: int = SNAPSHOT_BUDGET, spill_dir: Path | None = None,
                 spilled_budget: int = SPILLED_BUDGET):
        self.snapshot_budget, self.spilled_budget = snapshot_budget, spilled_budget
        self.spill_dir = spill_dir  # None: every snapshot stays in memory
        self._runs: dict[str, Run] = {}
        self._ids = itertools.count(1)
        self._listeners: list[Listener] = []

    # --- observing ----------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _tell(self, what: str, run: Run, changes: set) -> None:
        for listener in list(self._listeners):
            listener(what, run, changes)

    # --- the runs -----------------------------------------------------------------------
    def __iter__(self):
        return iter(list(self._runs.values()))

    def __len__(self) -> int:
        return len(self._runs)

    def __contains__(self, run_id) -> bool:
        return run_id in self._runs

    def get(self, run_id: str | None) -> Run | None:
        return self._runs.get(run_id) if run_id else None

    def new_id(self) -> str:
        return f"run{next(self._ids)}"

    def default_name(self, model: str) -> str:
        count = sum(1 for r in self._runs.values() if r.model == model)
        return f"{model} #{count + 1}"

    def create(self, model: str, dataset: str, settings: dict | None = None, name: str | None = None) -> Run:
        run = Run(self.new_id(), name or self.default_name(model), model, dataset, settings=dict(settings or {}))
        return self.add(run)

    def add(self, run: Run) -> Run:
        self._runs[run.id] = run
        self._spill_if_ended(run)
        self._enforce_budget()
        self._tell("added", run, {"status"})
        return run

    def remove(self, run_id: str) -> Run | None:
        run = self._runs.pop(run_id, None)
        if run is not None:
            self._tell("removed", run, set())
        return run

    def rename(self, run_id: str, name: str) -> None:
        run = self._runs.get(run_id)
        name = " ".join(name.split())
        if run is not None and name and name != run.name:
            run.name = name
            self._tell("changed", run, {"name"})

    def apply(self, run_id: str, event) -> set[str]:
        run = self._runs.get(run_id)
        if run is None:  # removed while its last events were on their way
            return set()
        changes = run.apply(event)
        if "status" in changes:
            self._spill_if_ended(run)
        if changes & {"snapshots", "status"}:
            self._enforce_budget()
        if changes:
            self._tell("changed", run, changes)
        return changes

    def set_paused(self, run_id: str, paused: bool) -> None:
        run = self._runs.get(run_id)
        if run is not None:
            run.set_paused(paused)
            self._tell("changed", run, {"status"})

    def set_status(self, run_id: str, status: RunStatus, message: str = "") -> None:
        run = self._runs.get(run_id)
        if run is not None:
            run.status = status
            run.message = message or run.message
            self._spill_if_ended(run)
            self._tell("changed", run, {"status"})

    # --- memory -------------------------------------------------------------------------
    @property
    def snapshot_bytes(self) -> int:
        return sum(r.snapshot_bytes for r in self._runs.values())

    @property
    def spilled_bytes(self) -> int:
        return sum(r.spilled_bytes for r in self._runs.values())

    def _spill_if_ended(self, run: Run) -> None:
        """A run that will change no more keeps its snapshots in files, mapped when looked at."""
        if self.spill_dir is None or run.status.active or not run.snapshots:
            return
        for snapshot in run.snapshots:
            # the same Snapshot object keeps its identity (panels and the model cache know it by id),
            # only where its arrays live changes: same names, same numbers
            object.__setattr__(snapshot, "state", spill_state(snapshot.state, self.spill_dir))

    def _enforce_budget(self) -> None:
        """Thin snapshots until those in memory fit their budget and those in files fit theirs."""
        self._thin_until(lambda r: r.snapshot_bytes, self.snapshot_budget)
        self._thin_until(lambda r: r.spilled_bytes, self.spilled_budget)

    def _thin_until(self, measure: Callable[[Run], int], budget: int) -> None:
        """Thin the snapshots of the run holding the most bytes until all fit (first and last stay);
        when only firsts and lasts are left, the oldest finished runs give up their first."""
        while sum(measure(r) for r in self._runs.values()) > budget:
            thinnable = [r for r in self._runs.values() if len(r.snapshots) > 2 and measure(r)]
            if thinnable:
                heaviest = max(thinnable, key=measure)
                heaviest.snapshots = thin(heaviest.snapshots)
                self._tell("changed", heaviest, {"snapshots"})
                continue
            finished = [r for r in self._runs.values()
                        if len(r.snapshots) > 1 and not r.status.active and measure(r)]
            if not finished:
                return
            oldest = finished[0]  # the store keeps runs in the order they were made
            oldest.snapshots = oldest.snapshots[-1:]  # the weights it ended with stay, to look at
            self._tell("changed", oldest, {"snapshots"})
