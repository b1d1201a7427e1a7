"""Loss and test-metric curves of one run, with other runs overlaid in their own colours.

The curves are read straight from the runs (``Run.curves``, Qt-free numpy buffers the
events fill). ``show_runs(primary, others)`` picks what is drawn; ``mark_dirty()`` asks
for a redraw, which a timer does at most ~30 times a second with one ``setData`` per
curve (pyqtgraph's scrollingPlots pattern), so thousands of steps a second never flood
the GUI thread. The primary run is drawn in full (raw and smoothed loss, its loss
parts, test loss, epoch lines); each overlaid run as its smoothed loss and its test
metric, in its colour, named in the legend.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer

from ...core.nice_numbers import round_up
from ...core.runs import Run
from .plot_style import EpochLines, LogAxis, share_legend_side, style_plot
from .run_colours import run_colour, run_text_colour

PALETTE = {
    "train": "#4c9be8", "raw": "#b9d4f2", "test": "#f28e2b", "accuracy": "#59a14f",
    "recon": "#b07aa1", "kl": "#edc948", "epoch": "#888888",
}
EMPTY_HINT = "Press Train: the loss appears here every few batches,\nand the test scores after each epoch."
MAX_EPOCH_LINES = 10  # epoch lines drawn at most: every k-th epoch when a run has more


class TrainingCurves(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None, epoch_lines: bool = True, test_loss: bool = True):
        """``epoch_lines`` / ``test_loss``: whether the primary run's epochs and test loss are drawn
        (a lab comparing short runs on a small subset shows the training losses alone)."""
        super().__init__(parent)
        self.epoch_lines, self.test_loss = epoch_lines, test_loss
        self.setBackground("w")
        self.loss_plot = self.addPlot(row=0, col=0, title="Loss", axisItems={"left": LogAxis("left")})
        self.loss_plot.setLogMode(y=True)
        self.loss_legend = style_plot(self.loss_plot)
        self.metric_plot = self.addPlot(row=1, col=0, title="Test accuracy")
        self.metric_plot.setLabel("bottom", "step")
        self.metric_legend = style_plot(self.metric_plot)
        self.metric_plot.setXLink(self.loss_plot)
        self.metric_plot.enableAutoRange(x=False)  # one way only: its own x fit, run first, reset the loss plot's
        share_legend_side(self.loss_legend, self.metric_legend)
        self.epoch_marks = EpochLines(self.loss_plot) if epoch_lines else None
        self.primary: Run | None = None
        self.others: list[Run] = []
        self.expected = None  # the objective of the run the form would start: framed while none is shown
        # the x axis follows the data in steps (see _follow_x) until the person pans or zooms
        self._x_end: float | None = None
        self._following_x = False
        self.loss_plot.getViewBox().sigRangeChangedManually.connect(self._stop_following_x)
        self._layout_key: tuple | None = None
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._epochs_drawn = 0
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setInterval(200)  # 5 redraws a second: live to the eye; on 2 cores each repaint of the
        # four axes takes the GIL from training (30 a second cost 16% of its speed)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()
        self._rebuild()

    # --- what is shown -------------------------------------------------------------------
    def show_runs(self, primary: Run | None, others: list[Run] = ()) -> None:
        """Draw ``primary`` in full and ``others`` overlaid (runs without curves are skipped)."""
        others = [r for r in others if primary is None or r.id != primary.id]
        key = (primary.id if primary else None, primary.objective.kind if primary else None,
               tuple(sorted(primary.curves.steps)) if primary else (), tuple(r.id for r in others),
               tuple(r.name for r in [primary, *others] if r))
        self.primary, self.others = primary, others
        if key != self._layout_key:
            self._layout_key = key
            self._rebuild()
        self.mark_dirty()

    def expect(self, objective) -> None:
        """With no run shown, frame the plots for a run of ``objective`` (the model the form has picked):
        a VAE's plot of loss terms, not an empty "Test accuracy"."""
        changed = (self.expected is None) != (objective is None) or \
            (objective is not None and objective.kind != self.expected.kind)
        self.expected = objective
        if changed and self.primary is None:
            self._layout_key = None
            self.show_runs(None, self.others)

    def mark_dirty(self) -> None:
        self._dirty = True

    @property
    def _epoch_lines(self) -> list[pg.InfiniteLine]:  # the lines drawn (older tests read this name)
        return self.epoch_marks.lines if self.epoch_marks else []

    @property
    def objective(self):
        return self.primary.objective if self.primary is not None else self.expected

    def _rebuild(self) -> None:
        """Make the curve items for the runs shown (data comes at the next redraw)."""
        for plot in (self.loss_plot, self.metric_plot):
            plot.clear()
        self.loss_legend.clear()
        self.metric_legend.clear()
        self.curves.clear()
        if self.epoch_marks:
            self.epoch_marks.clear()
        self._epochs_drawn = 0
        primary, overlay = self.primary, bool(self.others)
        self._empty = primary is None or len(primary.curves.steps["loss"]) == 0
        if primary is not None:
            colour = run_colour(primary.id) if overlay else PALETTE["train"]
            suffix = f" · {primary.name}" if overlay else ""
            self._add("raw", self.loss_plot, None if overlay else "train loss (raw)",
                      _lighter(colour) if overlay else PALETTE["raw"], width=1)
            self._add("smooth", self.loss_plot, (f"train loss{suffix}" if self.test_loss else primary.name)
                      if overlay else "train loss (smoothed)", colour, width=2.5)
            for part in sorted(primary.curves.steps):
                if part != "loss":
                    self._add(f"part:{part}", self.loss_plot, f"train {part}", PALETTE.get(part, "#999"),
                              style="dash")
            if self.test_loss:  # in an overlay, in the run's own colour: orange may be another run's
                self._add("test", self.loss_plot, f"test loss{suffix}", colour if overlay else PALETTE["test"],
                          symbol="o", style="dot" if overlay else None)
            metric_curves = self._metric_curves()
            for name, (_key, label, pen_colour, symbol) in metric_curves.items():
                self._add(name, self.metric_plot, self._metric_name(label + suffix if overlay else label),
                          colour if overlay and name == "metric:0" else pen_colour, symbol=symbol)
        for run in self.others:
            colour = run_colour(run.id)
            self._add(f"other:{run.id}", self.loss_plot, f"train loss · {run.name}" if self.test_loss else run.name,
                      colour, width=2)
            if primary is not None and run.objective.kind == primary.objective.kind:
                self._add(f"othermetric:{run.id}", self.metric_plot, self._metric_name(run.name), colour,
                          symbol="o", style="dash")
        if self.epoch_marks:
            self.loss_plot.setToolTip(_epoch_tip(primary, overlay))
        label_colour = run_text_colour(primary.id) if primary is not None and overlay else \
            self._metric_curves()["metric:0"][2]
        self.metric_label = pg.TextItem(color=label_colour, anchor=(1, 1))  # the colour of the curve it ends
        self.metric_plot.addItem(self.metric_label)
        self._set_metric_frame()
        if self._empty:
            self._show_empty_state()
        else:  # other runs shown: the view follows their data (the empty frame may have fixed it)
            self.loss_plot.enableAutoRange()
            self.metric_plot.enableAutoRange(axis=pg.ViewBox.YAxis)  # x follows the loss plot
        self._dirty = True

    def _metric_name(self, label: str) -> str | None:
        """A metric curve's legend entry, only where the plot has two kinds (a VAE's recon and KL): one
        accuracy per run needs none, its title says what it is and the runs wear the loss legend's colours."""
        return label if len(self._metric_curves()) > 1 else None

    def _metric_curves(self) -> dict[str, tuple[str, str, str, str]]:
        """The metric plot's curves for the primary run: name -> (epoch key, label, colour, symbol)."""
        if self.objective is not None and self.objective.generates:
            return {"metric:0": ("test_recon", "recon", PALETTE["recon"], "o"),
                    "metric:1": ("test_kl", "KL", PALETTE["kl"], "t")}
        return {"metric:0": ("test_accuracy", "test accuracy", PALETTE["accuracy"], "o")}

    def _set_metric_frame(self) -> None:
        if self.objective is not None and self.objective.generates:
            self.metric_plot.setLimits(yMin=None, yMax=None)
            self.metric_plot.setTitle("Test loss terms per image (nats)")
        else:
            self.metric_plot.setTitle("Test accuracy" + (" (runs in the loss legend's colours)" if self.others else ""))
            self.metric_plot.setLimits(yMin=0, yMax=1.005)  # accuracy is a fraction: never show 1.4

    def _show_empty_state(self) -> None:
        """Before the first point: a sensible frame and a line saying what will appear."""
        generates = self.objective is not None and self.objective.generates
        # where such a run's curves will lie: a VAE's loss is a hundred-odd nats per image, a classifier's under 3
        low, high = (50, 600) if generates else (0.05, 3)
        self.hint = pg.TextItem(EMPTY_HINT, color="#777", anchor=(0.5, 0.5))
        self.loss_plot.addItem(self.hint)
        self.hint.setPos(50, np.log10(low * high) / 2)
        self.loss_plot.setXRange(0, 100, padding=0)
        self.loss_plot.setYRange(np.log10(low), np.log10(high), padding=0)
        self.metric_plot.setYRange(0, 120 if generates else 1, padding=0.02)

    def _add(self, key, plot, name, color, width=2.0, style=None, symbol=None):
        pen = pg.mkPen(color, width=width, style=_pen_style(style))
        kwargs = dict(symbol=symbol, symbolBrush=color, symbolPen=None, symbolSize=7) if symbol else {}
        self.curves[key] = plot.plot([], [], pen=pen, name=name, **kwargs)

    # --- drawing ---------------------------------------------------------------------------
    def point_count(self, key: str = "train") -> int:
        """Loss points of the primary run (``key`` 'train') or of one of its parts."""
        if self.primary is None:
            return 0
        series = self.primary.curves.steps.get("loss" if key == "train" else key)
        return len(series) if series is not None else 0

    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        primary = self.primary
        if primary is not None:
            x, y = _positive(*primary.curves.steps["loss"].data())
            self.curves["raw"].setData(x, y)
            self.curves["smooth"].setData(x, smooth(y))
            for name, series in primary.curves.steps.items():
                if f"part:{name}" in self.curves:
                    self.curves[f"part:{name}"].setData(*_positive(*series.data()))
            if "test" in self.curves:
                self.curves["test"].setData(*_positive(*primary.curves.epoch_series("test_loss")))
            for name, (key, *_rest) in self._metric_curves().items():
                self.curves[name].setData(*primary.curves.epoch_series(key))
            if self.epoch_lines:
                self._draw_epoch_lines(primary)
            if self._empty and len(x):  # the first points: let the view follow the data
                self._empty = False
                self.loss_plot.removeItem(self.hint)
                self.loss_plot.enableAutoRange()
                self.metric_plot.enableAutoRange(axis=pg.ViewBox.YAxis)  # x follows the loss plot
        for run in self.others:
            x, y = _positive(*run.curves.steps["loss"].data())
            self.curves[f"other:{run.id}"].setData(x, smooth(y))
            if f"othermetric:{run.id}" in self.curves:
                key = self._metric_curves()["metric:0"][0]
                self.curves[f"othermetric:{run.id}"].setData(*run.curves.epoch_series(key))
        self._follow_x()
        self._label_last_metric()

    def _follow_x(self) -> None:
        """Keep the steps axis still while a run trains: it jumps ahead to a round number with room to
        spare when the curves reach its end, instead of moving with every new step. A moving axis
        redraws its numbers, the epoch labels and the legends on every redraw — half the cost of
        watching the curves on a small machine — and reads worse. Panning or zooming stops it;
        the plot's auto-range button ('A') starts it again."""
        view = self.loss_plot.getViewBox()
        if view.autoRangeEnabled()[0]:  # following the data: from the first points, or after 'A'
            view.enableAutoRange(x=False)
            self._following_x, self._x_end = True, None
        if not self._following_x:
            return
        ends = [curve.xData[-1] for curve in self.curves.values()
                if isinstance(curve, pg.PlotDataItem) and curve.xData is not None and len(curve.xData)]
        if not ends:
            return
        end = float(max(ends))
        training = any(run.status.active for run in (self.primary, *self.others) if run is not None)
        if not training:  # a finished or opened run: its curves fill the plot
            if end != self._x_end:
                self._x_end = end
                self.loss_plot.setXRange(0, end, padding=0.02)
        elif self._x_end is None or end > self._x_end or end < self._x_end / 4:
            self._x_end = round_up(end * 1.25)
            self.loss_plot.setXRange(0, self._x_end, padding=0)  # not a "manual" change: it keeps following

    def _stop_following_x(self, *_args) -> None:
        self._following_x = False

    def _draw_epoch_lines(self, run: Run) -> None:
        # at most about ten lines: fifty labelled lines would be a grey smear
        total = max(int(run.settings.get("epochs") or 0), len(run.curves.epochs))
        stride = max(1, math.ceil(total / MAX_EPOCH_LINES))
        for row in run.curves.epochs[self._epochs_drawn:]:
            if row["epoch"] % stride:
                continue
            self.epoch_marks.add(row["step"], f"epoch {row['epoch']}")
        self._epochs_drawn = len(run.curves.epochs)

    def _label_last_metric(self) -> None:
        if self.primary is None:
            self.metric_label.setText("")
            return
        key = self._metric_curves()["metric:0"][0]
        x, y = self.primary.curves.epoch_series(key)
        generates = self.objective.generates
        if not len(x):
            self.metric_label.setText("")
            return
        self.metric_label.setText(f"{y[-1]:.1f} nats" if generates else f"{y[-1]:.2%}")
        if not generates:  # from a little below the worst epoch shown up to 100%
            lowest = min([float(y.min())] + [float(v.min()) for v in self._other_metric_values() if len(v)])
            self.metric_plot.setYRange(max(0.0, lowest - 0.03), 1.0, padding=0)
        self.metric_label.setAnchor(self._label_anchor(float(x[-1]), float(y[-1])))
        self.metric_label.setPos(x[-1], y[-1])

    def _label_anchor(self, x: float, y: float) -> tuple[float, float]:
        """Where the last metric's label sits around its point so that it stays whole in the plot:
        above and to the left, unless that edge is too near (an accuracy near 100% hangs below it);
        in a plot too short for either, level with the point."""
        (x_low, x_high), (y_low, y_high) = self.metric_plot.viewRange()
        box, text = self.metric_plot.vb.boundingRect(), self.metric_label.textItem.boundingRect()
        width = text.width() * (x_high - x_low) / max(box.width(), 1.0)  # in data units
        height = text.height() * (y_high - y_low) / max(box.height(), 1.0)
        vertical = 1 if y + height <= y_high else 0 if y - height >= y_low else 0.5
        return (0 if x - width < x_low else 1, vertical)

    def _other_metric_values(self):
        key = self._metric_curves()["metric:0"][0]
        return [run.curves.epoch_series(key)[1] for run in self.others if f"othermetric:{run.id}" in self.curves]


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


def _epoch_tip(primary: Run | None, overlay: bool) -> str:
    """What the dotted lines are: with runs overlaid, one set only, the selected run's."""
    if primary is None:
        return ""
    whose = f"the epochs of {primary.name} (the selected run) only, not of the runs overlaid" if overlay \
        else "the end of each epoch"
    return f"Dotted lines: {whose}. A label is left out where it would run into its neighbour."


def _positive(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Only points a log axis can show (and no NaN)."""
    keep = np.isfinite(y) & (y > 0)
    return x[keep], y[keep]


def _lighter(colour: str, amount: float = 0.6) -> str:
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{int(c + (255 - c) * amount):02x}" for c in rgb)


def _pen_style(name):
    return {"dash": Qt.PenStyle.DashLine, "dot": Qt.PenStyle.DotLine}.get(name, Qt.PenStyle.SolidLine)
