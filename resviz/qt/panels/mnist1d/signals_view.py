"""MNIST-1D's signals: a few test examples of each digit, one row per class.

Each row is a digit; its examples are drawn on top of each other, offset down the
plot, so the shared template (and how much the shifts, shear and noise hide it) shows.
Clicking a signal picks it: ``picked(test index)``. The picked one is drawn thick.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...widgets.plot_export import PlotExport
from ...widgets.run_colours import TAB10

ROW_SPACING = 5.0  # signals are standardised (std 1, mostly within ±3): neighbouring rows touch at peaks


def examples_per_class(labels: np.ndarray, per_class: int) -> dict[int, list[int]]:
    """The first ``per_class`` indices of each class, in order."""
    return {digit: [int(i) for i in np.flatnonzero(labels == digit)[:per_class]] for digit in range(10)}


class SignalsView(QWidget):
    picked = Signal(int)  # a test index

    def __init__(self, per_class: int = 3, parent: QWidget | None = None):
        super().__init__(parent)
        self.per_class = per_class
        self.plot = pg.PlotWidget()
        self.plot.setTitle("Test signals, 3 per digit (click one)", size="10pt")
        self.plot.setLabel("bottom", "position")
        self.plot.setLabel("left", "digit")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.curves: dict[int, pg.PlotDataItem] = {}  # test index -> curve
        self._inputs = np.zeros((0, 40), np.float32)
        self._labels = np.zeros(0, np.int64)
        self.chosen: int | None = None
        self.export = PlotExport(self.plot, "mnist1d_signals", self._table)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_data(self, inputs: np.ndarray, labels: np.ndarray) -> None:
        """Test signals [N, L] and their labels."""
        self._inputs, self._labels = np.asarray(inputs, np.float32), np.asarray(labels)
        self.plot.clear()
        self.curves.clear()
        positions = np.arange(self._inputs.shape[1])
        for digit, indices in examples_per_class(self._labels, self.per_class).items():
            for index in indices:
                curve = self.plot.plot(positions, self._inputs[index] - digit * ROW_SPACING,
                                       name=f"{digit} (test #{index})", clickable=True)
                curve.curve.setClickable(True, width=6)
                curve.sigClicked.connect(lambda _item, _event=None, i=index: self.picked.emit(i))
                curve.setToolTip(f"test signal #{index}: a “{digit}” (click to look inside the CNN)")
                self.curves[index] = curve
        self.plot.getAxis("left").setTicks([[(-d * ROW_SPACING, str(d)) for d in range(10)]])
        self.plot.setXRange(0, positions[-1], padding=0.02)
        self.plot.setYRange(-9.5 * ROW_SPACING, 0.6 * ROW_SPACING, padding=0)
        self.show_chosen(self.chosen, restyle_all=True)

    def show_chosen(self, index: int | None, restyle_all: bool = False) -> None:
        """Draw signal ``index`` thick and black (only the two curves that change are restyled)."""
        previous, self.chosen = self.chosen, index
        for i in (self.curves if restyle_all else {previous, index}):
            curve = self.curves.get(i)
            if curve is None:
                continue
            chosen = i == index
            curve.setPen(pg.mkPen("k" if chosen else TAB10[int(self._labels[i])], width=3 if chosen else 1.2))
            curve.setZValue(10 if chosen else 0)

    def _table(self):
        positions = range(self._inputs.shape[1])
        rows = [[i, int(self._labels[i]), *(f"{v:.6g}" for v in self._inputs[i])] for i in self.curves]
        return ["test_index", "digit", *(f"x{p}" for p in positions)], rows
