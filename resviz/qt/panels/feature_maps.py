"""Feature maps: what every layer computes from the current digit, as the model is now.

For the current input (the digit drawn in Draw & classify, or a test digit picked
here) the activations of every layer are captured with forward hooks: after each
conv, after BatchNorm and ReLU, after pooling, and at each residual block's addition.
A layer's output is C channels of H x W; each channel is one image in the grid.
Clicking a channel shows it large beside the kernel that made it (the conv's weight
for that output channel: one k x k slice per input channel). Capture runs off the
GUI thread, only for the newest model and input, and only while the tab is shown.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...core.analysis.explain import fits
from ...core.analysis.features import Activation, capture_activations, kernel_of
from ...core.data import to_model_input
from ..background import BackgroundRunner, input_pool
from ..widgets.history_slider import HistorySlider
from ..widgets.image_grid import ImageGrid
from ..widgets.picture_view import PictureView
from .base import Panel, classifies_images

NO_MODEL = "No model yet: train one (Training tab) or open a checkpoint (File ▸ Open) to see its feature maps."
SIGNED_KINDS = {"conv", "bn", "residual add"}  # can be negative: diverging colours centred on zero
KIND_TEXT = {
    "conv": "convolution output", "bn": "after BatchNorm", "relu": "after ReLU",
    "pool": "after max-pooling", "residual add": "residual addition: branch + skip connection",
}


class FeatureMapsPanel(Panel):
    title = "Feature maps"
    description = ("What every layer computes from one digit: each small image is one channel. "
                   "Click a channel to see it large with the kernel that made it.")
    updated = Signal()  # new feature maps are on screen

    shows = classifies_images

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.records: list[Activation] = []
        self.channel: int | None = None
        self._records_step: int | None = None
        self._records_replica = None  # the replica the records came from (for its kernels)
        self._pending = False
        self._input: np.ndarray | None = None
        self._runner = BackgroundRunner(self, pool=input_pool())  # one stroke's jobs, one after the other
        self._test_runner = BackgroundRunner(self)
        self._rng = np.random.default_rng()
        self._own_input: tuple[np.ndarray, str] | None = None  # a test item for a model the drawing does not fit
        self._build()
        state.input_changed.connect(self.refresh_when_visible)
        self._check_shown_model()
        self.refresh_when_visible()  # hidden at birth: the first refresh comes with the first show

    # --- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.input_view = PictureView()
        self.input_view.setFixedSize(120, 120)
        self.input_label = QLabel(wordWrap=True)
        self.test_index = QSpinBox(minimum=0, maximum=9999)
        self.test_index.setToolTip("Index of a test-set digit")
        self.test_button = QPushButton("Show test digit")
        self.random_button = QPushButton("Random")
        picker = QGridLayout()
        picker.addWidget(self.input_view, 0, 0, 3, 1)
        picker.addWidget(self.input_label, 0, 1, 1, 2)
        picker.addWidget(self.test_index, 1, 1)
        picker.addWidget(self.test_button, 1, 2)
        picker.addWidget(self.random_button, 2, 1, 1, 2)
        input_box = QGroupBox("Input")
        input_box.setLayout(picker)
        self.layer_list = QListWidget()
        self.layer_list.setToolTip("Every captured layer in the order the digit passes through them (C×H×W)")
        left = QVBoxLayout()
        left.addWidget(input_box)
        left.addWidget(QLabel("Layers"))
        left.addWidget(self.layer_list, 1)
        left_widget = QWidget()
        left_widget.setLayout(left)

        self.heading = QLabel(wordWrap=True)  # a long layer name wraps: unwrapped it widened the window
        self.heading.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.shape_label = QLabel()
        self.shape_label.setStyleSheet("font-size: 22px; font-weight: bold; color: #1f6fbf;")
        self.per_channel = QCheckBox("scale each channel on its own")
        self.per_channel.setToolTip("Off: one colour scale for the layer, so strong and weak channels compare.")
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet("color: #b35900;")
        self.grid = ImageGrid(colorbar=True)
        self.grid.setMinimumSize(320, 320)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.shape_label)
        middle = QVBoxLayout()
        middle.addLayout(top)
        middle.addWidget(self.per_channel)
        middle.addWidget(self.message)
        middle.addWidget(self.grid, 1)
        middle_widget = QWidget()
        middle_widget.setLayout(middle)

        self.detail_heading = QLabel("Click a channel")
        self.detail_heading.setWordWrap(True)
        self.detail_heading.setStyleSheet("font-weight: bold;")
        self.channel_view = ImageGrid(colorbar=True)
        self.channel_view.setMinimumSize(220, 200)
        self.kernel_heading = QLabel(wordWrap=True)
        self.kernel_view = ImageGrid(colorbar=True)
        self.kernel_view.setMinimumSize(220, 200)
        right = QVBoxLayout()
        right.addWidget(self.detail_heading)
        right.addWidget(self.channel_view, 1)
        right.addWidget(self.kernel_heading)
        right.addWidget(self.kernel_view, 1)
        right_widget = QWidget()
        right_widget.setLayout(right)

        splitter = QSplitter()
        for widget in (left_widget, middle_widget, right_widget):
            splitter.addWidget(widget)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 700, 300])
        self.history = HistorySlider(self.state)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.history)

        self.layer_list.currentRowChanged.connect(lambda _row: self._show_layer())
        self.per_channel.toggled.connect(lambda _on: self._show_layer())
        self.grid.tile_clicked.connect(self.show_channel)
        self.test_button.clicked.connect(lambda: self.pick_test_digit(self.test_index.value()))
        self.random_button.clicked.connect(lambda: self.pick_test_digit(None))
        self._show_detail()

    # --- input -----------------------------------------------------------------------------------
    def pick_test_digit(self, index: int | None, only_if_no_input: bool = False) -> None:
        """Make test item ``index`` (None: a random one) of the shown run's dataset the input.

        For a digit model it becomes every panel's input (``state.set_input``); a model of
        other inputs (colour images, clothes) keeps it as this panel's own.
        only_if_no_input: a default, not a choice: if a fitting input arrives while the test
        set loads, that input stays.
        """
        run = self.shown_run()
        if run is None:
            return
        options = dict(run.settings.get("dataset_options") or {})
        self._test_runner.submit(
            self.state.dataset, run.dataset, **options,
            on_result=lambda data: self._use_test_digit(data, index, only_if_no_input),
            on_error=lambda message: self.message.setText(f"Could not load the test set: {message}"))

    def _use_test_digit(self, dataset, index: int | None, only_if_no_input: bool = False) -> None:
        replica = self.shown_replica()
        if replica is None or (only_if_no_input and fits(self._current_input(replica), replica.input_shape)):
            return
        count = len(dataset.test_inputs)
        index = int(self._rng.integers(count)) if index is None else min(index, count - 1)
        self.test_index.setMaximum(count - 1)
        self.test_index.setValue(index)
        label = dataset.classes[int(dataset.test_labels[index])]
        image = to_model_input(dataset.test_inputs[index:index + 1])[0].numpy()
        image = image[0] if image.shape[0] == 1 else image  # grey: [H, W], as drawings are
        source = f"test item #{index} of {dataset.title} (labelled '{label}')"
        if replica.takes_grey_digits:
            self.state.set_input(image, source)
        else:
            self._own_input = (image, source)
            self.refresh_when_visible()

    def _current_input(self, replica) -> np.ndarray | None:
        """The shared input when the model takes it, else this panel's own test item."""
        if fits(self.state.input_image, replica.input_shape):
            return self.state.input_image
        own = self._own_input
        return own[0] if own is not None and fits(own[0], replica.input_shape) else None

    # --- capture, off the GUI thread ---------------------------------------------------------------
    def refresh(self) -> None:
        replica = self.shown_replica()
        if replica is None:
            self.message.setText(NO_MODEL)
            return
        image = self._current_input(replica)
        if image is None:  # nothing drawn or picked that this model takes: start from a test item
            self.message.setText("Loading a test item… (or draw a digit in Draw & classify)")
            self.pick_test_digit(self.test_index.value(), only_if_no_input=True)
            return
        if self._runner.busy:
            self._pending = True
            return
        self._pending = False
        if image is self.state.input_image:
            source = self.state.input_source or "input"
        else:
            source = self._own_input[1]
        self._runner.submit(capture_activations, replica.model, image,
                            on_result=lambda records: self._on_records(records, image, source, replica),
                            on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.message.setText(f"Could not compute the feature maps: {message}")
        if self._pending:
            self.refresh()

    def _on_records(self, records: list[Activation], image: np.ndarray, source: str, replica) -> None:
        self.records, self._records_step, self._records_replica = records, replica.step, replica
        self._input = image
        self.input_view.set_picture(image)
        self.input_label.setText(f"The {source}" if source == "drawing" else source[0].upper() + source[1:])
        self.message.setText("")
        self._sync_layer_list()
        self._show_layer()
        self.updated.emit()
        if self._pending:
            self.refresh()

    def _sync_layer_list(self) -> None:
        texts = [f"{r.name}\n   {r.kind} · {r.shape_text}" for r in self.records]
        current = [self.layer_list.item(i).text() for i in range(self.layer_list.count())]
        if texts == current:
            return
        row = self.layer_list.currentRow()
        self.layer_list.blockSignals(True)
        self.layer_list.clear()
        for record, text in zip(self.records, texts):
            item = QListWidgetItem(text)
            item.setToolTip(f"{KIND_TEXT.get(record.kind, record.kind)}: {record.shape_text} (C×H×W)")
            self.layer_list.addItem(item)
        self.layer_list.setCurrentRow(row if 0 <= row < len(texts) else 0)
        self.layer_list.blockSignals(False)

    # --- drawing -------------------------------------------------------------------------------------
    def current_record(self) -> Activation | None:
        row = self.layer_list.currentRow()
        return self.records[row] if 0 <= row < len(self.records) else None

    def _show_layer(self) -> None:
        record = self.current_record()
        if record is None:
            return
        maps = record.array.reshape(-1, *record.array.shape[-2:])
        channels, height, width = maps.shape
        signed = record.kind in SIGNED_KINDS
        labels = [str(c) for c in range(channels)] if height >= 14 else None
        self.grid.set_images(maps, labels, colormap="diverging" if signed else "inferno", symmetric=signed,
                             per_tile=self.per_channel.isChecked(), columns=min(8, channels))
        self.heading.setText(f"{record.name} — {KIND_TEXT.get(record.kind, record.kind)}"
                             f" · model at step {self._records_step}")
        self.shape_label.setText(f"{channels}×{height}×{width}")
        self.shape_label.setToolTip(f"{channels} channels, each {height}×{width} (C×H×W)")
        if self.channel is not None and self.channel >= channels:
            self.channel = None
        self.grid.select(self.channel)
        self._show_detail()

    def show_channel(self, channel: int) -> None:
        """Show channel ``channel`` of the current layer large, with the kernel that made it."""
        self.channel = channel
        self.grid.select(channel)
        self._show_detail()

    def _show_detail(self) -> None:
        record = self.current_record()
        if record is None or self.channel is None:
            self.detail_heading.setText("Click a channel to see it large with the kernel that made it.")
            self.channel_view.setVisible(False)
            self.kernel_view.setVisible(False)
            self.kernel_heading.setText("")
            return
        maps = record.array.reshape(-1, *record.array.shape[-2:])
        channel_map = maps[self.channel]
        signed = record.kind in SIGNED_KINDS
        self.channel_view.setVisible(True)
        self.channel_view.set_images(channel_map, colormap="diverging" if signed else "inferno", symmetric=signed)
        self.detail_heading.setText(f"Channel {self.channel} of {record.name} "
                                    f"({channel_map.shape[0]}×{channel_map.shape[1]})")
        replica = self._records_replica
        if record.conv is None or replica is None:
            self.kernel_view.setVisible(False)
            self.kernel_heading.setText("No single kernel made this channel.")
            return
        kernel = kernel_of(replica.model, record.conv, self.channel)  # [in, k, k]
        how = {"conv": "", "residual add": " (after BatchNorm), plus the skip connection"}.get(
            record.kind, ", then the channel-by-channel layers after it")
        self.kernel_heading.setText(
            f"Made by kernel {self.channel} of {record.conv}{how}: {'×'.join(map(str, kernel.shape))} "
            f"(one {kernel.shape[1]}×{kernel.shape[2]} slice per input channel)")
        self.kernel_view.setVisible(True)
        self.kernel_view.set_images(kernel, colormap="diverging", symmetric=True)
