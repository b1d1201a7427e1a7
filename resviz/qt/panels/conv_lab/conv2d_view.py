"""The lab's 2-D view: input and kernel -> padding/stride/dilation -> feature map -> ReLU -> pool -> flatten.

Everything is recomputed on the GUI thread at every control change: numpy on a 28x28
image takes well under a millisecond, so dragging stays smooth. The step-through only
moves overlays and redraws one small table.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ....core.analysis import convolution as conv
from ...widgets.wrapped_label import WrappedLabel
from .image_card import ImageCard
from .input_picker import InputPicker
from .kernel_picker import KernelPicker
from .overlay import RectOverlay, ValueLabels
from .pipeline import POOL_MODES, PipelineResult, PoolSettings, run_pipeline
from .step_through import StepControls, WindowProductsView
from .tips import TIPS

PADDING_CHOICES = [("valid (p = 0)", "valid"), ("same", "same")] + [(f"p = {p}", p) for p in (1, 2, 3, 4)]


class Conv2dView(QWidget):
    """Emits ``computed`` after every recompute (the resampling view follows the feature map)."""

    computed = Signal()

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.result: PipelineResult | None = None
        self.inputs = InputPicker(state)
        self.kernels = KernelPicker(state)
        self._build_controls()
        self._build_views()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._controls_area())
        layout.addLayout(self._views_layout(), 1)
        self.current_window: conv.ConvWindow | None = None
        self._last_source = None
        self._jump_to_peak = True
        self.inputs.changed.connect(self._on_input_changed)
        self.kernels.changed.connect(self._on_kernel_changed)
        for signal in (self.padding_box.currentIndexChanged, self.stride.valueChanged,
                       self.dilation.valueChanged):
            signal.connect(self._on_kernel_changed)  # new windows: start again at the strongest
        for signal in (self.relu.toggled,
                       self.pool_type.currentIndexChanged, self.pool_size.valueChanged,
                       self.pool_stride.valueChanged, self.adaptive_out.valueChanged):
            signal.connect(self.recompute)
        self.steps.step_changed.connect(self.show_step)
        self.recompute()

    # --- controls ------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.padding_box = QComboBox()
        for text, value in PADDING_CHOICES:
            self.padding_box.addItem(text, value)
        self.padding_box.setToolTip(TIPS["padding"])
        self.stride = QSpinBox(minimum=1, maximum=4)
        self.stride.setToolTip(TIPS["stride"])
        self.dilation = QSpinBox(minimum=1, maximum=3)
        self.dilation.setToolTip(TIPS["dilation"])
        self.relu = QCheckBox("ReLU: max(0, x)", checked=True)
        self.relu.setToolTip(TIPS["relu"])
        self.pool_type = QComboBox()
        self.pool_type.addItems(list(POOL_MODES))
        self.pool_type.setToolTip(TIPS["pool_type"])
        self.pool_size = QSpinBox(minimum=1, maximum=4, value=2)
        self.pool_size.setToolTip(TIPS["pool_size"])
        self.pool_stride = QSpinBox(minimum=1, maximum=4, value=2)
        self.pool_stride.setToolTip(TIPS["pool_stride"])
        self.adaptive_out = QSpinBox(minimum=1, maximum=14, value=7)
        self.adaptive_out.setToolTip(TIPS["adaptive_out"])
        self.pool_type.currentIndexChanged.connect(self._update_pool_controls)
        self._update_pool_controls()

    def _controls_area(self) -> QScrollArea:
        input_box = _group("1 · Input", self.inputs)
        kernel_box = _group("2 · Kernel (filter)", self.kernels)
        geometry = QFormLayout()
        geometry.addRow("Padding", self.padding_box)
        geometry.addRow("Stride s", self.stride)
        geometry.addRow("Dilation d", self.dilation)
        geometry_box = QGroupBox("3 · Padding, stride, dilation")
        geometry_box.setLayout(geometry)
        pooling = QFormLayout()
        pooling.addRow(self.relu)
        pooling.addRow("Pooling", self.pool_type)
        pooling.addRow("Window F", self.pool_size)
        pooling.addRow("Stride S", self.pool_stride)
        pooling.addRow("Output size", self.adaptive_out)
        pooling_box = QGroupBox("5 · ReLU, pooling, flattening")
        pooling_box.setLayout(pooling)
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(2, 2, 2, 2)
        for box in (input_box, kernel_box, geometry_box, pooling_box):
            layout.addWidget(box)
        layout.addStretch(1)
        area = QScrollArea()
        area.setWidget(column)
        area.setWidgetResizable(True)
        area.setMinimumWidth(290)
        area.setMaximumWidth(400)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return area

    def _on_input_changed(self) -> None:
        example, source = self.inputs.example, self.inputs.source
        if example is not None and source != self._last_source:
            # a seed's example comes with the kernel and padding the seed uses on it
            self._last_source = source
            self.padding_box.blockSignals(True)
            self.padding_box.setCurrentIndex(self.padding_box.findData(example.padding))
            self.padding_box.blockSignals(False)
            self.kernels.blockSignals(True)
            self.kernels.choose(example.kernel_name)
            self.kernels.blockSignals(False)
        self._last_source = source
        self._jump_to_peak = True
        self.recompute()

    def _on_kernel_changed(self, *_) -> None:
        self._jump_to_peak = True
        self.recompute()

    def _update_pool_controls(self) -> None:
        adaptive = self.pool_type.currentText().startswith("adaptive")
        self.pool_size.setEnabled(not adaptive)
        self.pool_stride.setEnabled(not adaptive)
        self.adaptive_out.setEnabled(adaptive)

    def pool_settings(self) -> PoolSettings:
        return PoolSettings(self.pool_type.currentText(), self.pool_size.value(), self.pool_stride.value(),
                            self.adaptive_out.value())

    @property
    def padding(self) -> conv.Padding:
        return self.padding_box.currentData()

    # --- views ---------------------------------------------------------------------------------
    def _build_views(self) -> None:
        self.input_card = ImageCard("Input", TIPS["input"], colorbar=False)
        self.map_card = ImageCard("Feature map", TIPS["feature_map"])
        self.relu_card = ImageCard("After ReLU", TIPS["relu"], colorbar=False)
        self.pool_card = ImageCard("Pooled", TIPS["pool_type"], colorbar=False)
        self.formula = WrappedLabel(textFormat=Qt.TextFormat.PlainText)  # wraps in a narrow window
        self.formula.setStyleSheet("font-family: monospace; font-size: 11pt;")
        self.formula.setToolTip(TIPS["formula"])
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.torch_check = QLabel(wordWrap=True)
        self.torch_check.setToolTip(TIPS["formula"])
        self.steps = StepControls()
        self.products = WindowProductsView()
        self.flat_plot = pg.PlotWidget()
        self.flat_plot.setToolTip(TIPS["flatten"])
        self.flat_plot.setMinimumHeight(80)
        self.flat_plot.setMaximumHeight(260)
        self.flat_plot.setMenuEnabled(False)
        self.flat_plot.setMouseEnabled(x=False, y=False)
        self.flat_plot.setLabel("bottom", "position in the flattened vector")
        self.flat_bars = pg.BarGraphItem(x=[0], height=[0], width=0.85)
        self.flat_plot.addItem(self.flat_bars)
        self.window_taps = RectOverlay(self.input_card.grid.view, fill_alpha=70, width=1)
        self.window_box = RectOverlay(self.input_card.grid.view, width=2)
        self.image_border = RectOverlay(self.input_card.grid.view, QColor("#2ca02c"), 1.5,
                                        style=Qt.PenStyle.DashLine, z=9)
        self.output_pixel = RectOverlay(self.map_card.grid.view, width=2)
        # small maps (the seeds' examples) show their numbers, as the seeds print them
        self.numbers = {card: ValueLabels(card.grid.view)
                        for card in (self.map_card, self.relu_card, self.pool_card)}

    def _views_layout(self) -> QVBoxLayout:
        images = QGridLayout()
        for column, card in enumerate((self.input_card, self.map_card, self.relu_card, self.pool_card)):
            card.setMaximumHeight(380)  # the images are square: more height would only be white
            images.addWidget(card, 0, column)
            images.setColumnStretch(column, 1)
        formula_row = QVBoxLayout()  # one line each at 1280 px; both wrap in a narrow window
        formula_row.setSpacing(2)
        formula_row.addWidget(self.formula)
        formula_row.addWidget(self.torch_check)
        step_box = QGroupBox("4 · Step through the windows")
        step_layout = QVBoxLayout(step_box)
        step_layout.addWidget(self.steps)
        step_layout.addWidget(_scrolling(self.products))
        layout = QVBoxLayout()
        layout.addLayout(images, 5)
        layout.addLayout(formula_row)
        layout.addWidget(step_box, 2)
        layout.addWidget(self.flat_plot, 2)
        return layout

    # --- computing and drawing -----------------------------------------------------------------
    def recompute(self) -> None:
        image = self.inputs.image
        if image is None:
            self.result = None
            self._show_nothing(self.inputs.status.text() or "Loading…")
            return
        self.result = run_pipeline(image, self.kernels.kernel, self.padding, self.stride.value(),
                                   self.dilation.value(), self.relu.isChecked(), self.pool_settings())
        self._draw(self.result)
        self.computed.emit()

    def _show_nothing(self, message: str) -> None:
        for card in (self.input_card, self.map_card, self.relu_card, self.pool_card):
            card.grid.clear()
        for labels in self.numbers.values():
            labels.hide()
        self.formula.setText("")
        self.torch_check.setText(message)
        self.steps.set_count(0)
        self.products.show_message(message)

    def _draw(self, result: PipelineResult) -> None:
        rows, cols = result.image.shape
        self.input_card.show_images(result.padded_image, colormap="gray")
        self.formula.setText(result.formula())
        if result.error:
            self.input_card.set_title(f"<b>Input</b> {rows}×{cols}")
            for card in (self.map_card, self.relu_card, self.pool_card):
                card.grid.clear()
                self.numbers[card].hide()
            self.torch_check.setText(f"<span style='color:#c0392b'><b>No output.</b> {result.error}</span>")
            self.steps.set_count(0)
            self.products.show_message(result.error)
            self.flat_bars.setOpts(x=[0], height=[0])
            self.window_taps.hide()
            self.window_box.hide()
            self.image_border.hide()
            return
        (top, bottom), (left, right) = result.geometry.pads
        padded = result.padded_image.shape
        rings = f" + zero padding → {padded[0]}×{padded[1]}" if top or bottom or left or right else ""
        self.input_card.set_title(f"<b>Input</b> {rows}×{cols}{rings}")
        self.image_border.show([(top, left, rows, cols)] if rings else [])
        out_h, out_w = result.feature_map.shape
        limit = float(np.abs(result.feature_map).max()) or 1.0
        levels = (-limit, limit)
        self.map_card.set_title(f"<b>Feature map</b> {out_h}×{out_w}")
        self.map_card.show_images(result.feature_map, colormap="diverging", levels=levels)
        self.numbers[self.map_card].show(result.feature_map)
        self.relu_card.set_title("<b>After ReLU</b> (same colours)" if self.relu.isChecked()
                                 else "<b>ReLU off</b>")
        self.relu_card.show_images(result.activated, colormap="diverging", levels=levels)
        self.numbers[self.relu_card].show(result.activated)
        self._draw_pooled(result, levels)
        torch_h, torch_w = result.torch_map.shape
        self.torch_check.setText(
            f"torch.nn.functional.conv2d gives <b>{torch_h}×{torch_w}</b>; "
            f"largest difference from ours: {result.torch_difference:.1e}")
        self.steps.set_count(result.geometry.steps)
        step = min(self.steps.step, result.geometry.steps - 1)
        if self._jump_to_peak and not self.steps.playing:
            # a new input or kernel: start where the kernel answers most strongly
            step = int(np.abs(result.feature_map).argmax())
            self.steps.slider.blockSignals(True)
            self.steps.slider.setValue(step)
            self.steps.slider.blockSignals(False)
        self._jump_to_peak = False
        self.show_step(step)

    def _draw_pooled(self, result: PipelineResult, levels) -> None:
        settings = self.pool_settings()
        if result.pooled is None:
            self.pool_card.set_title(f"<b>Pooled</b>: <span style='color:#c0392b'>{result.pool_error}</span>")
            self.pool_card.grid.clear()
            self.numbers[self.pool_card].hide()
            self.flat_bars.setOpts(x=[0], height=[0])
            self.flat_plot.setTitle("")
            return
        how = (f"{settings.mode} → {settings.adaptive_output}×{settings.adaptive_output}"
               if settings.mode.startswith("adaptive") else
               f"{settings.mode} {settings.size}×{settings.size}, stride {settings.stride}")
        ph, pw = result.pooled.shape
        self.pool_card.set_title(f"<b>Pooled</b> ({how}) {ph}×{pw}")
        self.pool_card.show_images(result.pooled, colormap="diverging", levels=levels)
        self.numbers[self.pool_card].show(result.pooled)
        flat = result.flat
        brushes = [pg.mkBrush("#d62728" if v > 0 else "#1f77b4" if v < 0 else "#999999") for v in flat]
        self.flat_bars.setOpts(x=np.arange(flat.size), height=flat, width=0.85, brushes=brushes, pen=None)
        self.flat_plot.setTitle(f"Flattened: {ph}×{pw} → a vector of {flat.size} values "
                                "(the fully connected layer's input)", size="9pt")
        self.flat_plot.autoRange()

    def show_step(self, step: int) -> None:
        result = self.result
        if result is None or result.geometry is None:
            return
        step = max(0, min(step, result.geometry.steps - 1))
        window = conv.conv_window(result.image, result.kernel, step, result.padding, result.stride,
                                  result.dilation)
        top, left = result.geometry.pads[0][0], result.geometry.pads[1][0]
        self.window_taps.show([(r + top, c + left, 1, 1) for r in window.rows for c in window.cols])
        self.window_box.show([(window.rows[0] + top, window.cols[0] + left,
                               window.rows[-1] - window.rows[0] + 1, window.cols[-1] - window.cols[0] + 1)])
        self.output_pixel.show([(window.out_row, window.out_col, 1, 1)])
        self.products.show_window(window, result.kernel, result.image)
        self.steps.set_position_text(
            f"window {step + 1}/{result.geometry.steps} → [{window.out_row}, {window.out_col}]")
        self.current_window = window


def _scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: a wide 5×5 step table scrolls instead of widening the window."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setMinimumHeight(106)  # a 3×3 kernel's tables whole (measured: 102 px); a 5×5 scrolls
    return area


def _group(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(6, 6, 6, 6)
    layout.addWidget(widget)
    return box
