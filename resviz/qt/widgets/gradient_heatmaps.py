"""Per-layer gradient norms of several runs as heatmaps: layer × step, one log colour scale for all.

Each run's ``grad_norms`` records (core/callbacks/gradients.py) become one image: a row
per layer, the first conv at the bottom and the classifier on top, a column per
recorded step. The colour is log10 of the norm, on one scale shared by every run so
their colours compare; a dark bottom means the gradient vanished on its way down. The
layer names are the left axis (as many as fit), the colour bar says what a colour is
worth. ``mark_dirty()`` asks for a redraw; a single-shot timer does it at most ~30
times a second.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont

from ...core.runs import Run
from .image_grid import COLORMAPS
from .run_colours import run_text_colour

RECORDER = "grad_norms"
MAX_COLUMNS = 400  # steps drawn per run: records are resampled onto this many columns at most
REDRAW_MS = 33
EMPTY_HINT = "Gradient norms per layer appear here while the runs train."
LABEL_PX = 14  # vertical pixels a layer name needs (at 8 pt)


def norms_matrix(run: Run) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """(steps [n], norms [n, layers], layer names) of the run's gradient-norm records."""
    records = run.recorded.get(RECORDER) or []
    if not records:
        return np.zeros(0), np.zeros((0, 0)), ()
    labels = records[-1].labels
    records = [r for r in records if r.labels == labels]
    return (np.array([r.step for r in records], float), np.stack([np.asarray(r.values, float) for r in records]),
            tuple(labels))


