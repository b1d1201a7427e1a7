"""Per-layer activation statistics of several runs: the std and the mean of every layer's output.

From each run's latest ``activations`` record (core/callbacks/activations.py): one curve
per run, in its colour, over the layers from input to output. Without BatchNorm the std
of a deep plain stack falls by orders of magnitude layer after layer (so the std plot
has a log axis); with BatchNorm it stays near 1. Redraws are throttled like the other
live plots (``mark_dirty``, at most ~30 a second).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer

from ...core.runs import Run
from .plot_style import LogAxis, style_plot
from .run_colours import run_colour

RECORDER = "activations"
REDRAW_MS = 33


def latest_stats(run: Run):
    """(step, layer names, mean [layers], std [layers]) of the run's newest record, or None."""
    records = run.recorded.get(RECORDER) or []
    if not records:
        return None
    record = records[-1]
    values = np.asarray(record.values, float)
    return record.step, tuple(record.labels), values[:, 0], values[:, 1]


class ActivationProfiles(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.std_plot = self.addPlot(row=0, col=0, title="Activation std per layer (latest record)",
                                     axisItems={"left": LogAxis("left")})
        self.std_plot.setLogMode(y=True)
        self.mean_plot = self.addPlot(row=1, col=0, title="Activation mean per layer")
        self.mean_plot.setXLink(self.std_plot)
        # one legend, under the std plot, names the runs of both (beside it, it would narrow one linked view)
        self.legend = style_plot(self.std_plot, may_go_beside=False)
        style_plot(self.mean_plot, legend=False)
        for plot in (self.std_plot, self.mean_plot):
            plot.setMenuEnabled(False)
        self.mean_plot.setLabel("bottom", "layer (1 = first conv … last = classifier)")
        self.runs: list[Run] = []
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._timer.timeout.connect(self.redraw)

    def set_runs(self, runs: list[Run]) -> None:
        if [r.id for r in runs] != [r.id for r in self.runs]:
            self.runs = list(runs)
            for plot in (self.std_plot, self.mean_plot):
                plot.clear()
            self.legend.clear()
            self.curves.clear()
            for run in self.runs:
                colour = run_colour(run.id)
                self.curves[(run.id, "std")] = self.std_plot.plot(
                    [], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=4, symbolBrush=colour,
                    symbolPen=None, name=run.name)
                self.curves[(run.id, "mean")] = self.mean_plot.plot(
                    [], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=4, symbolBrush=colour,
                    symbolPen=None, name=f"{run.name} mean")
        self.mark_dirty()

    def mark_dirty(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def redraw(self) -> None:
        for run in self.runs:
            stats = latest_stats(run)
            if stats is None:
                continue
            _step, _labels, mean, std = stats
            layers = np.arange(1, len(mean) + 1, dtype=float)
            keep = np.isfinite(std) & (std > 0)
            self.curves[(run.id, "std")].setData(layers[keep], std[keep])
            self.curves[(run.id, "mean")].setData(layers[np.isfinite(mean)], mean[np.isfinite(mean)])

    def point_count(self, run_id: str) -> int:
        curve = self.curves.get((run_id, "std"))
        x = curve.getData()[0] if curve is not None else None
        return 0 if x is None else len(x)
