"""The Training tab: choose a model and its settings, press Train, watch it learn."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
    QMessageBox, QProgressBar, QPushButton, QSpinBox, QSplitter, QStackedWidget, QVBoxLayout, QWidget,
)

from ...core import models
from ...core.data import dataset_names, dataset_spec
from ...core.devices import available_devices, resolve_device
from ...core.events import Done, Epoch, Failed, Loading, Started, Step
from ...core.objectives import objective_for
from ...core.trainer import TrainConfig
from ...commands.progress import format_seconds
from ..widgets.training_curves import TrainingCurves
from .base import Panel

SPEED_RUN_MODEL = "speedrun"  # resviz's fastest recipe (core/models/speedrun.py)

TIPS = {
    "model": "Which network to train. Hover the list for what each one is.",
    "dataset": "MNIST: handwritten digits. Fashion-MNIST: 28x28 photos of clothes, harder.",
    "device": "auto uses the GPU (CUDA) when there is one; the CPU otherwise.",
    "epochs": "One epoch = every training image seen once.",
    "batch": "Images per optimizer step. Larger batches: faster per image, fewer steps.",
    "lr": "Peak learning rate: how big each optimizer step is. Too high and the loss explodes.",
    "optimizer": "Adam adapts a step size per weight; SGD with momentum is the classic.",
    "schedule": "OneCycle warms the learning rate up, then anneals it to ~0: fast and stable.",
    "augment": "Randomly shift, rotate and zoom each training image a little: better test accuracy.",
    "subset": "Train on fewer images for a quick first look on a slow computer (the test set stays whole).",
}


class TrainingPanel(Panel):
    title = "Training"
    description = "Pick a model and settings, press Train, and watch the loss fall and accuracy rise."

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self._progress_text = ""
        self._loading = False
        self._build()
        state.event.connect(self._on_event)
        state.job_changed.connect(lambda _kind: self._update_buttons())
        state.checkpoint_opened.connect(self._on_checkpoint)
        self._on_model_changed()

    # --- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.model_box = QComboBox()
        for index, name in enumerate(models.names()):
            spec = models.spec(name)
            self.model_box.addItem(f"{name} — {spec.objective}", name)
            self.model_box.setItemData(index, spec.description, Qt.ItemDataRole.ToolTipRole)
        self.model_info = QLabel(wordWrap=True)
        self.model_info.setStyleSheet("color: #555;")
        self.dataset_box = QComboBox()
        for key in dataset_names():
            self.dataset_box.addItem(dataset_spec(key).title, key)
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

        form = QFormLayout()
        for label, widget, tip in [
            ("Model", self.model_box, "model"), ("", self.model_info, None),
            ("Dataset", self.dataset_box, "dataset"), ("Device", self.device_box, "device"),
            ("Epochs", self.epochs, "epochs"), ("Batch size", self.batch, "batch"),
            ("Learning rate", self.lr, "lr"), ("Optimizer", self.optimizer, "optimizer"),
            ("Schedule", self.schedule, "schedule"), ("", self.augment, "augment"),
            ("Training images", self.subset, "subset"),
        ]:
            if tip:
                widget.setToolTip(TIPS[tip])
            form.addRow(label, widget)
        settings = QGroupBox("Settings")
        settings.setLayout(form)

        self.train_button = QPushButton("Train")
        self.train_button.setToolTip("Start training (Ctrl+T)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause or resume (Ctrl+P)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop and save a checkpoint (Ctrl+.)")
        self.train_button.setStyleSheet("QPushButton { font-weight: bold; padding: 6px 16px; }")
        self.speed_run_button = QPushButton("Speed run")
        self.speed_run_button.setToolTip(
            "Train resviz's fastest MNIST recipe on all 60,000 digits (Ctrl+R): the 'speedrun' network, "
            "2 epochs of batch 512, Adam lr 0.01. It passes 99% test accuracy in about 7 s of training on a 2-core "
            "CPU; `resviz bench` times it against the public MNIST speed record on your machine.")
        buttons = QHBoxLayout()
        for button in (self.train_button, self.speed_run_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        self.progress = QProgressBar(textVisible=True)
        self.progress.setFormat("ready")
        self.progress_label = QLabel("Press Train to start.")
        self.run_info = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.run_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_info.setAlignment(Qt.AlignmentFlag.AlignTop)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(settings)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.progress_label)
        left_layout.addWidget(self.run_info, 1)
        left.setMinimumWidth(300)
        left.setMaximumWidth(420)

        self.curves = {"classifier": TrainingCurves(), "vae": TrainingCurves()}
        self.curves["vae"].reset("vae", _part_names("vae"))
        self.curve_stack = QStackedWidget()
        for widget in self.curves.values():
            self.curve_stack.addWidget(widget)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.curve_stack)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

        self.model_box.currentIndexChanged.connect(self._on_model_changed)
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

    @property
    def kind(self) -> str:
        return models.spec(self.model_name).objective

    def _on_model_changed(self) -> None:
        spec = models.spec(self.model_name)
        self.model_info.setText(spec.description)
        defaults = TrainConfig.for_model(self.model_name)
        self.epochs.setValue(defaults.epochs)
        self.batch.setValue(defaults.batch_size)
        self.lr.setValue(defaults.lr)
        self.optimizer.setCurrentText(defaults.optimizer)
        self.schedule.setCurrentText(defaults.schedule)
        self.augment.setChecked(defaults.augment)
        self.curve_stack.setCurrentWidget(self.curves[spec.objective])
        self._update_buttons()

    def config(self) -> TrainConfig:
        """The form as a TrainConfig; the GUI reports more often than the CLI."""
        device = self.device_box.currentText()
        on_gpu = resolve_device(device).type == "cuda"
        return TrainConfig.for_model(
            self.model_name, dataset=self.dataset_box.currentData(), device=device,
            epochs=self.epochs.value(), batch_size=self.batch.value(), lr=self.lr.value(),
            optimizer=self.optimizer.currentText(), schedule=self.schedule.currentText(),
            augment=self.augment.isChecked(), train_subset=self.subset.currentData(),
            log_every=10 if on_gpu else 2, snapshot_every=50 if on_gpu else 10,
        )

    # --- actions -----------------------------------------------------------------------------
    def start_training(self, config: TrainConfig | None = None) -> None:
        """Train with the form's settings; load (or download) the data first, with progress."""
        job = self.state.jobs.get(self.kind)
        if (job is not None and job.is_running()) or self._loading:
            return
        try:
            config = config if isinstance(config, TrainConfig) else self.config()
        except Exception as error:  # noqa: BLE001 — e.g. CUDA chosen on a machine without it
            QMessageBox.warning(self, "Cannot start training", str(error))
            return
        if self.state.has_dataset(config.dataset):
            self._launch(config)
            return
        self._loading = True
        self.train_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setFormat("loading data…")
        self.progress_label.setText(f"Loading {self.dataset_box.currentText()}…")
        self.state.load_dataset_async(
            config.dataset,
            on_done=lambda _data: self._launch(config),
            on_error=self._loading_failed,
            on_progress=self._loading_progress,
        )

    def speed_run(self) -> None:
        """Fill the form with the speed-run recipe (full MNIST, the model's defaults) and train."""
        job = self.state.jobs.get("classifier")
        if (job is not None and job.is_running()) or self._loading:
            return
        self.model_box.setCurrentIndex(self.model_box.findData(SPEED_RUN_MODEL))  # sets its defaults
        self.dataset_box.setCurrentIndex(self.dataset_box.findData("mnist"))
        self.subset.setCurrentIndex(self.subset.findData(None))
        self.start_training()

    def _loading_progress(self, message: str, fraction: float) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{fraction:.0%}")
        self.progress_label.setText(message)

    def _loading_failed(self, message: str) -> None:
        self._loading = False
        self.progress.setRange(0, 1)
        self.progress.setFormat("no data")
        self.progress_label.setText("The dataset could not be loaded.")
        self._update_buttons()
        QMessageBox.warning(self, "Cannot load the dataset", message.split(": ", 1)[-1])

    def _launch(self, config: TrainConfig) -> None:
        self._loading = False
        try:
            self.state.start_training(config)
        except Exception as error:  # noqa: BLE001 — shown to the person, not a traceback
            QMessageBox.warning(self, "Cannot start training", str(error))
            self._update_buttons()
            return
        self.progress.setRange(0, 0)
        self.progress.setFormat("starting…")
        self._update_buttons()

    def toggle_pause(self) -> None:
        job = self.state.jobs.get(self.kind)
        if job is None or not job.is_running():
            return
        if job.paused:
            job.resume()
            self.progress_label.setText(self._progress_text)
        else:
            job.pause()
            self.progress_label.setText("Paused. " + self._progress_text)
        self._update_buttons()

    def stop_training(self) -> None:
        job = self.state.jobs.get(self.kind)
        if job is not None and job.is_running():
            job.stop()
            self.progress_label.setText("Stopping and saving a checkpoint…")

    def _update_buttons(self) -> None:
        job = self.state.jobs.get(self.kind)
        running = job is not None and job.is_running()
        self.train_button.setEnabled(not running and not self._loading)
        classifier_job = self.state.jobs.get("classifier")
        self.speed_run_button.setEnabled(not self._loading
                                         and not (classifier_job is not None and classifier_job.is_running()))
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Resume" if running and job.paused else "Pause")
        for widget in (self.model_box, self.dataset_box, self.device_box, self.epochs, self.batch,
                       self.lr, self.optimizer, self.schedule, self.augment, self.subset):
            widget.setEnabled(not running or widget is self.model_box)

    # --- events ------------------------------------------------------------------------------
    def _on_event(self, kind: str, event) -> None:
        curves = self.curves[kind]
        shown = kind == self.kind
        if isinstance(event, Loading):
            if shown:
                self.progress_label.setText(event.message)
        elif isinstance(event, Started):
            curves.reset(kind, _part_names(kind))
            if shown:
                self.progress.setRange(0, event.total_steps)
                self.progress.setValue(0)
                self.run_info.setText(_run_html(event))
        elif isinstance(event, Step):
            curves.add_step(event)
            if shown:
                self.progress.setValue(event.step)
                self.progress.setFormat(f"{100 * event.step / event.total_steps:.0f}%")
                run = self.state.runs.get(kind)
                self._progress_text = (
                    f"Epoch {event.epoch}/{run.epochs if run else '?'} · step {event.step:,}/{event.total_steps:,} · "
                    f"{event.images_per_s:,.0f} img/s · ETA {format_seconds(event.eta_s)}")
                if not self.state.jobs[kind].paused:
                    self.progress_label.setText(self._progress_text)
        elif isinstance(event, Epoch):
            curves.add_epoch(event)
        elif isinstance(event, Done):
            if shown:
                self.progress.setRange(0, 1)
                self.progress.setValue(1)
                self.progress.setFormat("stopped" if event.stopped else "done")
                self.progress_label.setText(
                    f"{'Stopped' if event.stopped else 'Finished'} after {format_seconds(event.seconds)}. "
                    + _metrics_text(event.metrics))
                self.run_info.setText(self.run_info.text() + _done_html(event))
        elif isinstance(event, Failed):
            if shown:
                self.progress.setRange(0, 1)
                self.progress.setFormat("failed")
                self.progress_label.setText("Training failed.")
            QMessageBox.warning(self, "Training failed", event.message)
        self._update_buttons()

    def _on_checkpoint(self, checkpoint) -> None:
        meta = checkpoint.meta
        kind = models.spec(checkpoint.model_name).objective
        index = self.model_box.findData(checkpoint.model_name)
        job = self.state.jobs.get(kind)
        if index >= 0 and not (job and job.is_running()):
            self.model_box.setCurrentIndex(index)
            curves = self.curves[kind]
            curves.reset(kind, _part_names(kind))
            curves.load_history(meta.get("history", {}))
        config = meta.get("train_config", {})
        settings = ", ".join(f"{k} {config[k]}" for k in ("dataset", "epochs", "batch_size", "lr", "optimizer")
                             if k in config)
        self.run_info.setText(
            f"<b>Opened</b> {checkpoint.path.name}<br>{checkpoint.model_name} ({kind}), "
            f"epoch {meta.get('epoch', '?')}, step {meta.get('step', '?')}<br>{settings}<br>"
            f"{_metrics_text(meta.get('metrics', {}))}<br><small>resviz {meta.get('resviz_version', '?')}, "
            f"{meta.get('created', '')}</small>")
        self.progress_label.setText(f"Showing checkpoint {checkpoint.path.name}.")


def _part_names(kind: str) -> tuple[str, ...]:
    try:
        return objective_for(kind).part_names
    except KeyError:  # no model of this kind is installed
        return ()


def _metrics_text(metrics: dict) -> str:
    parts = []
    for key, value in metrics.items():
        if not isinstance(value, (int, float)) or math.isnan(value):
            continue
        label = key.removeprefix("test_").replace("_", " ")
        parts.append(f"test {label} {value:.2%}" if key.endswith("accuracy") else f"test {label} {value:.4g}")
    return ", ".join(parts)


def _run_html(event: Started) -> str:
    note = f"<p style='color:#b35900'><b>Note:</b> {event.data_note}</p>" if event.data_note else ""
    return (f"<b>{event.model}</b> · {event.parameters:,} parameters<br>"
            f"{event.dataset_title}: {event.train_size:,} train / {event.test_size:,} test images<br>"
            f"{event.device_name}{note}")


def _done_html(event: Done) -> str:
    saved = f"<br>Checkpoint: <code>{event.checkpoint}</code>" if event.checkpoint else ""
    return f"<p>{_metrics_text(event.metrics)}{saved}</p>"