def log_image(steps: np.ndarray, norms: np.ndarray, columns: int = MAX_COLUMNS) -> tuple[np.ndarray, float]:
    """log10 norms as [layers, columns] over steps 0..last, and the step width of one column.

    A record at step s stands for the steps since the one before it: each column shows the
    first record at or after its centre. A norm of 0 (no gradient at all) is NaN: background.
    """
    last = float(steps[-1])
    count = int(min(columns, max(len(steps), math.ceil(last))))
    width = last / count
    centres = (np.arange(count) + 0.5) * width
    index = np.minimum(np.searchsorted(steps, centres, side="left"), len(steps) - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(norms > 0, np.log10(np.maximum(norms, 1e-300)), np.nan)
    return logs[index].T.astype(np.float32), width


class GradientHeatmaps(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.runs: list[Run] = []
        self.plots: dict[str, pg.PlotItem] = {}
        self.images: dict[str, pg.ImageItem] = {}
        self.labels: dict[str, tuple[str, ...]] = {}
        self.levels: tuple[float, float] | None = None
        self.colormap = COLORMAPS["inferno"]()  # black: nothing arrives
        self.colorbar: pg.ColorBarItem | None = None
        self.hint = self.addLabel(EMPTY_HINT, row=0, col=0, color="#777")
        self._timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._timer.timeout.connect(self.redraw)

    # --- what is shown ------------------------------------------------------------------
    def set_runs(self, runs: list[Run]) -> None:
        """One heatmap per run, in this order (a run is added when its first record arrives)."""
        if [r.id for r in runs] != [r.id for r in self.runs]:
            self.runs = list(runs)
            self._rebuild()
        self.mark_dirty()

    def mark_dirty(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _rebuild(self) -> None:
        self.clear()
        self.plots.clear()
        self.images.clear()
        self.labels.clear()
        self.colorbar = None
        self.levels = None
        text = "Waiting for the first step's gradients…" if self.runs else EMPTY_HINT
        self.hint = self.addLabel(text, row=0, col=0, color="#777")

    def _plot_for(self, run: Run) -> pg.PlotItem:
        plot = self.plots.get(run.id)
        if plot is None:
            row = len(self.plots)
            plot = self.addPlot(row=row, col=0)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setTitle(run.name, color=run_text_colour(run.id), size="9pt")
            plot.getAxis("left").setWidth(96)
            plot.getAxis("left").setStyle(tickLength=-3, tickFont=_small_font())
            plot.getAxis("bottom").setStyle(tickFont=_small_font())
            plot.setLabel("bottom", "step")
            plot.vb.sigResized.connect(lambda _vb, run_id=run.id: self._set_layer_ticks(run_id))
            image = pg.ImageItem(colorMap=self.colormap)
            plot.addItem(image)
            self.plots[run.id], self.images[run.id] = plot, image
            if self.colorbar is None:
                self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=self.colormap, interactive=False, width=12,
                                                label="gradient norm")
                self.colorbar.setMinimumWidth(72)  # room for "1e-12" however narrow the widget is
                self.colorbar.axis.setStyle(tickFont=_small_font())
                self.addItem(self.colorbar, row=0, col=1, rowspan=len(self.runs))
            self.colorbar.setImageItem(list(self.images.values()))
        return plot

    # --- drawing --------------------------------------------------------------------------
    def redraw(self) -> None:
        drawn = {}
        for run in self.runs:
            steps, norms, labels = norms_matrix(run)
            if not len(steps):
                continue
            image, width = log_image(steps, norms)
            drawn[run.id] = (run, image, width, labels)
        finite = [img[np.isfinite(img)] for _, img, _, _ in drawn.values()]
        finite = np.concatenate(finite) if finite else np.zeros(0)
        if not finite.size:
            return
        if self.hint is not None:
            self.removeItem(self.hint)
            self.hint = None
        low, high = float(finite.min()), float(finite.max())
        levels = (math.floor(low * 2) / 2, max(math.ceil(high * 2) / 2, math.floor(low * 2) / 2 + 0.5))
        last_step = max(width * image.shape[1] for _, image, width, _ in drawn.values())
        for run, image, width, labels in drawn.values():
            plot = self._plot_for(run)
            item = self.images[run.id]
            item.setImage(image, levels=levels, autoLevels=False)
            item.setRect(0, 0, width * image.shape[1], image.shape[0])
            plot.setXRange(0, last_step, padding=0)  # one step axis for all: columns line up across runs
            plot.setYRange(0, image.shape[0], padding=0)
            if self.labels.get(run.id) != labels:
                self.labels[run.id] = labels
                self._set_layer_ticks(run.id)
        last = list(self.plots.values())[-1]
        for plot in self.plots.values():
            plot.getAxis("bottom").showLabel(plot is last)  # one "step" under the stack
        if levels != self.levels and self.colorbar is not None:
            self.levels = levels
            self.colorbar.setLevels(levels)
            self.colorbar.axis.setTicks(_decade_ticks(levels))

    def _set_layer_ticks(self, run_id: str) -> None:
        """Layer names on the left axis: as many as the plot's height fits, first and last always."""
        labels = self.labels.get(run_id, ())
        plot = self.plots.get(run_id)
        if not labels or plot is None:
            return
        fits = max(2, int(plot.vb.height() // LABEL_PX) if plot.vb.height() > 0 else 6)
        every = max(1, math.ceil(len(labels) / fits))
        shown = sorted({0, len(labels) - 1, *range(0, len(labels), every)})
        if len(shown) > 2 and shown[-1] - shown[-2] < every:  # the classifier's label would touch its neighbour's
            shown.pop(-2)
        major = [(i + 0.5, labels[i]) for i in shown]
        plot.getAxis("left").setTicks([major, []])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        for run_id in getattr(self, "plots", {}):  # pyqtgraph resizes once before __init__ ends
            self._set_layer_ticks(run_id)

    def layer_names(self, run_id: str) -> list[str]:
        """The layer names drawn on a run's axis (what tests and people read)."""
        plot = self.plots.get(run_id)
        ticks = plot.getAxis("left")._tickLevels if plot is not None else None
        return [text for _, text in ticks[0]] if ticks else []

    def image_of(self, run_id: str) -> np.ndarray | None:
        item = self.images.get(run_id)
        return None if item is None or item.image is None else np.array(item.image)

    def to_csv(self, path: str) -> None:
        """Every run's norms as rows: run, step, layer, norm (the numbers behind the colours)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write("run,step,layer_index,layer,grad_norm\n")
            for run in self.runs:
                steps, norms, labels = norms_matrix(run)
                for step, row in zip(steps, norms):
                    for i, (label, value) in enumerate(zip(labels, row)):
                        f.write(f'"{run.name}",{int(step)},{i},"{label}",{value:.6g}\n')


def _small_font() -> QFont:
    font = QFont()
    font.setPointSize(8)
    return font


def _decade_ticks(levels: tuple[float, float]) -> list[list[tuple[float, str]]]:
    """Colour-bar ticks at powers of ten (1e-12 … 1e0), or at the ends when the range is under a decade."""
    low, high = levels
    decades = list(range(math.ceil(low), math.floor(high) + 1))
    step = max(1, math.ceil(len(decades) / 8))
    major = [(float(d), f"1e{d}" if d else "1") for d in decades[::step]]
    if len(major) < 2:
        major = [(low, f"{10 ** low:.2g}"), (high, f"{10 ** high:.2g}")]
    return [major, []]
