"""The MNIST-1D tab (seed 004, section 4.1): a 1-D CNN against a fully connected net of the same size.

One button trains both on MNIST-1D, side by side as two runs with one recipe. While
they train: both runs' train and test error per epoch on one plot (the book's figure
10.8: the MLP fits its training data faster but generalises far worse), the signals
with their labels, the CNN's learned kernels and the feature maps of a chosen signal
through its three conv layers. Kernels and feature maps come from the CNN run's replica
(the newest snapshot), so they change as it learns.

Which runs it shows: the selected run if it is an MNIST-1D CNN (or MLP), else the
newest one training (from its start, before it has weights: the status and the legend
say where each is), else the newest with weights; runs trained from the Training tab or
opened from a file count too. While the tab is on screen two warm training processes
wait, so both runs of the pair start training at once (core/process_run.py).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ....core import models
from ....core.analysis.conv1d import unit_placements
from ....core.analysis.features import capture_activations, conv_layers
from ....core.runs import Run
from ....core.trainer import TrainConfig
from ..base import Panel
from .error_curves import ErrorCurves
from .feature_maps_view import FeatureMapsView
from .kernels_view import KernelsView
from .run_state import legend_note, status_state
from .signals_view import SignalsView

CNN, MLP = "mnist1d-cnn", "mnist1d-mlp"
LABELS = {CNN: "CNN", MLP: "MLP"}
DATASET = "mnist1d"
REDRAW_MS = 100  # curves and maps redraw at most 10 times a second
INTRO = ("Seed 004, figure 10.8: a 1-D CNN (2,050 weights) and a fully connected net with the same hidden "
         "units (59,065 weights) learn MNIST-1D side by side. Press the button.")
ABOUT = ("The CNN: 3 conv layers of 15 channels, kernel 3, stride 2, valid padding (40 → 19 → 9 → 4 positions), "
         "then a linear layer to 10 digits. The MLP: hidden layers of 285, 135 and 60 units, the CNN's activations "
         "per layer. One recipe for both. The MLP fits its training signals sooner; the CNN, which treats every "
         "position alike, generalises far better (the book: ~17% against ~40% test error).")


def _splitter(orientation, *parts) -> QSplitter:
    """A splitter whose parts share its space in the given proportions (and keep them as it resizes)."""
    splitter = QSplitter(orientation)
    for index, (widget, share) in enumerate(parts):
        splitter.addWidget(widget)
        splitter.setStretchFactor(index, share)
    splitter.setSizes([1000 * share for _widget, share in parts])
    return splitter


def _wrapping_label(text: str, lines: int = 2, most: int = 3) -> QLabel:
    """A word-wrapped label between ``lines`` and ``most`` lines tall (the top bar stays compact)."""
    label = QLabel(text, wordWrap=True)
    line = label.fontMetrics().lineSpacing()
    label.setMinimumHeight(lines * line + 2)
    label.setMaximumHeight(most * line + 4)
    return label


def is_cnn(run: Run) -> bool:
    return run.model == CNN


def is_mlp(run: Run) -> bool:
    return run.model == MLP


class Mnist1DPanel(Panel):
    title = "MNIST-1D"
    description = ("Seed 004: a 1-D CNN and a fully connected net of the same size trained side by side on "
                   "MNIST-1D; train vs test error, the signals, the CNN's kernels and feature maps.")

    shows = is_cnn  # kernels and feature maps are the CNN's

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.test_inputs: np.ndarray | None = None  # [N, 40], once MNIST-1D is loaded
        self.test_labels: np.ndarray | None = None
        self._loading = False
        self._kernels_of: tuple | None = None  # (the CNN run, its replica) whose kernels are drawn, or said to come
        self._signal_key: tuple | None = None  # (models, signal) the feature maps and predictions are of
        self._redraw = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._redraw.timeout.connect(self.refresh_when_visible)
        self._build()
        state.run_changed.connect(self._on_run_changed)
        state.run_added.connect(lambda _id: self._schedule())
        state.run_removed.connect(lambda _id: self._schedule())
        state.selection_changed.connect(self._schedule)
        self._check_shown_model()
        self.refresh_when_visible()

    # --- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        recipe = models.spec(CNN).recipe(DATASET)
        self.train_button = QPushButton("Train CNN and MLP side by side")
        self.train_button.setStyleSheet("QPushButton { font-weight: bold; padding: 6px 14px; }")
        self.train_button.setToolTip(
            f"Two runs on MNIST-1D (4,000 train / 1,000 test signals) with one recipe: {recipe['optimizer'].upper()} "
            f"(momentum 0.9), peak lr {recipe['lr']} ({recipe.get('schedule', 'onecycle')}), batch "
            f"{recipe['batch_size']}, the epochs set here.")
        self.epochs = QSpinBox(minimum=1, maximum=500, value=int(recipe["epochs"]))
        self.epochs.setToolTip("Epochs for both runs (the recipe's: 50; the CNN keeps improving past 20).")
        self.stop_button = QPushButton("Stop both")
        self.stop_button.setToolTip("Stop the CNN and MLP runs this tab shows (their checkpoints are kept)")
        self.status = _wrapping_label(INTRO, most=4)  # at 900 px each run's line wraps to two: four in all
        self.status.setToolTip(ABOUT)
        self.status.setStyleSheet("color: #333;")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        top = QHBoxLayout()
        top.addWidget(self.train_button)
        top.addWidget(QLabel("epochs"))
        top.addWidget(self.epochs)
        top.addWidget(self.stop_button)
        top.addWidget(self.status, 1)

        self.curves = ErrorCurves()
        self.signals = SignalsView()
        self.kernels = KernelsView()
        self.feature_maps = FeatureMapsView()
        self.signal_index = QSpinBox(minimum=0, maximum=999)
        self.signal_index.setToolTip("Which test signal to send through the CNN (or click one on the left)")
        self.signal_text = _wrapping_label("")
        self.signal_text.setTextFormat(Qt.TextFormat.RichText)
        picker = QHBoxLayout()
        picker.addWidget(QLabel("<b>Inside the CNN</b> · test signal #"))
        picker.addWidget(self.signal_index)
        picker.addWidget(self.signal_text, 1)
        maps = QWidget()
        maps_layout = QVBoxLayout(maps)
        maps_layout.setContentsMargins(0, 0, 0, 0)
        maps_layout.addLayout(picker)
        maps_layout.addWidget(self.feature_maps, 1)
        self.kernels_heading = QLabel("The CNN's kernels (red +, blue −)")
        self.kernels_heading.setStyleSheet("font-weight: bold;")
        kernels = QWidget()
        kernels_layout = QVBoxLayout(kernels)
        kernels_layout.setContentsMargins(0, 0, 0, 0)
        kernels_layout.addWidget(self.kernels_heading)
        kernels_layout.addWidget(self.kernels, 1)

        left = _splitter(Qt.Orientation.Vertical, (self.curves, 1), (self.signals, 1))
        right = _splitter(Qt.Orientation.Vertical, (kernels, 2), (maps, 3))
        columns = _splitter(Qt.Orientation.Horizontal, (left, 1), (right, 1))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(columns, 1)

        self.train_button.clicked.connect(self.train_both)
        self.stop_button.clicked.connect(self.stop_both)
        self.signals.picked.connect(self.signal_index.setValue)
        self.signal_index.valueChanged.connect(self._on_signal_chosen)

    # --- the runs shown ---------------------------------------------------------------------------
    def _run(self, wanted) -> Run | None:
        """The selected run if ``wanted``, else the newest training one (weights or not), else ``run_for``'s."""
        selected = self.state.selected_run()
        if selected is not None and wanted(selected):
            return selected
        training = [run for run in self.state.runs if wanted(run) and run.status.active]
        return training[-1] if training else self.state.run_for(wanted)

    def cnn_run(self) -> Run | None:
        return self._run(is_cnn)

    def mlp_run(self) -> Run | None:
        return self._run(is_mlp)

    def shown_run(self) -> Run | None:
        """The kernels and feature maps are of the CNN the curves show (none yet while it loads)."""
        return self.cnn_run()

    def _shown_pair(self) -> list[tuple[str, Run]]:
        return [(LABELS[model], run) for model, run in ((CNN, self.cnn_run()), (MLP, self.mlp_run()))
                if run is not None]

    def train_both(self) -> tuple[Run, Run]:
        """The CNN and the MLP as two runs with one recipe, both starting now, as the button says."""
        configs = [TrainConfig.for_model(model, dataset=DATASET, epochs=self.epochs.value(), snapshot_every=10)
                   for model in (CNN, MLP)]
        # alongside even when other runs train (as the Depth lab's nets): figure 10.8 compares them as
        # they go, and a button that says 'side by side' must not leave them queued behind another run
        cnn = self.state.start_run(configs[0], alongside=True)
        mlp = self.state.start_run(configs[1], alongside=True)
        self._schedule()
        return cnn, mlp

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not any(run.status.active for _label, run in self._shown_pair()):
            self.state.workers.warm_up(2)  # a process each for the pair, torch imported before the click

    def stop_both(self) -> None:
        for _label, run in self._shown_pair():
            if run.status.active:
                self.state.stop(run.id)

    # --- updates ----------------------------------------------------------------------------------
    def _on_run_changed(self, run_id: str, changes) -> None:
        if any(run.id == run_id for _label, run in self._shown_pair()) and changes & {"curves", "status", "name"}:
            self._schedule()

    def _schedule(self) -> None:
        if not self._redraw.isActive():
            self._redraw.start()

    def on_shown_model_changed(self, *, newer_weights: bool = False) -> None:
        self._schedule()  # the pair's curves and status: one redraw a tick, whatever the reason

    def refresh(self) -> None:
        self._ensure_data()
        pair = self._shown_pair()
        self.curves.show_runs(pair, {label: legend_note(run, self.state.process_starting(run.id))
                                     for label, run in pair})
        self._show_status(pair)
        active = any(run.status.active for _label, run in pair)
        self.stop_button.setEnabled(active)
        self._show_cnn()

    def _show_status(self, pair: list[tuple[str, Run]]) -> None:
        if not pair:
            self.status.setText(INTRO)
            return
        self.status.setText("<br>".join(f"<b>{label}</b> {run.name}: "
                                        + status_state(run, self.state.process_starting(run.id))
                                        for label, run in pair))

    # --- the signals ------------------------------------------------------------------------------
    def _ensure_data(self) -> None:
        if self.test_inputs is not None or self._loading:
            return
        self._loading = True
        self.signal_text.setText("Building MNIST-1D (once, a few seconds)…")
        self.state.load_dataset_async(DATASET, self._on_data, self._on_data_error)

    def _on_data(self, data) -> None:
        self._loading = False
        self.test_inputs = data.test_inputs[:, 0].numpy()
        self.test_labels = data.test_labels.numpy()
        self.signal_index.setMaximum(len(self.test_labels) - 1)
        self.signals.set_data(self.test_inputs, self.test_labels)
        self.signals.show_chosen(self.signal_index.value())
        self._show_cnn()

    def _on_data_error(self, message: str) -> None:
        self._loading = False
        self.signal_text.setText(f"MNIST-1D is unavailable: {message}")

    def _on_signal_chosen(self, index: int) -> None:
        self.signals.show_chosen(index)
        self._show_cnn()

    def chosen_signal(self) -> tuple[np.ndarray, int] | None:
        if self.test_inputs is None:
            return None
        index = self.signal_index.value()
        return self.test_inputs[index], int(self.test_labels[index])

    # --- the CNN inside -----------------------------------------------------------------------------
    def _show_cnn(self) -> None:
        """Kernels when the CNN's weights changed; the picked signal's maps when they or the signal did."""
        cnn = self.cnn_run()
        replica = self.state.replica(cnn.id) if cnn else None
        kernels_of = (cnn.id if cnn else None, replica)
        if self._kernels_of is None or kernels_of[0] != self._kernels_of[0] or replica is not self._kernels_of[1]:
            self._kernels_of = kernels_of
            self._show_kernels(replica)
        others = tuple(id(self.state.replica(run.id)) for _label, run in self._shown_pair())
        key = (id(replica), others, self.signal_index.value(), self.test_inputs is not None)
        if key != self._signal_key:
            self._signal_key = key
            self._show_signal(replica)

    def _show_kernels(self, replica) -> None:
        if replica is None:
            self.kernels.show_layers([])  # not an earlier CNN's kernels under this one's name
            self.kernels_heading.setText("The CNN's kernels appear here with its first weights." if self._kernels_of[0]
                                         else "The CNN's kernels appear here once it trains (press the button above).")
            return
        convs = conv_layers(replica.model, dims=1)
        self.kernels.show_layers([(name, conv.weight.detach().numpy()) for name, conv in convs])
        self.kernels_heading.setText(f"The CNN's kernels at step {replica.step:,} (red +, blue −, "
                                     f"rows: output channels)")

    def _show_signal(self, replica) -> None:
        chosen = self.chosen_signal()
        if chosen is None:
            return
        signal, digit = chosen
        text = f"a “{digit}”."
        if replica is not None:
            convs = conv_layers(replica.model, dims=1)
            placements = unit_placements([(c.kernel_size[0], c.stride[0], c.padding[0], c.dilation[0])
                                          for _, c in convs])
            hidden = capture_activations(replica.model, signal, kinds=["relu"])
            maps = [(f"H{i + 1}", a.array, placement) for i, (a, placement) in enumerate(zip(hidden, placements))]
            self.feature_maps.show_maps(signal, maps)
            text += " " + self._predictions(signal)
        else:
            self.feature_maps.show_maps(signal, [])
        self.signal_text.setText(text)

    def _predictions(self, signal: np.ndarray) -> str:
        """What each shown model says about the signal, e.g. 'CNN: 3 (97%) · MLP: 5 (41%)'."""
        parts = []
        for label, run in self._shown_pair():
            replica = self.state.replica(run.id)
            if replica is None:
                continue
            probabilities = replica.predict_proba(signal)
            best = int(np.argmax(probabilities))
            parts.append(f"{label} says <b>{replica.classes[best]}</b> ({probabilities[best]:.0%})")
        return " · ".join(parts)
