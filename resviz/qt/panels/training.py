"""The Training tab: set up a new run and train it; watch the selected run learn.

Left, "New run": the model and its settings (the model's own recipe, per dataset, is
filled in when a model is picked), Train and Speed run. Each press makes a new run:
it never takes over one that is training; when one is, the new run waits in a queue
(or, if chosen, trains alongside). Below, the selected run: Pause and Stop, progress,
what it is. Right: the selected run's curves, with every ticked run overlaid.
"""

from __future__ import annotations

import math
import os
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...core import models
from ...core.augment import Augmentation
from ...core.checkpoints import checkpoint_dir
from ...core.data import dataset_names, dataset_spec
from ...core.devices import available_devices, resolve_device
from ...core.durations import format_seconds
from ...core.objectives import objective_for
from ...core.runs import Run, RunStatus
from ...core.tensorboard_log import INSTALL_HINT, tensorboard_available
from ...core.trainer import TrainConfig
from ..follower import following_caption
from ..settings import Settings
from ..widgets.form_scroll import FormScrollArea
from ..widgets.form_section_toggle import FormSectionToggle
from ..widgets.runs_list import dataset_text
from ..widgets.training_curves import TrainingCurves
from .base import Panel

SPEED_RUN_MODEL = "speedrun"  # resviz's fastest recipe (core/models/speedrun.py)
SPEED_RUN_TIP = (
    "Train resviz's fastest MNIST recipe on all 60,000 digits (Ctrl+R): the 'speedrun' network, 2 epochs of batch "
    "512, Adam lr 0.01. On full MNIST it passes 99% test accuracy in about 7 s of training on a 2-core CPU "
    "(`resviz bench` times it against the public MNIST speed record). Offline, on the 5,000-digit fallback, it "
    "reaches only about 86–90%: there is too little data for 99%.")

TIPS = {
    "model": "Which network to train. Hover the list for what each one is.",
    "dataset": "MNIST: handwritten digits. Fashion-MNIST: 28x28 photos of clothes, harder.",
    "device": "auto uses the GPU (CUDA) when there is one; the CPU otherwise.",
    "epochs": "One epoch = every training image seen once.",
    "batch": "Images per optimizer step. Larger batches: faster per image, fewer steps.",
    "lr": "Peak learning rate: how big each optimizer step is. Too high and the loss explodes.",
    "optimizer": "Adam adapts a step size per weight; SGD with momentum is the classic.",
    "schedule": "OneCycle warms the learning rate up, then anneals it to ~0: fast and stable.",
    "augment": "Randomly change each training image a little (digits: shift, rotate, zoom; clothes: mirror, crop): "
               "the model sees more variety and tests better. The Augmentation tab shows each change.",
    "subset": "Train on fewer images for a quick first look on a slow computer (the test set stays whole).",
    "processes": "Train this run data-parallel in N processes (torch.distributed: gloo on CPUs, NCCL on GPUs, one "
                 "process per GPU). Each takes batch / N images per step and they average their gradients; it "
                 "shows as one run, read from the folder its first process writes. Such a run stops, it does not "
                 "pause. 1: one process, as usual.",
    "when_busy": "A small computer trains one run at a time best: queue new runs (they start when the "
                 "running one ends), or train them alongside (each then goes slower).",
}
SETTINGS = "training"  # the settings group
PAUSE_TIP = "Pause or resume the selected run (Ctrl+P)"
STOP_TIP = "Stop the selected run and save a checkpoint (Ctrl+.)"
ELSEWHERE_TIP = ("This run trains in another process, which writes {folder}; the window only follows it. "
                 "Pause or stop it where it runs (Ctrl-C there stops it with a checkpoint).")


