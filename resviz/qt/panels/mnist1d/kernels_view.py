"""The CNN's learned kernels, one heatmap per conv layer, live while it trains.

A 1-D conv layer's weight is [out, in, k]: for each of its 15 output channels (rows) a
kernel of k = 3 taps for every input channel (column groups, split by a thin gap). The
first layer reads the signal itself, so its 15 kernels are 3-tap patterns it looks
for; deeper ones weigh the 15 channels below. Red is a positive weight, blue negative,
white zero, each layer on its own symmetric scale.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...widgets.image_grid import COLORMAPS
from ...widgets.plot_export import PlotExport


def kernel_image(weight: np.ndarray) -> np.ndarray:
    """[out, in, k] -> [out, in*(k+1) - 1]: each input channel's taps side by side, NaN between."""
    out, inputs, taps = weight.shape
    image = np.full((out, inputs, taps + 1), np.nan, np.float32)
    image[:, :, :taps] = weight
    return image.reshape(out, -1)[:, :-1]


def symmetric_levels(values: np.ndarray) -> tuple[float, float]:
    finite = np.abs(values[np.isfinite(values)])
    limit = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    return -limit, limit


class KernelsView(QWidget):
    """``show_layers([(name, weight [out, in, k]), ...])``."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plots: list[pg.PlotItem] = []
        self.images: list[pg.ImageItem] = []
        self.layers: list[tuple[str, np.ndarray]] = []
        self.export = PlotExport(self.graphics, "mnist1d_cnn_kernels", self._table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

    def _ensure_plots(self, count: int) -> None:
        if len(self.plots) == count:
            return
        self.graphics.clear()
        self.plots, self.images = [], []
        for column in range(count):
            plot = self.graphics.addPlot(row=0, col=column)
            plot.invertY(True)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.getAxis("bottom").setStyle(showValues=False)
            plot.setLabel("left", "output channel" if column == 0 else "")
            image = pg.ImageItem()
            image.setColorMap(COLORMAPS["diverging"]())
            plot.addItem(image)
            self.plots.append(plot)
            self.images.append(image)
        # a layer with 15 inputs is 15x wider than the first: share the width accordingly
        layout = self.graphics.ci.layout
        for column in range(count):
            layout.setColumnStretchFactor(column, 1 if column == 0 else 3)
        self.export.attach()

    def show_layers(self, layers: list[tuple[str, np.ndarray]]) -> None:
        shapes = [w.shape for _name, w in self.layers]
        self.layers = [(name, np.asarray(weight, np.float32)) for name, weight in layers]
        self._ensure_plots(len(self.layers))
        relabel = shapes != [w.shape for _name, w in self.layers]  # titles and ranges only when shapes change
        for index, ((_name, weight), plot, image) in enumerate(zip(self.layers, self.plots, self.images)):
            out, inputs, taps = weight.shape
            picture = kernel_image(weight)
            image.setImage(picture, levels=symmetric_levels(weight), autoLevels=False)
            if relabel:
                image.setRect(0, 0, picture.shape[1], out)
                plot.setTitle(f"conv {index + 1}: {out}×{inputs}×{taps}", size="9pt")
                plot.setRange(xRange=(0, picture.shape[1]), yRange=(0, out), padding=0.02)
                plot.getAxis("bottom").setLabel(f"{taps} taps" if inputs == 1 else f"{inputs} inputs × {taps} taps")

    def _table(self):
        rows = [[index + 1, name, out_channel, in_channel, tap, f"{weight[out_channel, in_channel, tap]:.6g}"]
                for index, (name, weight) in enumerate(self.layers)
                for out_channel in range(weight.shape[0]) for in_channel in range(weight.shape[1])
                for tap in range(weight.shape[2])]
        return ["layer", "module", "out_channel", "in_channel", "tap", "weight"], rows
