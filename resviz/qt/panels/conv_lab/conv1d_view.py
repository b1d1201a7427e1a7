"""The lab's 1-D view (seed 004): one convolution three ways, shown equal.

A 40-point MNIST-1D signal (or one the person draws by dragging on the plot) is
convolved directly, as the circulant matrix C(w) times the padded signal, and through
the FFT. The three outputs are drawn on top of each other and their largest
difference printed; C(w) is shown with the rows that become outputs outlined.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ....core.analysis import conv1d as c1
from ....core.analysis.convolution import output_size_formula, padding_amounts
from ...background import BackgroundRunner
from .image_card import ImageCard
from .overlay import RectOverlay
from .tips import TIPS

KERNELS_1D = {
    "blur [1, 2, 1] / 4": "1/4, 1/2, 1/4",
    "slope [-1, 0, 1]": "-1, 0, 1",
    "curvature [1, -2, 1]": "1, -2, 1",
    "wide blur (5 taps)": "1/16, 4/16, 6/16, 4/16, 1/16",
    "shift right [0, 0, 1]": "0, 0, 1",
}
PADDING_1D = [("valid (p = 0)", "valid"), ("same", "same")] + [(f"p = {p}", p) for p in (1, 2, 3, 4)]
MNIST1D, DRAWN = "mnist1d", "drawn"


class _DrawingViewBox(pg.ViewBox):
    """A ViewBox that turns a left-button drag into (x, y) points while drawing is on."""

    def __init__(self, on_point, **kwargs):
        super().__init__(**kwargs)
        self.on_point = on_point
        self.drawing = False

    def mouseDragEvent(self, event, axis=None):
        if not self.drawing or event.button() != Qt.MouseButton.LeftButton:
            return super().mouseDragEvent(event, axis)
        event.accept()
        start = self.mapSceneToView(event.lastScenePos())
        end = self.mapSceneToView(event.scenePos())
        self.on_point(start.x(), start.y(), end.x(), end.y())

    def mouseClickEvent(self, event):
        if self.drawing and event.button() == Qt.MouseButton.LeftButton:
            event.accept()
            point = self.mapSceneToView(event.scenePos())
            self.on_point(point.x(), point.y(), point.x(), point.y())
        else:
            super().mouseClickEvent(event)


class Conv1dView(QWidget):
    computed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.signal: np.ndarray | None = None
        self.label = ""
        self.result: c1.Conv1dThreeWays | None = None
        self.kernel = c1.parse_kernel_1d(KERNELS_1D["blur [1, 2, 1] / 4"])
        self._loader = BackgroundRunner(self)
        self._active = False
        self._build()

    # --- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.source_box = QComboBox()
        self.source_box.addItem("MNIST-1D test sample", MNIST1D)
        self.source_box.addItem("Draw your own (drag on the plot)", DRAWN)
        self.source_box.setToolTip(TIPS["signal"])
        self.index = QSpinBox(minimum=0, maximum=999, prefix="#")
        self.kernel_box = QComboBox()
        self.kernel_box.addItems(list(KERNELS_1D) + ["custom"])
        self.kernel_box.setToolTip(TIPS["kernel1d"])
        self.kernel_text = QLineEdit(KERNELS_1D["blur [1, 2, 1] / 4"])
        self.kernel_text.setToolTip(TIPS["kernel1d"])
        self.kernel_error = QLabel(wordWrap=True)
        self.kernel_error.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.kernel_error.hide()
        self.padding_box = QComboBox()
        for text, value in PADDING_1D:
            self.padding_box.addItem(text, value)
        self.padding_box.setToolTip(TIPS["padding"])
        self.stride = QSpinBox(minimum=1, maximum=3)
        self.stride.setToolTip(TIPS["stride"])
        self.dilation = QSpinBox(minimum=1, maximum=3)
        self.dilation.setToolTip(TIPS["dilation"])
        form = QFormLayout()
        form.addRow("Signal", self.source_box)
        form.addRow("Sample", self.index)
        form.addRow("Kernel", self.kernel_box)
        form.addRow("Weights", self.kernel_text)
        form.addRow(self.kernel_error)
        form.addRow("Zero padding", self.padding_box)
        form.addRow("Stride s", self.stride)
        form.addRow("Dilation d", self.dilation)
        controls = QGroupBox("1-D convolution (seed 004)")
        controls.setLayout(form)
        controls.setMaximumWidth(380)
        self.status = QLabel(wordWrap=True)
        self.status.setStyleSheet("color: #555;")
        self.check = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.check.setToolTip(TIPS["fft"])
        self.formula = QLabel(textFormat=Qt.TextFormat.PlainText, wordWrap=True)  # wraps in a narrow window
        self.formula.setStyleSheet("font-family: monospace;")
        left_column = QWidget()
        left_column.setFixedWidth(450)  # the formula line fits; wrapped labels get a definite width
        left = QVBoxLayout(left_column)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(controls)
        left.addWidget(self.status)
        left.addWidget(self.formula)
        left.addWidget(self.check)
        left.addStretch(1)

        self.draw_box = _DrawingViewBox(self.draw_segment)
        self.signal_plot = pg.PlotWidget(viewBox=self.draw_box)
        self.signal_plot.setToolTip(TIPS["signal"])
        self.signal_plot.setTitle("Input signal x (grey: zero padding)", size="10pt")
        self.signal_plot.setMenuEnabled(False)
        self.signal_plot.showGrid(x=True, y=True, alpha=0.2)
        self.padded_curve = self.signal_plot.plot(pen=None, symbol="o", symbolSize=4, symbolBrush="#aaaaaa",
                                                  symbolPen=None)
        self.signal_curve = self.signal_plot.plot(pen=pg.mkPen("#333333", width=2), symbol="o", symbolSize=5,
                                                  symbolBrush="#333333", symbolPen=None)
        self.output_plot = pg.PlotWidget()
        # short: a plot title wider than the plot pushes the plot out of its widget (cut at the right)
        self.output_plot.setTitle(
            "Output: <span style='color:#1f77b4'>━ direct</span> &nbsp; "
            "<span style='color:#d62728'>✕ C(w)·x</span> &nbsp; "
            "<span style='color:#2ca02c'>○ FFT</span>", size="10pt")
        self.output_plot.setToolTip("The output three ways: ━ the direct sliding window, ✕ the circulant "
                                    "matrix C(w) times x, ○ through the FFT, ifft(fft(c)·fft(x)).")
        self.output_plot.setMenuEnabled(False)
        self.output_plot.showGrid(x=True, y=True, alpha=0.2)
        for plot in (self.signal_plot, self.output_plot):
            plot.setMinimumHeight(150)  # the signals stay readable; the matrices below give way
        self.output_curves = {
            "direct (sliding window)": self.output_plot.plot(
                pen=pg.mkPen("#1f77b4", width=3)),
            "circulant C(w) · x": self.output_plot.plot(
                pen=None, symbol="x", symbolSize=11, symbolPen=pg.mkPen("#d62728", width=2)),
            "FFT": self.output_plot.plot(
                pen=None, symbol="o", symbolSize=14, symbolBrush=None,
                symbolPen=pg.mkPen("#2ca02c", width=1.5)),
        }
        self.matrix_card = ImageCard("Circulant matrix C(w)", TIPS["circulant"])
        self.layer_card = ImageCard("The layer as one matrix", TIPS["circulant"])
        self.dropped_rows = RectOverlay(self.matrix_card.grid.view, QColor(255, 255, 255), 0,
                                        fill_alpha=200, style=Qt.PenStyle.NoPen)
        plots = QGridLayout()
        plots.addWidget(self.signal_plot, 0, 0, 1, 2)
        plots.addWidget(self.output_plot, 1, 0, 1, 2)
        plots.addWidget(self.matrix_card, 2, 0)
        plots.addWidget(self.layer_card, 2, 1)
        plots.setRowStretch(0, 2)
        plots.setRowStretch(1, 2)
        plots.setRowStretch(2, 3)
        layout = QHBoxLayout(self)
        layout.addWidget(left_column)
        layout.addLayout(plots, 1)

        self.source_box.currentIndexChanged.connect(self._on_source)
        self.index.valueChanged.connect(self._load_sample)
        self.kernel_box.currentIndexChanged.connect(self._on_kernel_choice)
        self.kernel_text.textChanged.connect(self._on_kernel_text)
        for signal in (self.padding_box.currentIndexChanged, self.stride.valueChanged, self.dilation.valueChanged):
            signal.connect(self.recompute)

    # --- the signal -----------------------------------------------------------------------------
    def activate(self) -> None:
        """Build MNIST-1D off the GUI thread the first time the view is shown."""
        if not self._active:
            self._active = True
            self._load_sample()

    def _load_sample(self) -> None:
        if self.source_box.currentData() != MNIST1D or not self._active:
            return
        self.status.setText("Building MNIST-1D (once, a few seconds)…")
        self._loader.submit(c1.mnist1d_sample, self.index.value(), on_result=self._on_sample,
                            on_error=lambda message: self.status.setText(f"MNIST-1D is unavailable: {message}"))

    def _on_sample(self, sample) -> None:
        self.signal, digit = sample
        self.label = f"MNIST-1D test sample #{self.index.value()}: a “{digit}”, {self.signal.size} points"
        self.status.setText(self.label)
        self.recompute()

    def _on_source(self) -> None:
        drawing = self.source_box.currentData() == DRAWN
        self.draw_box.drawing = drawing
        self.index.setEnabled(not drawing)
        self.draw_box.setMouseEnabled(x=not drawing, y=not drawing)
        if drawing:
            if self.signal is None:
                self.signal = np.zeros(40)
            self.label = "Your signal: drag on the top plot to draw it."
            self.status.setText(self.label)
            self.recompute()
        else:
            self._load_sample()

    def set_signal(self, values: np.ndarray) -> None:
        """Use ``values`` as a drawn signal (what dragging on the plot does, point by point)."""
        self.source_box.setCurrentIndex(self.source_box.findData(DRAWN))
        self.signal = np.asarray(values, dtype=np.float64).copy()
        self.recompute()

    def draw_segment(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Set every sample between two mouse positions on the line joining them."""
        if self.signal is None:
            return
        if x1 < x0:
            x0, y0, x1, y1 = x1, y1, x0, y0
        pad = self._pads()[0]
        for position in range(int(round(x0)), int(round(x1)) + 1):
            t = (position - x0) / (x1 - x0) if x1 > x0 else 0.0
            index = position - pad
            if 0 <= index < self.signal.size:
                self.signal[index] = y0 + (y1 - y0) * min(max(t, 0.0), 1.0)
        self.recompute()

    # --- the kernel ------------------------------------------------------------------------------
    def _on_kernel_choice(self) -> None:
        name = self.kernel_box.currentText()
        if name in KERNELS_1D:
            self.kernel_text.blockSignals(True)
            self.kernel_text.setText(KERNELS_1D[name])
            self.kernel_text.blockSignals(False)
            self._on_kernel_text()

    def _on_kernel_text(self) -> None:
        try:
            self.kernel = c1.parse_kernel_1d(self.kernel_text.text())
        except ValueError as error:
            self.kernel_error.setText(f"{error} The last good kernel is still in use.")
            self.kernel_error.show()
            return
        self.kernel_error.hide()
        if self.kernel_text.text() not in KERNELS_1D.values():
            self.kernel_box.blockSignals(True)
            self.kernel_box.setCurrentText("custom")
            self.kernel_box.blockSignals(False)
        self.recompute()

    # --- computing and drawing -------------------------------------------------------------------
    def _pads(self) -> tuple[int, int]:
        return padding_amounts(self.padding_box.currentData(), self.kernel.size, self.dilation.value())

    def recompute(self) -> None:
        if self.signal is None:
            return
        padding, stride, dilation = self.padding_box.currentData(), self.stride.value(), self.dilation.value()
        pads = self._pads()
        self.formula.setText(output_size_formula(self.signal.size, self.kernel.size, pads, stride, dilation))
        try:
            self.result = c1.conv1d_three_ways(self.signal, self.kernel, padding, stride, dilation)
        except ValueError as error:
            self.result = None
            self.check.setText(f"<span style='color:#c0392b'><b>No output.</b> {error}</span>")
            for curve in self.output_curves.values():
                curve.setData([], [])
            return
        self._draw(self.result, pads, stride)
        self.computed.emit()

    def _draw(self, result: c1.Conv1dThreeWays, pads: tuple[int, int], stride: int) -> None:
        padded = result.padded_signal
        positions = np.arange(padded.size)
        self.padded_curve.setData(positions, padded)
        self.signal_curve.setData(positions[pads[0]: pads[0] + result.n_inputs], self.signal)
        centre = (self.kernel.size - 1) * self.dilation.value() / 2  # plot each output under its window's centre
        x_out = result.kept_rows + centre
        self.output_curves["direct (sliding window)"].setData(x_out, result.direct)
        self.output_curves["circulant C(w) · x"].setData(x_out, result.via_circulant)
        self.output_curves["FFT"].setData(x_out, result.via_fft)
        self.output_plot.setXRange(0, padded.size - 1, padding=0.02)
        self.signal_plot.setXRange(0, padded.size - 1, padding=0.02)
        length = padded.size
        dropped = np.setdiff1d(np.arange(length), result.kept_rows)
        self.matrix_card.set_title(f"<b>Circulant matrix C(w)</b>: {length}×{length}; the {result.kept_rows.size} "
                                   f"rows kept are bright, the {dropped.size} dropped (wrap round / skipped "
                                   "by the stride) are faded")
        self.matrix_card.show_images(result.circulant_matrix, colormap="diverging", symmetric=True)
        self.dropped_rows.show([(row, 0, 1, length) for row in dropped])
        layer = result.layer_matrix
        self.layer_card.set_title(f"<b>The layer as one matrix</b>: {layer.shape[0]}×{layer.shape[1]} "
                                  "(kept rows, unpadded columns)")
        self.layer_card.show_images(layer, colormap="diverging", symmetric=True)
        torch_gap = self._torch_gap(result)
        if result.equal_to_machine_precision:
            verdict = (f"<p style='color:#555'>Equal to machine precision: the largest gap is "
                       f"{result.relative_difference:.0e} of the largest output (float64 rounds at ~1e-16). ")
        else:  # say what the numbers say, never "equal" beside a nan
            verdict = ("<p style='color:#c0392b'>The three results do <b>not</b> agree to rounding "
                       f"(largest gap {result.relative_difference:.1e} of the largest output). ")
        self.check.setText(
            f"<p>{result.direct.size} outputs, computed three ways:</p>"
            f"<p>max |direct − C(w)·x| = <b>{np.abs(result.via_circulant - result.direct).max():.1e}</b><br>"
            f"max |direct − FFT| = <b>{np.abs(result.via_fft - result.direct).max():.1e}</b><br>"
            f"max |direct − torch conv1d| = <b>{torch_gap:.1e}</b></p>"
            f"{verdict}C(w) does a <i>circular</i> "
            "convolution; the zero padding and dropping the rows that wrap round make it the CNN's "
            "zero-padded one. Stride s keeps every s-th row.</p>")

    def _torch_gap(self, result: c1.Conv1dThreeWays) -> float:
        import torch
        import torch.nn.functional as F

        x = torch.as_tensor(result.padded_signal)[None, None]
        w = torch.as_tensor(self.kernel)[None, None]
        ours = F.conv1d(x, w, stride=self.stride.value(), dilation=self.dilation.value())[0, 0].numpy()
        return float(np.abs(ours - result.direct).max())