class TrainingPanel(Panel):
    title = "Training"
    description = "Pick a model and settings, press Train, and watch the loss fall and accuracy rise."

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self._progress_text = ""
        self._build()
        state.selection_changed.connect(self._on_selection)
        state.run_changed.connect(self._on_run_changed)
        state.run_removed.connect(lambda _id: self._on_selection())
        state.run_added.connect(lambda _id: self._on_selection())
        self._on_model_changed()
        self._on_selection()

    # --- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.model_box = QComboBox()
        # as narrow as 22 characters when the form is narrow; the open list still shows whole names
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_box.setMinimumContentsLength(22)
        for index, name in enumerate(models.names()):
            spec = models.spec(name)
            self.model_box.addItem(spec.label, name)
            self.model_box.setItemData(index, spec.description, Qt.ItemDataRole.ToolTipRole)
        self.model_info = QLabel(wordWrap=True)
        self.model_info.setStyleSheet("color: #555;")
        self.dataset_box = QComboBox()
        for key in dataset_names():
            spec = dataset_spec(key)
            if spec.input_shape is not None:  # datasets a form can pick (an image folder has its own tab)
                self.dataset_box.addItem(spec.title, key)
                self.dataset_box.setItemData(self.dataset_box.count() - 1, spec.description,
                                             Qt.ItemDataRole.ToolTipRole)
        self.device_box = QComboBox()
        self.device_box.addItems(available_devices())
        self.epochs = QSpinBox(minimum=1, maximum=500)
        self.batch = QSpinBox(minimum=8, maximum=8192, singleStep=32)
        self.lr = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=1.0, singleStep=1e-4)
        self.optimizer = QComboBox()
        self.optimizer.addItems(["adam", "adamw", "sgd"])
        self.schedule = QComboBox()
        self.schedule.addItems(["onecycle", "constant"])
        self.augment = QCheckBox("augment (shift / rotate / zoom)")
        self.subset = QComboBox()
        for label, count in [("all", None), ("10,000 (quick)", 10_000), ("2,000 (a first look)", 2_000)]:
            self.subset.addItem(label, count)
        self.tensorboard = QCheckBox("log to TensorBoard")
        self.tensorboard_folder = str(checkpoint_dir().parent / "tensorboard")
        if tensorboard_available():
            self.tensorboard.setToolTip(f"Also write the run's curves for TensorBoard into {self.tensorboard_folder}; "
                                        f"then: tensorboard --logdir {self.tensorboard_folder}")
        else:
            self.tensorboard.setEnabled(False)
            self.tensorboard.setToolTip(INSTALL_HINT)
        self.when_busy = QComboBox()
        self.when_busy.addItem("queue it", False)
        self.when_busy.addItem("train alongside", True)
        if self.state.parallel_runs > 1:
            self.when_busy.setCurrentIndex(1)

        self.processes = QSpinBox(minimum=1, maximum=max(1, os.cpu_count() or 1))
        self.processes.setSuffix(" process")
        self.processes.valueChanged.connect(lambda n: self.processes.setSuffix(" process" if n == 1 else " processes"))

        form = QFormLayout()
        for label, widget, tip in [
            ("Model", self.model_box, "model"), ("", self.model_info, None),
            ("Dataset", self.dataset_box, "dataset"), ("Device", self.device_box, "device"),
            ("Epochs", self.epochs, "epochs"), ("Batch size", self.batch, "batch"),
            ("Learning rate", self.lr, "lr"), ("", self.augment, "augment"),
        ]:
            if tip:
                widget.setToolTip(TIPS[tip])
            form.addRow(label, widget)
        # settings a recipe or a habit fixes, out of sight until asked for: the form fits 1280x820 unscrolled
        self.more_settings = FormSectionToggle(form)
        for label, widget, tip in [
            ("Optimizer", self.optimizer, "optimizer"), ("Schedule", self.schedule, "schedule"),
            ("Training images", self.subset, "subset"), ("", self.tensorboard, None),
            ("If one is training", self.when_busy, "when_busy"), ("Processes", self.processes, "processes"),
        ]:
            if tip:
                widget.setToolTip(TIPS[tip])
            self.more_settings.add_row(label, widget)
        for changed in (self.optimizer.currentIndexChanged, self.schedule.currentIndexChanged,
                        self.subset.currentIndexChanged, self.tensorboard.toggled,
                        self.when_busy.currentIndexChanged, self.processes.valueChanged):
            changed.connect(self._summarise_more_settings)
        self._summarise_more_settings()
        self.train_button = QPushButton("Train")
        self.train_button.setToolTip("Train a new run with these settings (Ctrl+T)")
        self.train_button.setStyleSheet("QPushButton { font-weight: bold; padding: 6px 16px; }")
        self.speed_run_button = QPushButton("Speed run")
        self.speed_run_button.setToolTip(SPEED_RUN_TIP)
        start_buttons = QHBoxLayout()
        start_buttons.addWidget(self.train_button)
        start_buttons.addWidget(self.speed_run_button)
        form.addRow(start_buttons)
        new_run = QGroupBox("New run")
        new_run.setLayout(form)

        self.run_box = QGroupBox("Selected run")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip(PAUSE_TIP)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip(STOP_TIP)
        run_buttons = QHBoxLayout()
        run_buttons.addWidget(self.pause_button)
        run_buttons.addWidget(self.stop_button)
        self.progress = QProgressBar(textVisible=True)
        self.progress.setFormat("ready")
        self.progress_label = QLabel("Press Train to start.", wordWrap=True)
        self.run_info = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.run_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_info.setAlignment(Qt.AlignmentFlag.AlignTop)
        run_layout = QVBoxLayout(self.run_box)
        run_layout.addLayout(run_buttons)
        run_layout.addWidget(self.progress)
        run_layout.addWidget(self.progress_label)
        run_layout.addWidget(self.run_info, 1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 4, 0)
        self._left_layout = left_layout  # the window puts the missing-MNIST banner on top (show_banner)
        left_layout.addWidget(new_run)
        left_layout.addWidget(self.run_box, 1)
        scroll = FormScrollArea(left)  # a small window scrolls the form instead of squeezing it
        scroll.setMaximumWidth(430)

        self.curves = TrainingCurves()
        splitter = QSplitter()
        splitter.addWidget(scroll)
        splitter.addWidget(self.curves)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

        self.model_box.currentIndexChanged.connect(self._on_model_changed)
        self.dataset_box.currentIndexChanged.connect(self._on_model_changed)
        self.train_button.clicked.connect(self.start_training)
        self.speed_run_button.clicked.connect(self.speed_run)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop_training)
        QShortcut(QKeySequence("Ctrl+T"), self, self.start_training)
        QShortcut(QKeySequence("Ctrl+R"), self, self.speed_run)
        QShortcut(QKeySequence("Ctrl+P"), self, self.toggle_pause)
        QShortcut(QKeySequence("Ctrl+."), self, self.stop_training)

    # --- the form ------------------------------------------------------------------------
    @property
    def model_name(self) -> str:
        return self.model_box.currentData()

    def _on_model_changed(self) -> None:
        """Fill in the picked model's recipe for the picked dataset."""
        spec = models.spec(self.model_name)
        self.model_info.setText(spec.description)
        self.curves.expect(objective_for(spec.objective))
        defaults = TrainConfig.for_model(self.model_name, dataset=self.dataset_box.currentData())
        self.epochs.setValue(defaults.epochs)
        self.batch.setValue(defaults.batch_size)
        self.lr.setValue(defaults.lr)
        self.optimizer.setCurrentText(defaults.optimizer)
        self.schedule.setCurrentText(defaults.schedule)
        self._recipe = defaults
        self.augment.setChecked(defaults.augments)
        names = Augmentation(**defaults.augmentation).active if defaults.augmentation else ("shift", "rotate", "zoom")
        self.augment.setText(f"augment ({' / '.join(names)})")

    def _summarise_more_settings(self, *_) -> None:
        """What the "More settings" rows hold, said under their header while they are hidden."""
        images = self.subset.currentData()
        processes = self.processes.value()
        parts = [self.optimizer.currentText(), f"{self.schedule.currentText()} schedule",
                 f"{images:,} training images" if images else "all training images",
                 "trains alongside a running one" if self.when_busy.currentData() else "queued behind a running one",
                 f"{processes} process" if processes == 1 else f"{processes} processes"]
        if self.tensorboard.isChecked():
            parts.append("logged to TensorBoard")
        self.more_settings.set_summary(" · ".join(parts))

    def config(self) -> TrainConfig:
        """The form as a TrainConfig; the GUI reports more often than the CLI."""
        device = self.device_box.currentText()
        on_gpu = resolve_device(device).type == "cuda"
        return TrainConfig.for_model(
            self.model_name, dataset=self.dataset_box.currentData(), device=device,
            epochs=self.epochs.value(), batch_size=self.batch.value(), lr=self.lr.value(),
            optimizer=self.optimizer.currentText(), schedule=self.schedule.currentText(),
            **self._augmentation(), train_subset=self.subset.currentData(),
            log_every=10 if on_gpu else 2, snapshot_every=50 if on_gpu else 10,
        )

    def _augmentation(self) -> dict:
        """The recipe's own augmentation when ticked (mirror and crops for clothes), else none."""
        if not self.augment.isChecked():
            return dict(augment=False, augmentation=None)
        if self._recipe.augmentation:
            return dict(augment=False, augmentation=dict(self._recipe.augmentation))
        return dict(augment=True, augmentation=None)

    def save_settings(self, settings: Settings) -> None:
        settings.beginGroup(SETTINGS)
        for key, value in (("model", self.model_name), ("dataset", self.dataset_box.currentData()),
                           ("device", self.device_box.currentText()), ("epochs", self.epochs.value()),
                           ("batch", self.batch.value()), ("lr", self.lr.value()),
                           ("optimizer", self.optimizer.currentText()), ("schedule", self.schedule.currentText()),
                           ("augment", self.augment.isChecked()), ("subset", self.subset.currentIndex()),
                           ("tensorboard", self.tensorboard.isChecked() and self.tensorboard.isEnabled()),
                           ("when_busy", self.when_busy.currentIndex()), ("processes", self.processes.value()),
                           ("more_settings", self.more_settings.is_open())):
            settings.setValue(key, value)
        settings.endGroup()

    def show_banner(self, banner: QWidget) -> None:
        """A banner above the form (the window's "MNIST is missing" one): where a new run is set up."""
        self._left_layout.insertWidget(0, banner)

    def restore_settings(self, settings: Settings) -> None:
        """The last launch's form; values that no longer fit (an unknown model, a bad number) are skipped,
        numbers out of a box's range are clamped to it."""
        settings.beginGroup(SETTINGS)
        try:
            for box, key in ((self.model_box, "model"), (self.dataset_box, "dataset")):
                index = box.findData(settings.text(key))
                if index >= 0:
                    box.setCurrentIndex(index)  # fills in that model's recipe first
            device = self.device_box.findText(settings.text("device") or "auto")
            self.device_box.setCurrentIndex(max(device, 0))
            for spin, key in ((self.epochs, "epochs"), (self.batch, "batch"), (self.processes, "processes")):
                value = settings.integer(key, spin.minimum(), spin.maximum())  # a C int: clamp before setValue
                if value is not None:
                    spin.setValue(value)
            lr = settings.number("lr", self.lr.minimum(), self.lr.maximum())
            if lr is not None:
                self.lr.setValue(lr)
            for box, key in ((self.optimizer, "optimizer"), (self.schedule, "schedule")):
                text = settings.text(key)
                if text is not None and box.findText(text) >= 0:
                    box.setCurrentText(text)
            for box, key in ((self.augment, "augment"), (self.tensorboard, "tensorboard")):
                checked = settings.flag(key)
                if checked is not None and box.isEnabled():
                    box.setChecked(checked)
            self.more_settings.set_open(bool(settings.flag("more_settings")))  # open if it was left open
            for box, key in ((self.subset, "subset"), (self.when_busy, "when_busy")):
                index = settings.integer(key, -1, box.count())
                if index is not None and 0 <= index < box.count():
                    box.setCurrentIndex(index)
        finally:
            settings.endGroup()

    # --- actions -----------------------------------------------------------------------------
    def start_training(self, config: TrainConfig | None = None) -> Run | None:
        """A new run with the form's settings: started now, or queued behind a training run."""
        try:
            config = config if isinstance(config, TrainConfig) else self.config()
            return self.state.start_run(config, alongside=bool(self.when_busy.currentData()),
                                        processes=self.processes.value(),
                                        tensorboard=self.tensorboard_folder if self.tensorboard.isChecked() else None)
        except Exception as error:  # noqa: BLE001 — e.g. CUDA chosen on a machine without it
            QMessageBox.warning(self, "Cannot start training", str(error))
            return None

    def speed_run(self) -> Run | None:
        """Fill the form with the speed-run recipe (full MNIST, the model's defaults) and train it."""
        self.model_box.setCurrentIndex(self.model_box.findData(SPEED_RUN_MODEL))  # sets its defaults
        self.dataset_box.setCurrentIndex(self.dataset_box.findData("mnist"))
        self.subset.setCurrentIndex(self.subset.findData(None))
        return self.start_training()

    def toggle_pause(self) -> None:
        run = self.state.selected_run()
        if run is not None and self.state.can_pause(run.id):
            self.state.pause(run.id, run.status != RunStatus.PAUSED)

    def stop_training(self) -> None:
        run = self.state.selected_run()
        if run is not None and run.status.active and run.following is None:
            self.state.stop(run.id)
            if self.state.job(run.id) is not None:
                self.progress_label.setText("Stopping and saving a checkpoint…")

    # --- the selected run --------------------------------------------------------------------
    def _on_selection(self) -> None:
        run = self.state.selected_run()
        others = [self.state.run(i) for i in sorted(self.state.ticked) if self.state.run(i) is not None]
        self.curves.show_runs(run, others)
        self._show_run(run)

    def _on_run_changed(self, run_id: str, changes) -> None:
        if run_id == self.state.selected_id or run_id in self.state.ticked:
            if "curves" in changes or "name" in changes or "info" in changes:
                self._on_selection() if changes & {"name", "info"} else self.curves.mark_dirty()
        if run_id == self.state.selected_id:
            self._show_run(self.state.selected_run())

    def _show_run(self, run: Run | None) -> None:
        active = run is not None and self.state.job(run.id) is not None
        elsewhere = run is not None and run.following is not None  # another process trains it
        self.pause_button.setEnabled(active and self.state.can_pause(run.id))
        self.stop_button.setEnabled(run is not None and run.status.active and not elsewhere)
        self.pause_button.setText("Resume" if run is not None and run.status == RunStatus.PAUSED else "Pause")
        for button, tip in ((self.pause_button, PAUSE_TIP), (self.stop_button, STOP_TIP)):
            button.setToolTip(ELSEWHERE_TIP.format(folder=run.following.folder) if elsewhere else tip)
        if run is None:
            self.run_box.setTitle("Selected run")
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress.setFormat("ready")
            self.progress_label.setText("Press Train to start.")
            self.run_info.setText("")
            return
        self.run_box.setTitle(f"Selected run: {run.name}")
        self._show_progress(run)
        self.run_info.setText(run_html(run))

    def _show_progress(self, run: Run) -> None:
        status, step = run.status, run.progress
        if status == RunStatus.QUEUED:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress.setFormat("queued")
            self.progress_label.setText(run.message or "Waiting for the running run to end.")
        elif status.active and step is None:
            self.progress.setRange(0, 0)  # busy: loading data, building the model
            self.progress.setFormat("starting…")
            self.progress_label.setText(run.loading or "Starting…")
        elif status.active:
            self.progress.setRange(0, step.total_steps)
            self.progress.setValue(step.step)
            self.progress.setFormat(f"{100 * step.step / step.total_steps:.0f}%")
            epochs = run.started.epochs if run.started else "?"
            self._progress_text = (
                f"Epoch {step.epoch}/{epochs} · step {step.step:,}/{step.total_steps:,} · "
                f"{step.images_per_s:,.0f} img/s · ETA {format_seconds(step.eta_s)}")
            paused = "Paused. " if status == RunStatus.PAUSED else ""
            self.progress_label.setText(paused + self._progress_text)
        else:
            self.progress.setRange(0, 1)
            self.progress.setValue(1 if status in (RunStatus.DONE, RunStatus.OPENED) else 0)
            self.progress.setFormat(status.value)
            self.progress_label.setText(_ending_text(run))


