"""Filters: the kernels every convolution layer has learned, live while the model trains.

A conv layer's weight is [out, in, k, k]: one k x k kernel per (output, input)
channel pair. The first layer sees the image itself (in = 1), so its kernels are
directly the patterns it looks for: at the start of training they are noise, and
within a few hundred steps edge and stroke detectors form. Deeper kernels combine
the previous layer's channels; we show one input channel at a time, or each
kernel's mean over its inputs. Red is a positive weight, blue negative, white zero.
A first layer that sees a colour image (3 inputs: a ResNet-50's 64 kernels of 7x7x3)
is shown in colour, each kernel's three slices as its red, green and blue: grey is
zero, and a kernel that answers to red looks red (as AlexNet's and ResNet's are shown).

Beside the kernels, "What each channel wants to see" (``widgets/feature_vis_view.py``):
for the selected layer, the input each channel answers most strongly, found by gradient
ascent in the background and redrawn as training moves the weights.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...core.analysis.features import conv_layers
from ...core.analysis.unit_activation import LOGITS, visualisable_layers
from ...core.data import DatasetUnavailable
from ..widgets.combo_fit import fit_longest, shrinkable
from ..widgets.feature_vis_view import WAITING, FeatureVisView, Request
from ..widgets.history_slider import HistorySlider
from ..widgets.image_grid import ImageGrid
from .base import Panel, classifies_images

MEAN = -1  # the input-channel choice "mean over input channels"
COLOUR = -2  # the choice "the three inputs as one colour" (layers that see an RGB image)
NO_MODEL = "No model yet: train one (Training tab) or open a checkpoint (File ▸ Open) to see its filters."


def colour_kernels(weight: np.ndarray, per_kernel: bool = False) -> np.ndarray:
    """[out, 3, k, k] -> [out, k, k, 3] in [0, 1]: zero is mid-grey, the scale symmetric
    over the layer (or, ``per_kernel``, over each kernel), so colours compare."""
    axes = (1, 2, 3) if per_kernel else None
    limit = np.abs(weight).max(axis=axes, keepdims=per_kernel)
    limit = np.where(limit > 0, limit, 1.0)
    return np.moveaxis(0.5 + 0.5 * weight / limit, 1, -1).astype(np.float32)


def kernel_stack(weight: np.ndarray, input_channel: int = MEAN) -> np.ndarray:
    """[out, in, k, k] -> [out, k, k]: one input channel's kernels, or the mean over inputs."""
    if weight.shape[1] == 1:
        return weight[:, 0]
    if input_channel == MEAN:
        return weight.mean(axis=1)
    return weight[:, input_channel]


