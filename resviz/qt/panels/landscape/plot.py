"""Landscapes drawn side by side on one colour scale: log-loss image, contour lines, centre, trajectory.

Each landscape is a pyqtgraph ImageItem of log10(loss) (alpha across, beta up) with
IsocurveItems at evenly spaced log-loss levels, a white cross at the trained weights
labelled with the run's own loss, and, on a trajectory plane, the snapshots as a path
ending at the cross. One ColorBarItem holds every image, so colours compare between runs.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ....core.landscape import Landscape, Trajectory
from ....core.landscape.picture import log_loss, shared_range, upsample

CONTOURS = 10  # contour lines over the shared log-loss range
SMOOTH = 8  # image pixels per grid step: bilinear in log-loss between the measured points


class LandscapePlot(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.images: list[pg.ImageItem] = []
        self.plots: list[pg.PlotItem] = []
        self.paths: list[pg.PlotDataItem] = []
        self.levels: tuple[float, float] | None = None

    def clear(self) -> None:
        self.view.clear()
        self.images, self.plots, self.paths, self.levels = [], [], [], None

    def show_landscapes(self, items: list[tuple[str, Landscape, Trajectory | None]]) -> None:
        """Draw each (title, landscape, trajectory or None) in its own plot, all on one colour scale."""
        self.clear()
        if not items:
            return
        low, high = self.levels = shared_range([landscape for _, landscape, _ in items])
        colormap = pg.colormap.get("viridis")
        for column, (title, landscape, path) in enumerate(items):
            plot = self.view.addPlot(row=0, col=column, title=f"{title} · ✚ loss {landscape.center_loss:.3f}")
            plot.setAspectLocked(True)
            first, second = ("PCA 1", "PCA 2") if path is not None else ("α (direction 1)", "β (direction 2)")
            plot.setLabel("bottom", first)
            plot.setLabel("left", second)
            image = pg.ImageItem(axisOrder="row-major")
            a, b = landscape.alphas, landscape.betas
            values = upsample(log_loss(landscape.loss), SMOOTH * max(len(a), len(b)))  # [alpha, beta]
            image.setImage(values.T, levels=(low, high))  # rows of the image are beta, so beta goes up
            image.setColorMap(colormap)
            image.setRect(QRectF(a[0], b[0], a[-1] - a[0], b[-1] - b[0]))  # from the first point to the last
            plot.addItem(image)
            for level in np.linspace(low, high, CONTOURS + 2)[1:-1]:
                curve = pg.IsocurveItem(values, level, pen=pg.mkPen((255, 255, 255, 110), width=1))
                curve.setParentItem(image)  # in the image's pixel coordinates: index 0 is alpha, as the data
                curve.setPos(0.5, 0.5)  # through pixel centres
            plot.addItem(pg.ScatterPlotItem([0], [0], symbol="+", size=16, pen=pg.mkPen("w", width=2),
                                            brush=None))
            label = pg.TextItem(f"{landscape.center_loss:.3f}", color="w", anchor=(-0.1, -0.1))
            label.setToolTip("the trained weights' own loss on these images")
            label.setPos(0, 0)
            plot.addItem(label)
            if path is not None:
                xy = path.coordinates
                trail = pg.PlotDataItem(xy[:, 0], xy[:, 1], pen=pg.mkPen("#ff5050", width=2), symbol="o",
                                        symbolSize=5, symbolBrush="#ff5050", symbolPen=None)
                plot.addItem(trail)
                start = pg.TextItem("start", color="#ff5050", anchor=(0.5, 1.2))
                start.setPos(float(xy[0, 0]), float(xy[0, 1]))
                plot.addItem(start)
                self.paths.append(trail)
            self.images.append(image)
            self.plots.append(plot)
        bar = pg.ColorBarItem(values=(low, high), colorMap=colormap, label="log₁₀ loss", interactive=False)
        bar.setImageItem(self.images)
        self.view.addItem(bar, row=0, col=len(items))
