"""The reliability diagram: in each confidence bin, how often the model was right.

A perfectly calibrated model's bars touch the diagonal: of the answers it gives with
90% confidence, 90% are right. Bars below the diagonal mean over-confidence. The
expected calibration error (ECE) in the title is the mean gap, weighted by how many
answers fall in each bin. With a second model, its accuracy per bin is drawn as a line.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ....core.evaluation import Reliability
from ...widgets.plot_export import PlotExportButtons
from ...widgets.plot_style import style_plot
from ...widgets.run_colours import RUN_COLOURS

A_COLOUR, B_COLOUR = RUN_COLOURS[0], RUN_COLOURS[1]  # Okabe-Ito blue and orange, as runs 1 and 2 wear them


class ReliabilityView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plot = self.graphics.addPlot(title="Reliability diagram")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", "confidence (the model's top probability)")
        self.plot.setLabel("left", "accuracy")
        self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)
        self.legend = style_plot(self.plot, grid=0.15)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.0, brush=A_COLOUR + "99", pen=pg.mkPen("w"))
        self.plot.addItem(self.bars)
        self.diagonal = self.plot.plot([0, 1], [0, 1], pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine),
                                       name="perfect calibration")
        self.accuracy = self.plot.plot([], [], pen=None, symbol="o", symbolSize=6, symbolBrush=A_COLOUR,
                                       name="A accuracy")
        self.confidence = self.plot.plot([], [], pen=None, symbol="x", symbolSize=8, symbolBrush="k",
                                         symbolPen="k", name="A mean confidence")
        # named for the CSV; it joins the legend only while there is a model B
        self.other = pg.PlotDataItem([], [], pen=pg.mkPen(B_COLOUR, width=2), symbol="o", symbolSize=5,
                                     symbolBrush=B_COLOUR, name="B accuracy")
        self.plot.addItem(self.other)
        self.export = PlotExportButtons(self.plot, "reliability_diagram")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.export, 0, Qt.AlignmentFlag.AlignRight)
        self.ece: tuple[float, float | None] = (0.0, None)

    def set_reliability(self, result: Reliability, other: Reliability | None = None) -> None:
        filled = result.counts > 0
        centers = result.centers[filled]
        width = float(result.edges[1] - result.edges[0])
        self.bars.setOpts(x=centers, height=result.accuracy[filled], width=width * 0.92)
        self.accuracy.setData(centers, result.accuracy[filled])
        self.confidence.setData(centers, result.confidence[filled])
        if other is not None:
            shown = other.counts > 0
            self.other.setData(other.centers[shown], other.accuracy[shown])
        else:
            self.other.setData([], [])
        self.other.setVisible(other is not None)
        in_legend = any(sample.item is self.other for sample, _ in self.legend.items)
        if other is not None and not in_legend:
            self.legend.addItem(self.other, "B accuracy")
        elif other is None and in_legend:
            self.legend.removeItem(self.other)
        self.ece = (result.ece, None if other is None else other.ece)
        title = f"Reliability diagram · ECE {100 * result.ece:.2f}%"
        if other is not None:
            title = f"Reliability · ECE A {100 * result.ece:.2f}% · B {100 * other.ece:.2f}%"
        self.plot.setTitle(title)

    def bins_shown(self) -> int:
        """How many bars are drawn (tests check the diagram follows the model)."""
        return len(self.bars.opts["x"]) if self.bars.opts.get("x") is not None else 0
