"""Loss and accuracy curves that grow while a model trains.

Points go into numpy buffers; a timer redraws at most ~30 times a second with one
``setData`` per curve (pyqtgraph's scrollingPlots pattern), so thousands of steps a
second never flood the GUI thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer

from ...core.events import Epoch, Step

PALETTE = {
    "train": "#4c9be8", "test": "#f28e2b", "accuracy": "#59a14f",
    "recon": "#b07aa1", "kl": "#edc948", "epoch": "#888888",
}


EMPTY_HINT = "Press Train: the loss appears here every few batches,\nand the test scores after each epoch."


class Series:
    """An (x, y) buffer that doubles when full."""

    def __init__(self, capacity: int = 1024):
        self.x = np.empty(capacity)
        self.y = np.empty(capacity)
        self.n = 0

    def append(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            self.x = np.resize(self.x, 2 * self.n)
            self.y = np.resize(self.y, 2 * self.n)
        self.x[self.n], self.y[self.n] = x, y
        self.n += 1

    def clear(self) -> None:
        self.n = 0

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[:self.n], self.y[:self.n]


class TrainingCurves(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.loss_plot = self.addPlot(row=0, col=0, title="Loss", axisItems={"left": LogAxis("left")})
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.setLogMode(y=True)
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_plot.addLegend(offset=(-10, 10))
        self.metric_plot = self.addPlot(row=1, col=0, title="Test accuracy")
        self.metric_plot.setLabel("bottom", "step")
        self.metric_plot.showGrid(x=True, y=True, alpha=0.2)
        self.metric_plot.setXLink(self.loss_plot)
        self.series: dict[str, Series] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._epoch_lines: list[pg.InfiniteLine] = []
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()
        self.reset("classifier")

    def reset(self, kind: str, part_names: tuple[str, ...] = ()) -> None:
        """Empty the plots and set them up for a classifier or a VAE."""
        self.loss_plot.clear()
        self.metric_plot.clear()
        self._epoch_lines.clear()
        self.series.clear()
        self.curves.clear()
        self._add("train", self.loss_plot, "train loss (raw)", "#b9d4f2", width=1)
        self.smoothed = self.loss_plot.plot([], [], pen=pg.mkPen(PALETTE["train"], width=2.5), name="train loss (smoothed)")
        for part in part_names:
            self._add(part, self.loss_plot, f"train {part}", PALETTE.get(part, "#999"), style="dash")
        self._add("test", self.loss_plot, "test loss", PALETTE["test"], symbol="o")
        self.metric_label = pg.TextItem(color=PALETTE["accuracy"], anchor=(1, 1))
        self.metric_plot.addItem(self.metric_label)
        self.kind = kind
        if kind == "vae":
            self.metric_plot.setLimits(yMin=None, yMax=None)
            self.metric_plot.setTitle("Test loss terms per image (nats)")
            self._add("test_recon", self.metric_plot, "recon", PALETTE["recon"], symbol="o")
            self._add("test_kl", self.metric_plot, "KL", PALETTE["kl"], symbol="t")
            self.metric_plot.addLegend(offset=(-10, 10))
        else:
            self.metric_plot.setTitle("Test accuracy")
            self.metric_plot.setLimits(yMin=0, yMax=1.005)  # accuracy is a fraction: never show 1.4
            self._add("test_accuracy", self.metric_plot, "test accuracy", PALETTE["accuracy"], symbol="o")
        self._show_empty_state()
        self._dirty = True

    def _show_empty_state(self) -> None:
        """Before the first point: a sensible frame and a line saying what will appear."""
        self.hint = pg.TextItem(EMPTY_HINT, color="#777", anchor=(0.5, 0.5))
        self.loss_plot.addItem(self.hint)
        self.hint.setPos(50, np.log10(0.4))
        self.loss_plot.setXRange(0, 100, padding=0)
        self.loss_plot.setYRange(np.log10(0.05), np.log10(3), padding=0)
        self._empty = True

    def _add(self, key, plot, name, color, width=2.0, style=None, symbol=None):
        pen = pg.mkPen(color, width=width, style=_pen_style(style))
        kwargs = dict(symbol=symbol, symbolBrush=color, symbolPen=None, symbolSize=7) if symbol else {}
        self.curves[key] = plot.plot([], [], pen=pen, name=name, **kwargs)
        self.series[key] = Series()

    def add_step(self, step: Step) -> None:
        self.series["train"].append(step.step, step.loss)
        for part, value in step.parts.items():
            if part in self.series:
                self.series[part].append(step.step, value)
        self._dirty = True

    def add_epoch(self, epoch: Epoch) -> None:
        if "test_loss" in epoch.metrics:
            self.series["test"].append(epoch.step, epoch.metrics["test_loss"])
        for key, value in epoch.metrics.items():
            if key in self.series and key != "test":
                self.series[key].append(epoch.step, value)
        line = pg.InfiniteLine(epoch.step, angle=90, pen=pg.mkPen(PALETTE["epoch"], style=_pen_style("dot")),
                               label=f"epoch {epoch.epoch}", labelOpts=dict(position=0.95, color=PALETTE["epoch"]))
        self.loss_plot.addItem(line)
        self._epoch_lines.append(line)
        self._dirty = True

    def load_history(self, history: dict) -> None:
        """Show the curves stored in a checkpoint."""
        for step, loss in zip(history.get("step", []), history.get("loss", [])):
            self.series["train"].append(step, loss)
        for i, step in enumerate(history.get("epoch_step", [])):
            metrics = {k: v[i] for k, v in history.items()
                       if k.startswith("test_") and isinstance(v, list) and i < len(v)}
            self.add_epoch(Epoch(i + 1, step, float("nan"), metrics, 0.0))
        self._dirty = True

    def point_count(self, key: str = "train") -> int:
        return self.series[key].n if key in self.series else 0

    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        for key, series in self.series.items():
            x, y = series.data()
            if key in ("train", "test") or key in ("recon", "kl"):
                keep = y > 0  # log axis: drop non-positive values
                x, y = x[keep], y[keep]
            self.curves[key].setData(x, y)
        x, y = self.series["train"].data()
        self.smoothed.setData(x, smooth(y))
        if self._empty and len(x):  # the first points: let the view follow the data
            self._empty = False
            self.loss_plot.removeItem(self.hint)
            self.loss_plot.enableAutoRange()
            self.metric_plot.enableAutoRange()
        self._label_last_metric()

    def _label_last_metric(self) -> None:
        key = "test_recon" if self.kind == "vae" else "test_accuracy"
        x, y = self.series[key].data() if key in self.series else ((), ())
        if len(x):
            text = f"{y[-1]:.1f} nats" if self.kind == "vae" else f"{y[-1]:.2%}"
            self.metric_label.setText(text)
            self.metric_label.setPos(x[-1], y[-1])
            if self.kind != "vae":  # from a little below the worst epoch up to 100%
                self.metric_plot.setYRange(max(0.0, float(y.min()) - 0.03), 1.0, padding=0)
        else:
            self.metric_label.setText("")


class LogAxis(pg.AxisItem):
    """A log axis that labels 1, 2 and 5 of each decade only (not every 0.6, 0.7, 0.8)."""

    def tickStrings(self, values, scale, spacing):
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        labels = []
        for exponent in values:
            value = 10 ** exponent
            mantissa = value / 10 ** np.floor(np.log10(value) + 1e-9)
            labels.append(f"{value:g}" if any(abs(mantissa - m) < 1e-6 for m in (1, 2, 5)) else "")
        return labels


SMOOTH_BLOCK = 64


def smooth(values: np.ndarray, weight: float = 0.7) -> np.ndarray:
    """TensorBoard's exponential moving average, debiased so the start is not pulled to 0.

    s_t = weight * s_(t-1) + (1 - weight) * x_t, vectorised in blocks: within a block
    s_t = w^(t+1) s_(-1) + (1-w) w^t cumsum(x_j w^-j), and a 64-long block keeps w^-j
    finite. (scipy.signal.lfilter does the same but costs a second to import.)
    """
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0 or weight <= 0:
        return values.copy()
    powers = weight ** np.arange(SMOOTH_BLOCK, dtype=np.float64)
    average = np.empty_like(values)
    carry = 0.0
    for start in range(0, len(values), SMOOTH_BLOCK):
        block = values[start:start + SMOOTH_BLOCK]
        p = powers[:len(block)]
        smoothed = weight * p * carry + (1 - weight) * p * np.cumsum(block / p)
        average[start:start + len(block)] = smoothed
        carry = smoothed[-1]
    return average / (1 - weight ** np.arange(1, len(values) + 1))


def _pen_style(name):
    return {"dash": Qt.PenStyle.DashLine, "dot": Qt.PenStyle.DotLine}.get(name, Qt.PenStyle.SolidLine)
