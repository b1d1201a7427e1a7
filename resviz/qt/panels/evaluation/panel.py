"""Evaluation: how good is the classifier, class by class, and where does it go wrong?

Seed 001 judges a CNN by accuracy, precision, recall and F1 on held-out test
images. This tab shows them for the selected run's model on its own dataset's test set,
the confusion matrix (click a cell to see those test images and the model's top
guesses), the most confident mistakes, and a reliability diagram with the expected
calibration error (is the model's 99% really 99%?). A second model B (a ticked run,
one kept from earlier, or a checkpoint) is compared side by side: its F1 per class,
the difference of the two confusion matrices, its reliability curve.

The panel's interface is narrow on purpose: ``show_classifier(model, dataset,
title)`` and ``set_comparison(...)`` evaluate any model on any test set, and
``_follow_state`` is the one method that asks the app state what to show.
Evaluation runs off the GUI thread; while a model trains, it re-runs at most every
few seconds, always on the newest weights.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ....core.checkpoints import CheckpointError, load_checkpoint
from ....core.data import Dataset, DatasetUnavailable
from ....core.evaluation import Evaluation, evaluate_classifier
from ....core.replica import ModelReplica
from ....core.runs import Run, RunStatus
from ...background import BackgroundRunner
from ...widgets.example_gallery import ExampleGallery
from ..base import Panel, classifies
from .confusion_view import MODES, ConfusionMatrixView
from .galleries import fit_one_row, show_cell, show_mistakes
from .reliability_view import ReliabilityView
from .report_table import ReportTable

NO_MODEL = "No classifier yet: train one (Training tab) or open a checkpoint (File ▸ Open) to evaluate it."
MIN_SECONDS_BETWEEN = 4.0  # while training, re-evaluate at most this often (it costs the trainer CPU)


CELL_HINT = "Click a cell of the matrix to see its test images."
PHASES = {RunStatus.QUEUED: "queued", RunStatus.RUNNING: "training", RunStatus.PAUSED: "paused",
          RunStatus.DONE: "done", RunStatus.STOPPED: "stopped", RunStatus.FAILED: "failed"}


@dataclass(frozen=True)
class Evaluated:
    """One model's evaluation and the test set it was run on (and, for a run's model, which run and when)."""

    title: str
    evaluation: Evaluation
    dataset: Dataset
    run_id: str | None = None
    moment: str = ""  # 'epoch 3 · step 120': the snapshot evaluated


def evaluate_model(model, dataset: Dataset, title: str) -> Evaluated:
    """The background job: one pass over the test set (any thread; the model is not changed)."""
    return Evaluated(title, evaluate_classifier(model, dataset.test_inputs, dataset.test_labels,
                                                dataset.classes), dataset)


def replica_title(replica: ModelReplica, dataset_title: str, name: str | None = None) -> str:
    """A model that is no run's (a checkpoint compared with): its name, data, moment and file."""
    source = "training" if replica.source == "training" else replica.source.rsplit("/", 1)[-1]
    who = name or replica.name
    return f"{who} on {dataset_title} · {moment(replica)} ({source})"


def moment(replica) -> str:
    return f"epoch {getattr(replica, 'epoch', 0)} · step {getattr(replica, 'step', 0)}"


def run_phase(run: Run) -> str:
    """Where the run is now: 'training' only while it trains; an opened one says its file."""
    if run.status == RunStatus.OPENED:  # from a checkpoint file (its name), or handed over in memory
        return run.source.rsplit("/", 1)[-1] if run.source not in ("", "training") else "opened"
    return PHASES[run.status]


def evaluated_title(evaluated: Evaluated, run: Run | None) -> str:
    """A's or B's title, from its run as the run is now (renamed, finished) when it is a run's model."""
    if run is None:
        return evaluated.title
    return f"{run.name} on {evaluated.dataset.title} · {evaluated.moment} ({run_phase(run)})"


def _waits_for_snapshot(run: Run) -> str:
    """Why a classifier run has no evaluation yet, and what comes next."""
    if run.status == RunStatus.QUEUED:
        return f"{run.name} is queued: its first evaluation comes after it starts and takes its first snapshot."
    if run.status.active:
        return f"{run.name} is {PHASES[run.status]}: its first evaluation comes after its first snapshot."
    if run.status == RunStatus.FAILED:
        return f"{run.name} failed before its first snapshot: there is no model to evaluate."
    return f"{run.name} ended ({PHASES.get(run.status, 'opened')}) before its first snapshot: there is no model to evaluate."


