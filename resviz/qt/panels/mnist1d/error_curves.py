"""Figure 10.8 as it happens: train and test error of the CNN and the MLP, per epoch, on one plot.

Error is 100% minus accuracy. Test error comes from each Epoch's test pass; train error
from ``train_accuracy`` (the trainer re-scores 2,000 training signals each epoch). Solid
lines are test error, dashed lines train error; each run keeps its colour from the Runs
list. The legend, under the plot, carries the latest values, so the gap is readable without hovering;
before a run's first epoch its test entry says where the run is ("loading data…"), so both show from
their start (on the test entry only: four long entries took the plot's height at 900×600).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ....core.runs import Run
from ...widgets.plot_export import PlotExport
from ...widgets.plot_style import style_plot
from ...widgets.run_colours import run_colour

SPLITS = (("train_accuracy", "train", Qt.PenStyle.DashLine), ("test_accuracy", "test", Qt.PenStyle.SolidLine))


def error_series(run: Run, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, error in %) from a run's per-epoch rows that have ``key`` (an accuracy)."""
    rows = [(row["epoch"], row[key]) for row in run.curves.epochs if isinstance(row.get(key), (int, float))]
    epochs = np.array([r[0] for r in rows], float)
    return epochs, 100.0 * (1.0 - np.array([r[1] for r in rows], float))


class ErrorCurves(QWidget):
    """``show_runs([(label, run), ...], notes)`` draws each run's train and test error."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setTitle("Error per epoch: train (dashed), test (solid)", size="10pt")
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "error (%)")
        self.plot.setYRange(0, 100)
        self.plot.setXRange(0, 10)
        self.legend = style_plot(self.plot.getPlotItem(), grid=0.25)
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}  # (label, split) -> curve
        self.export = PlotExport(self.plot, "mnist1d_errors")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def show_runs(self, runs: list[tuple[str, Run]], notes: dict[str, str] | None = None) -> None:
        """``notes``: {label: where that run is}, on its test entry until that has a value."""
        wanted = [(label, split) for label, _ in runs for _, split, _ in SPLITS]
        if wanted != list(self.curves):  # other runs: the legend lists them afresh, in this order
            for curve in self.curves.values():
                self.plot.removeItem(curve)
            self.curves.clear()
        most, relabelled = 1.0, False
        for label, run in runs:
            colour = run_colour(run.id)
            for metric, split, style in SPLITS:
                epochs, error = error_series(run, metric)
                curve = self._curve(label, split, colour, style)
                curve.setData(epochs, error)
                note = (notes or {}).get(label) if split == "test" else None
                latest = f" {error[-1]:.1f}%" if len(error) else f" ({note})" if note else ""
                entry, text = self.legend.getLabel(curve), f"{label} {split} error{latest}"
                if entry.text != text:
                    entry.setText(text)
                    relabelled = True
                if len(epochs):
                    most = max(most, float(epochs[-1]))
            total = run.started.epochs if run.started else run.settings.get("epochs")
            if isinstance(total, int):
                most = max(most, float(total))
        if relabelled:  # the latest values widen the entries: the legend counts its columns again
            self.legend.updateSize()  # (laid out for the shorter names, the last entry ran off the right edge)
        self.plot.setXRange(0, most, padding=0.02)

    def _curve(self, label: str, split: str, colour: str, style) -> pg.PlotDataItem:
        key = (label, split)
        curve = self.curves.get(key)
        if curve is None:
            curve = self.plot.plot(name=f"{label} {split} error")
            self.curves[key] = curve
        curve.setPen(pg.mkPen(colour, width=2.5 if split == "test" else 1.8, style=style))
        # a dot at each epoch: a run's first epoch is one point, which a line alone does not draw
        curve.setSymbol("o")
        curve.setSymbolSize(6 if split == "test" else 5)
        curve.setSymbolPen(None)
        curve.setSymbolBrush(pg.mkBrush(colour))
        return curve

    def point_count(self, label: str, split: str = "test") -> int:
        curve = self.curves.get((label, split))
        xs = curve.getData()[0] if curve is not None else None
        return 0 if xs is None else len(xs)