def _ending_text(run: Run) -> str:
    if run.status == RunStatus.FAILED:
        return "Training failed: " + (run.message or "see the log.")
    if run.status == RunStatus.OPENED:
        return f"Opened from {breakable(run.source)}."
    verb = "Stopped" if run.status == RunStatus.STOPPED else "Finished"
    return f"{verb} after {format_seconds(run.seconds)}. {metrics_text(run.metrics)}"


def metrics_text(metrics: dict) -> str:
    parts = []
    for key, value in metrics.items():
        if not isinstance(value, (int, float)) or math.isnan(value):
            continue
        label = key.replace("_", " ")  # "test accuracy", "train accuracy", ...
        parts.append(f"{label} {value:.2%}" if key.endswith("accuracy") else f"{label} {value:.4g}")
    return ", ".join(parts)


def run_html(run: Run) -> str:
    """What the selected run is: model, data, settings, device, note, checkpoint."""
    lines = [f"<b>{escape(run.spec.label)}</b>"]
    started = run.started
    if started is not None:
        frozen = f", {started.frozen_parameters:,} frozen" if started.frozen_parameters else ""
        lines.append(f"{started.parameters:,} parameters{frozen}")
        lines.append(f"{started.dataset_title}: {started.train_size:,} train / {started.test_size:,} test")
        processes = f" · {started.world_size} processes, {started.batch_size} images each a step" \
            if started.world_size > 1 else ""
        lines.append(escape(started.device_name) + processes)
    elif run.dataset:
        lines.append(escape(dataset_text(run)))
    settings = run.settings
    shown = ", ".join(f"{k.replace('_', ' ')} {settings[k]}" for k in ("epochs", "batch_size", "lr", "optimizer")
                      if k in settings)
    if shown:
        lines.append(f"<small>{shown}</small>")
    html = "<br>".join(lines)
    if run.following is not None:
        colour = "#b35900" if run.following.stalled else "#1f6fbf"
        html = f"<p style='color:{colour}'>{breakable(escape(following_caption(run.following)))}</p>" + html
    if run.data_note:
        html += f"<p style='color:#b35900'><b>Note:</b> {run.data_note}</p>"
    if run.checkpoint:
        html += f"<p>Checkpoint: <code>{breakable(escape(str(run.checkpoint)))}</code></p>"
    if run.message and run.status not in (RunStatus.QUEUED,):
        html += f"<p style='color:#b35900'>{breakable(run.message)}</p>"
    return html


def breakable(text) -> str:
    """``text`` with a zero-width space after each slash: a long path wraps in a narrow form
    instead of widening it."""
    return str(text).replace("/", "/\u200b")
