"""One signal through the CNN: the input, then each hidden layer's 15 channels, in one plot.

The input signal is drawn at the top; below it each hidden layer H1, H2, H3 (after its
ReLU) is a band of channels (rows) by positions (columns), dark at zero and yellow at
that layer's largest value. Every unit is drawn over the input positions it is centred
on, on the signal's own x axis: a stride-2 layer's 19 units are each 2 inputs wide, the
next layer's 9 are 4 wide, the last layer's 4 are 8 wide — the seed's picture of a CNN
summarising ever wider stretches of the signal with ever fewer units.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ....core.analysis.conv1d import UnitPlacement
from ...widgets.image_grid import COLORMAPS
from ...widgets.plot_export import PlotExport

SIGNAL_BAND = 14.0  # height of the input's band (plot units; a channel row is 1)
SIGNAL_SCALE = 2.2  # plot units per signal unit (MNIST-1D is standardised: mostly within ±3)
GAP = 3.0  # between bands


class FeatureMapsView(QWidget):
    """``show_maps(signal [L], [(name, activation [C, L_l], placement), ...])``."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.invertY(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "input position")
        self.plot.setToolTip("Each layer's units sit over the input positions they are centred on. "
                             "Colours: 0 (dark) to the layer's largest value (yellow).")
        self.input_curve = self.plot.plot(pen=pg.mkPen("k", width=2), name="input")
        self.images: list[pg.ImageItem] = []
        self.signal = np.zeros(0, np.float32)
        self.maps: list[tuple[str, np.ndarray, UnitPlacement]] = []
        self.export = PlotExport(self.plot, "mnist1d_feature_maps", self._table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def _image(self, index: int) -> pg.ImageItem:
        while len(self.images) <= index:
            image = pg.ImageItem()
            image.setColorMap(COLORMAPS["viridis"]())
            self.plot.addItem(image)
            self.images.append(image)
        return self.images[index]

    def show_maps(self, signal: np.ndarray, maps: list[tuple[str, np.ndarray, UnitPlacement]]) -> None:
        self.signal = np.asarray(signal, np.float32)
        self.maps = [(name, np.asarray(a, np.float32), placement) for name, a, placement in maps]
        middle = SIGNAL_BAND / 2
        self.input_curve.setData(np.arange(self.signal.size), middle - SIGNAL_SCALE * self.signal)
        ticks, top = [(middle, "input")], SIGNAL_BAND + GAP
        for index, (name, activation, placement) in enumerate(self.maps):
            channels, length = activation.shape
            high = float(activation.max()) if activation.size else 1.0
            image = self._image(index)
            image.setImage(activation, levels=(0.0, high if high > 0 else 1.0), autoLevels=False)
            left, width = placement.span(length)
            image.setRect(left, top, width, channels)
            image.setVisible(True)
            ticks.append((top + channels / 2, f"{name} {channels}×{length}"))
            top += channels + GAP
        for image in self.images[len(self.maps):]:
            image.setVisible(False)
        self.plot.getAxis("left").setTicks([ticks, []])
        self.plot.setXRange(-0.5, max(self.signal.size - 0.5, 0.5), padding=0)
        self.plot.setYRange(0, top - GAP, padding=0.01)

    def _table(self):
        rows = [["input", 0, p, p, f"{v:.6g}"] for p, v in enumerate(self.signal)]
        for name, activation, placement in self.maps:
            for channel in range(activation.shape[0]):
                for position in range(activation.shape[1]):
                    centre = placement.first + position * placement.spacing
                    rows.append([name, channel, position, f"{centre:g}", f"{activation[channel, position]:.6g}"])
        return ["layer", "channel", "position", "input_centre", "value"], rows