class FiltersPanel(Panel):
    title = "Filters"
    description = ("Every convolution layer's kernels (red positive, blue negative weights): "
                   "watch edge detectors form out of noise while the model trains.")

    shows = classifies_images

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self._layers: list[tuple[str, tuple[int, ...]]] = []
        self._kernels = np.zeros((0, 1, 1), np.float32)
        self._build()
        self._check_shown_model()
        self.refresh()

    def _build(self) -> None:
        self.layer_list = QListWidget()
        self.layer_list.setToolTip("The model's convolution layers, in the order the input meets them")
        self.heading = QLabel(wordWrap=True)  # long layer names must not widen the tab past a small window
        self.heading.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.channel_box = shrinkable(QComboBox())  # as wide as its longest entry (fit_longest), no wider
        self.channel_box.setToolTip("A deeper kernel has one k x k slice per input channel: pick one, "
                                    "or see their mean")
        self.per_kernel = QCheckBox("scale each kernel on its own")
        self.per_kernel.setToolTip("Off: one colour scale for the whole layer, so strengths compare. "
                                   "On: every kernel uses the full colour range, so weak ones show their shape.")
        self.grid = ImageGrid(colorbar=True)
        self.grid.setMinimumSize(260, 260)
        self.hover = QLabel(" ")
        self.hover.setStyleSheet("color: #555;")
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet("color: #b35900;")
        self.history = HistorySlider(self.state)
        self.wants = FeatureVisView()
        self._unit_layers: tuple[int, list] = (0, [])  # (id of the replica, its visualisable layers)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Input channel"))
        controls.addWidget(self.channel_box)
        controls.addWidget(self.per_kernel)
        controls.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addLayout(controls)
        right.addWidget(self.message)
        right.addWidget(self.grid, 1)
        right.addWidget(self.hover)
        right_widget = QWidget()
        right_widget.setLayout(right)
        splitter = QSplitter()
        splitter.addWidget(self.layer_list)
        splitter.addWidget(right_widget)
        splitter.addWidget(self.wants)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 1)
        splitter.setSizes([200, 560, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.history)

        self.layer_list.currentRowChanged.connect(self._on_layer_changed)
        self.channel_box.currentIndexChanged.connect(self.refresh)
        self.per_kernel.toggled.connect(self.refresh)
        self.grid.tile_hovered.connect(self._on_hover)
        self.wants.mode_changed.connect(self._request_pictures)

    # --- model -> list of layers -------------------------------------------------------------
    def _sync_layers(self, replica) -> None:
        layers = [(name, tuple(conv.weight.shape)) for name, conv in conv_layers(replica.model)]
        if layers == self._layers:
            return
        current = self.layer_list.currentRow()
        self._layers = layers
        self.layer_list.blockSignals(True)
        self.layer_list.clear()
        for name, shape in layers:
            item = QListWidgetItem(f"{name}\n   {'×'.join(map(str, shape))}")
            item.setToolTip(f"weight shape {shape}: {shape[0]} kernels of {shape[1]}×{shape[2]}×{shape[3]}")
            self.layer_list.addItem(item)
        self.layer_list.setCurrentRow(current if 0 <= current < len(layers) else 0)
        self.layer_list.blockSignals(False)
        self._sync_channel_box()

    def _on_layer_changed(self, _row: int) -> None:
        self._sync_channel_box()
        self.refresh()

    def _sync_channel_box(self) -> None:
        row = self.layer_list.currentRow()
        inputs = self._layers[row][1][1] if 0 <= row < len(self._layers) else 1
        wanted = [MEAN, *range(inputs)] if inputs > 1 else [0]
        if inputs == 3 and row == 0:  # the first layer of a colour model sees red, green and blue
            wanted = [COLOUR, *wanted]
        if [self.channel_box.itemData(i) for i in range(self.channel_box.count())] == wanted:
            return
        self.channel_box.blockSignals(True)
        self.channel_box.clear()
        if COLOUR in wanted:
            self.channel_box.addItem("colour: red, green, blue inputs", COLOUR)
        if inputs > 1:
            self.channel_box.addItem(f"mean over the {inputs} inputs", MEAN)
            for channel in range(inputs):
                self.channel_box.addItem(f"input channel {channel}", channel)
        else:
            self.channel_box.addItem("the image (1 channel)", 0)
        self.channel_box.setEnabled(inputs > 1)
        self.channel_box.blockSignals(False)
        fit_longest(self.channel_box)  # "mean over the 16 inputs" whole: the row gives way, not the text

    # --- drawing -------------------------------------------------------------------------------
    def refresh(self) -> None:
        replica = self.shown_replica()
        if replica is None or not conv_layers(replica.model):
            self.message.setText(NO_MODEL if replica is None else "This model has no convolution layers.")
            self.heading.setText("")
            self.grid.setVisible(False)
            self.wants.show_waiting(WAITING if replica is None else
                                    "This model has no convolution layers: no channels to draw.")
            return
        self._sync_layers(replica)
        row = max(self.layer_list.currentRow(), 0)
        name, shape = self._layers[row]
        weight = replica.model.get_submodule(name).weight.detach().cpu().float().numpy()
        channel = self.channel_box.currentData()
        channel = MEAN if channel is None else channel
        if channel == COLOUR:
            self._kernels = np.moveaxis(weight, 1, -1)
            self.grid.set_images(colour_kernels(weight, self.per_kernel.isChecked()))
        else:
            self._kernels = kernel_stack(weight, channel)
            self.grid.set_images(self._kernels, colormap="diverging", symmetric=True,
                                 per_tile=self.per_kernel.isChecked())
        self.grid.setVisible(True)
        self.message.setText("")
        out, inputs, kh, kw = shape
        which = ("" if inputs == 1 else " · in colour (grey is zero)" if channel == COLOUR else
                 " · mean over input channels" if channel == MEAN else f" · input channel {channel}")
        self.heading.setText(f"{name} — weight {out}×{inputs}×{kh}×{kw}: {out} kernels of "
                             f"{inputs}×{kh}×{kw}{which} · step {replica.step}")
        self._request_pictures()

    # --- what each channel wants to see ------------------------------------------------------
    def _request_pictures(self) -> None:
        """Ask the view for the selected layer's pictures (or the class logits'); it computes only while shown."""
        replica, run = self.shown_replica(), self.shown_run()
        if replica is None or run is None or not self._layers or not self.isVisible():
            return
        if self._unit_layers[0] != id(replica):
            self._unit_layers = (id(replica), visualisable_layers(replica.model, replica.input_shape))
        layers = self._unit_layers[1]
        if self.wants.wants_classes:
            layer = next((layer for layer in layers if layer.kind == LOGITS), None)
        else:
            name = self._layers[max(self.layer_list.currentRow(), 0)][0]
            layer = next((layer for layer in layers if layer.name == name), None)
        if layer is None:
            self.wants.show_waiting("This model has no class logits to draw." if self.wants.wants_classes else
                                    "This layer is not reached by the model's forward pass.")
            return
        key, options = run.dataset, dict(run.settings.get("dataset_options") or {})
        noun = "digit" if key == "mnist" else "image"
        settings = self.wants.settings()
        if run.status.active:  # a passing snapshot gets one climb per unit; the restarts wait for the run's end
            settings = replace(settings, retries=0)
        self.wants.request(Request(replica, layer, settings,
                                   lambda: self._test_inputs(key, options), noun))

    def _test_inputs(self, key: str, options: dict):
        """The run's test inputs, loaded once for the window (called off the GUI thread); None if unavailable."""
        try:
            return self.state.dataset(key, **options).test_inputs
        except DatasetUnavailable:
            return None

    def cancel_background_work(self) -> None:
        self.wants.cancel()

    def _on_hover(self, index: int) -> None:
        if not 0 <= index < len(self._kernels):
            self.hover.setText(" ")
            return
        kernel = self._kernels[index]
        self.hover.setText(f"kernel {index}: weights from {kernel.min():+.3f} to {kernel.max():+.3f}, "
                           f"mean {kernel.mean():+.3f}")

    def mosaic(self) -> np.ndarray | None:
        """What the grid shows (tests compare it between snapshots)."""
        return self.grid.mosaic() if self.shown_replica() is not None else None