def waiting_caption(selected: Run | None, runs: list[Run]) -> str:
    """What the tab says while it has no classifier to evaluate: what it is waiting for."""
    if selected is not None and selected.classifies:
        return _waits_for_snapshot(selected)
    coming = [r for r in runs if r.classifies and r.status.active and not r.snapshots]
    later = " " + _waits_for_snapshot(coming[-1]) if coming else ""
    if selected is not None:
        kind = "a VAE" if selected.generates else "not a classifier"
        return f"The selected run ({selected.name}) is {kind}: select a classifier run to evaluate it.{later}"
    return later.strip() or NO_MODEL


class EvaluationPanel(Panel):
    title = "Evaluation"
    description = ("Accuracy, precision, recall and F1 per class, the confusion matrix (click a cell to see "
                   "its test images), the most confident mistakes and a reliability diagram; compare two models.")

    shows = classifies
    builds_lazily = True

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.current: Evaluated | None = None  # model A, the one selected
        self.reference: Evaluated | None = None  # model B, to compare with
        self.cell: tuple[int, int] | None = None
        self._runner = BackgroundRunner(self)
        self._reference_runner = BackgroundRunner(self)
        self._pending = None  # the newest request that came while the runner was busy
        self._last_start = 0.0
        self._shown_replica = None
        self._request = 0  # counts evaluations asked for: a result is shown only if still wanted
        self._wanted_run: str | None = None  # the run whose model the newest request evaluates
        self.waiting = False  # True: nothing to evaluate; the summary says what the tab waits for
        self._later = QTimer(self, singleShot=True, timeout=self.refresh_when_visible)
        state.selection_changed.connect(self._update_ticked_button)
        state.run_changed.connect(self._on_run_changed)
        state.selection_changed.connect(self._on_runs_changed)
        state.run_added.connect(self._on_runs_changed)
        state.run_removed.connect(self._on_runs_changed)

    # --- layout (made when the tab is first shown or used: two plots cost the start-up ~0.1 s) ---------

    def _build(self) -> None:
        self.summary = QLabel(NO_MODEL, wordWrap=True)
        self.summary.setStyleSheet("font-weight: bold; font-size: 13px;")
        self.status = QLabel("")
        self.status.setStyleSheet("color: #555;")
        self.mode_box = QComboBox()
        for key, text in MODES.items():
            self.mode_box.addItem(text, key)
        self.mode_box.setToolTip("Counts; or each row as % of its true class (where that class's images went); "
                                 "or A − B when comparing. Colours use a square-root scale so small counts show.")
        self.reference_label = QLabel("B: none", wordWrap=True)
        self.keep_button = QPushButton("Keep as B")
        self.keep_button.setToolTip("Remember this evaluation as model B, e.g. before training again with "
                                    "augmentation, then compare the two")
        self.ticked_button = QPushButton("Ticked run as B")
        self.ticked_button.setToolTip("Compare with the run ticked in the Runs list (tick one: the box "
                                      "beside its name), e.g. the same model trained without augmentation")
        self.open_button = QPushButton("Compare with checkpoint…")
        self.clear_button = QPushButton("Clear B")

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.status)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Confusion matrix:"))
        controls.addWidget(self.mode_box)
        controls.addSpacing(16)
        controls.addWidget(self.reference_label, 1)
        controls.addWidget(self.keep_button)
        controls.addWidget(self.ticked_button)
        controls.addWidget(self.open_button)
        controls.addWidget(self.clear_button)

        self.confusion = ConfusionMatrixView()
        self.cell_heading = QLabel(CELL_HINT, wordWrap=True)
        self.cell_gallery = fit_one_row(ExampleGallery())
        self.cell_gallery.setVisible(False)  # until a cell is chosen: an empty gallery would squeeze the matrix
        cell_box = QWidget()
        cell_layout = QVBoxLayout(cell_box)
        cell_layout.setContentsMargins(0, 0, 0, 0)
        cell_layout.addWidget(self.cell_heading)
        cell_layout.addWidget(self.cell_gallery, 1)
        left = self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.confusion)
        left.addWidget(cell_box)
        left.setStretchFactor(0, 3)  # a small window shrinks the gallery first, the matrix last
        left.setStretchFactor(1, 1)

        self.table = ReportTable()
        self.mistakes_heading = QLabel("", wordWrap=True)
        self.mistakes_gallery = fit_one_row(ExampleGallery(caption_width=128))
        mistakes = QWidget()
        mistakes_layout = QVBoxLayout(mistakes)
        mistakes_layout.setContentsMargins(0, 0, 0, 0)
        mistakes_layout.addWidget(self.mistakes_heading)
        mistakes_layout.addWidget(self.mistakes_gallery, 1)
        self.reliability = ReliabilityView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, "Per class")
        self.tabs.addTab(mistakes, "Most confident mistakes")
        self.tabs.addTab(self.reliability, "Reliability")

        self.body = QSplitter()
        self.body.addWidget(left)
        self.body.addWidget(self.tabs)
        self.body.setSizes([620, 560])
        self.controls = QWidget()
        self.controls.setLayout(controls)
        controls.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.controls)
        layout.addWidget(self.body, 1)
        layout.addStretch(0)

        self.mode_box.currentIndexChanged.connect(self._draw)
        self.confusion.cell_clicked.connect(self.show_cell)
        self.keep_button.clicked.connect(self.keep_as_reference)
        self.ticked_button.clicked.connect(self.compare_with_ticked_run)
        self.open_button.clicked.connect(self._open_reference_dialog)
        self.clear_button.clicked.connect(self.clear_comparison)
        self._update_controls()
        self._show_waiting()

    # --- the narrow interface ------------------------------------------------------------------------
    def show_classifier(self, model, dataset: Dataset, title: str, run_id: str | None = None) -> None:
        """Evaluate ``model`` (an ``nn.Module`` or a ``ModelReplica``) on ``dataset``'s test set and show it.

        ``run_id``: the run whose model it is, so the title follows that run (its name, its status)."""
        self.ensure_built()
        self._request += 1
        self._wanted_run = run_id
        if self.current is None or self.waiting:
            run = self.state.run(run_id)
            self.summary.setText(f"Evaluating {run.name if run is not None else title}…")
        self.waiting = False
        self._start_evaluation(model, dataset, title, run_id, self._request)

    def _start_evaluation(self, model, dataset, title, run_id, request) -> None:
        if self._runner.busy:
            self._pending = (model, dataset, title, run_id, request)  # run it when the current one ends
            # the corner speaks of what is shown next, not of the evaluation still finishing (another run's)
            self.status.setText(f"Next: {title} on {len(dataset.test_labels):,} test images (after the one "
                                "under way)…")
            return
        self._last_start = time.monotonic()
        self.status.setText(f"Evaluating on {len(dataset.test_labels):,} test images…")
        self._runner.submit(evaluate_model, getattr(model, "model", model), dataset, title,
                            on_result=lambda result: self._on_evaluated(
                                replace(result, run_id=run_id, moment=moment(model)), request),
                            on_error=self._on_error)

    def set_comparison(self, model, dataset: Dataset, title: str, run_id: str | None = None) -> None:
        """Evaluate ``model`` as B, to compare the selected model A with."""
        self.ensure_built()
        self.status.setText(f"Evaluating B ({title})…")
        self._reference_runner.submit(evaluate_model, getattr(model, "model", model), dataset, title,
                                      on_result=lambda result: self._on_reference(
                                          replace(result, run_id=run_id, moment=moment(model))),
                                      on_error=self._on_error)

    def keep_as_reference(self) -> None:
        """Model A, as it is now, becomes B (e.g. the run without augmentation)."""
        if self.current is not None:
            self._on_reference(self.current)

    def clear_comparison(self) -> None:
        self.reference = None
        if self.mode_box.currentData() == "difference":
            self.mode_box.setCurrentIndex(0)
        self._update_controls()
        self._draw()

    # --- what the app state selects (the one place that reads it) ---------------------------------------
    def refresh(self) -> None:
        self._follow_state()

    def _follow_state(self) -> None:
        run, replica = self.shown_run(), self.shown_replica()
        self._update_ticked_button()
        if replica is None:
            self._show_waiting()
            return
        if replica is self._shown_replica:
            return
        wait = MIN_SECONDS_BETWEEN - (time.monotonic() - self._last_start)
        if run.status.active and wait > 0 and self.current is not None:
            self._later.start(int(wait * 1000) + 50)  # training: the newest weights, a few seconds from now
            return
        self._with_dataset(run, lambda dataset: self._evaluate_shown(run, replica, dataset))

    def _evaluate_shown(self, run, replica, dataset) -> None:
        if self.shown_run() is not run:  # the selection moved on while the test set loaded
            return
        self._shown_replica = replica
        self.show_classifier(replica, dataset, replica_title(replica, dataset.title, run.name), run.id)

    def _show_waiting(self) -> None:
        """Nothing to evaluate: say what the tab waits for, draw no axes, drop work for what was shown."""
        self.waiting = True
        self._request += 1  # an evaluation still under way is no longer wanted
        self._wanted_run, self._pending, self._shown_replica, self.current = None, None, None, None
        self._later.stop()
        self._clear_cell()
        self.confusion.clear()
        self._show_results(False)
        self.status.setText("")
        self._update_waiting_caption()

    def _show_results(self, shown: bool) -> None:
        """The matrix, table and controls only with an evaluation to show: no empty axes."""
        self.controls.setVisible(shown)
        self.body.setVisible(shown)

    def _update_waiting_caption(self) -> None:
        self.summary.setText(waiting_caption(self.state.selected_run(), self.state.runs))

    def _on_run_changed(self, run_id: str, changes) -> None:
        """A run's status or name changed: the captions that describe it say so now."""
        if not self._built or not changes & {"status", "name", "snapshots"}:
            return
        if self.waiting:
            self._update_waiting_caption()
        elif run_id in {e.run_id for e in (self.current, self.reference) if e is not None}:
            self._update_controls()
            self._show_summary()

    def _on_runs_changed(self, *_args) -> None:
        if self._built and self.waiting:
            self._update_waiting_caption()

    def _with_dataset(self, run, then) -> None:
        """Call ``then(dataset)`` with ``run``'s own test set, loading it off the GUI thread first if needed."""
        options = dict(run.settings.get("dataset_options") or {})
        if not self.state.has_dataset(run.dataset, **options):
            self.status.setText(f"Loading the {run.dataset_title or run.dataset} test set…")
        self.state.load_dataset_async(run.dataset, then, self._on_error,
                                      lambda message, _f: self.status.setText(message), **options)

    # --- B: another run ---------------------------------------------------------------------------------
    def _ticked_run(self):
        """The first ticked classifier run that is not the one shown."""
        shown = self.shown_run()
        for run_id in sorted(self.state.ticked):
            run = self.state.run(run_id)
            if run is not None and run.classifies and run.snapshots and (shown is None or run.id != shown.id):
                return run
        return None

    def _update_ticked_button(self) -> None:
        if self._built:
            self.ticked_button.setEnabled(self._ticked_run() is not None)

    def compare_with_ticked_run(self) -> None:
        run = self._ticked_run()
        if run is None:
            return
        replica = self.state.replica(run.id)
        self._with_dataset(run, lambda dataset: self.set_comparison(
            replica, dataset, replica_title(replica, dataset.title, run.name), run.id))

    # --- results -------------------------------------------------------------------------------------
    def _on_evaluated(self, result: Evaluated, request: int) -> None:
        self.status.setText("")
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._start_evaluation(*pending)
        wanted = request == self._request or (result.run_id is not None and result.run_id == self._wanted_run)
        if not wanted or self.waiting:  # the selection moved on meanwhile: this result describes nothing shown
            return
        if self.current is None or (self.current.run_id, self.current.dataset.key) != \
                (result.run_id, result.dataset.key):
            self._clear_cell()  # another run: a cell picked on the last one says nothing about this one
        self.current = result
        self._show_results(True)
        self._update_controls()
        self._draw()

    def _clear_cell(self) -> None:
        self.cell = None
        self.cell_gallery.clear()
        self._show_cell_gallery(False)
        self.cell_heading.setText(CELL_HINT)

    def _on_reference(self, result: Evaluated) -> None:
        self.reference = result
        self.status.setText("")
        self._update_controls()
        self._draw()

    def _on_error(self, message: str) -> None:
        self.status.setText("")
        self.summary.setText(f"Could not evaluate: {message}")

    def _comparable(self) -> bool:
        a, b = self.current, self.reference
        return (a is not None and b is not None and a.dataset.key == b.dataset.key
                and len(a.dataset.test_labels) == len(b.dataset.test_labels))

    def _update_controls(self) -> None:
        comparable = self._comparable()
        if self.reference is None:
            self.reference_label.setText("B: none — keep this model as B, or open a checkpoint to compare")
        elif comparable:
            self.reference_label.setText(f"B: {self._title(self.reference)} · accuracy "
                                         f"{100 * self.reference.evaluation.accuracy:.2f}%")
        else:
            self.reference_label.setText(f"B ({self._title(self.reference)}) was tested on other data: "
                                         "not comparable")
        self.keep_button.setEnabled(self.current is not None)
        self.clear_button.setEnabled(self.reference is not None)
        difference = self.mode_box.model().item(list(MODES).index("difference"))
        difference.setEnabled(comparable)
        if not comparable and self.mode_box.currentData() == "difference":
            self.mode_box.setCurrentIndex(0)

    # --- drawing -------------------------------------------------------------------------------------
    def _title(self, evaluated: Evaluated) -> str:
        return evaluated_title(evaluated, self.state.run(evaluated.run_id))

    def _show_summary(self) -> None:
        """The header: A's title as its run is now, its accuracy, and B's when comparing."""
        if self.current is None:
            return
        a = self.current.evaluation
        b = self.reference.evaluation if self._comparable() else None
        accuracy = f"accuracy {100 * a.accuracy:.2f}%"
        if b is not None:
            accuracy += f" (B {100 * b.accuracy:.2f}%, {100 * (a.accuracy - b.accuracy):+.2f} points)"
        self.summary.setText(f"A: {self._title(self.current)} — {accuracy} on "
                             f"{len(a.predictions.labels):,} test images")

    def _draw(self) -> None:
        if self.current is None:
            return
        a = self.current.evaluation
        b = self.reference.evaluation if self._comparable() else None
        self._show_summary()
        mode = self.mode_box.currentData()
        self.confusion.set_matrix(a.report.confusion, a.classes, mode,
                                  b.report.confusion if b is not None else None)
        self.table.set_report(a.report, a.classes, b.report if b is not None else None)
        self.reliability.set_reliability(a.reliability, b.reliability if b is not None else None)
        self.mistakes_heading.setText(show_mistakes(self.mistakes_gallery, a, self.current.dataset.test_inputs))
        if self.cell is not None:
            self.show_cell(*self.cell)

    def show_cell(self, true_class: int, predicted_class: int) -> None:
        """Show the test images of confusion cell (true, predicted) in the gallery under the matrix."""
        if self.current is None or max(true_class, predicted_class) >= len(self.current.evaluation.classes):
            return
        self.cell = (true_class, predicted_class)
        self.confusion.select(true_class, predicted_class)
        self.cell_heading.setText(show_cell(self.cell_gallery, self.current.evaluation,
                                            self.current.dataset.test_inputs, true_class, predicted_class))
        self._show_cell_gallery(True)

    def _show_cell_gallery(self, shown: bool) -> None:
        """The gallery under the matrix takes room only while it has a cell's images to show."""
        if shown == self.cell_gallery.isVisibleTo(self):
            return
        self.cell_gallery.setVisible(shown)
        total = sum(self.left_splitter.sizes()) or 700
        self.left_splitter.setSizes([total * 2 // 3, total // 3] if shown else [total, 0])

    def _open_reference_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Compare with checkpoint", "", "resviz checkpoint (*.pt)")
        if path:
            self.compare_with_checkpoint(path)

    def compare_with_checkpoint(self, path: str) -> None:
        try:
            checkpoint = load_checkpoint(path)
            replica = ModelReplica.from_checkpoint(checkpoint)
            if not replica.classifies:
                raise CheckpointError(f"{path} holds {replica.name}, which does not classify.")
            dataset = self.state.dataset(replica.dataset, **dict(checkpoint.meta.get("dataset_options") or {}))
        except (CheckpointError, DatasetUnavailable) as error:
            QMessageBox.warning(self, "Cannot compare", str(error))
            return
        self.set_comparison(replica, dataset, replica_title(replica, dataset.title))
