"""One look for every plot: the legend outside the data, y-axis numbers, epoch labels only where they fit.

A legend drawn inside the view box sits on whatever curve passes under it, and no corner
is safe for every run (losses start high at the left, accuracies low). ``OutsideLegend``
sits in the plot's own layout, beside the view box or under the x axis, whichever leaves
the data more room: the data can never reach it. ``EpochLines`` draws
dotted lines at epoch ends and labels them on the top axis, each only where it does not
run into its left neighbour's label or off the axis, worked out again whenever the view
is resized or panned, so "epoch 10 epoch 15" never print over each other. ``LogAxis``
always has numbers. Plots call ``style_plot``.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem

LEGEND_ROW = 4  # PlotItem's layout: rows 0 title, 1 top axis, 2 view box, 3 bottom axis; the legend goes under
LEGEND_COLUMN = 3  # or beside: columns 0 left axis, 1 view box, 2 right axis
LABEL_GAP = 6  # px between two epoch labels shown side by side
EPOCH_COLOUR = "#888888"


class OutsideLegend(pg.LegendItem):
    """A legend in ``plot``'s own layout, beside or under the view box, never in it; ``plot.plot(name=...)``
    adds to it as to addLegend's. It goes where it leaves the data the larger area: to the right in one
    column on a short wide plot, under the x axis in as many columns as fit on a tall or narrow one."""

    def __init__(self, plot: pg.PlotItem, text_size: str = "8pt", may_go_beside: bool = True):
        """``may_go_beside``: False for a plot x-linked to one without a legend (the views must keep one width)."""
        super().__init__(offset=None, labelTextSize=text_size, frame=False, horSpacing=4, verSpacing=-6)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, False)  # laid out, not floating
        self.layout.setContentsMargins(0, 2, 0, 0)  # Qt's 9 px all round cost a short plot a third of its data
        self.setMinimumWidth(0)  # its columns follow the plot's width, never the other way round
        self.plot = plot
        self.side: str | None = None
        self.preferred = "below"
        self.may_go_beside = may_go_beside
        self.partners: list[OutsideLegend] = []  # legends of plots whose x axes are linked to this one's
        plot.legend = self  # PlotItem.addItem / removeItem keep named curves in step with the legend
        for row in (3, LEGEND_ROW):  # no gap between the x axis and the legend, as between PlotItem's own rows
            plot.layout.setRowSpacing(row, 0)
        plot.layout.setColumnSpacing(2, 0)
        self._place("below")
        plot.geometryChanged.connect(self.arrange)

    def updateSize(self) -> None:
        """Entries came or went: the plot's layout gives the legend the room its rows need."""
        self.layout.invalidate()
        self.updateGeometry()
        self.arrange()
        # at once, not at the next turn of the event loop: until then the new, wider text overhangs
        # the old cells (a test that measured right after a relabel saw the last entry past the edge)
        self.plot.layout.activate()
        self.layout.activate()

    def _entry_size(self) -> tuple[float, float]:
        spacing = self.layout.horizontalSpacing()
        width = max(sample.boundingRect().width() + label.item.boundingRect().width() + 2 * spacing + 8
                    for sample, label in self.items)  # the text's width, not its cell's
        height = max(max(20.0, label.item.boundingRect().height()) + self.layout.verticalSpacing()
                     for _sample, label in self.items)
        return width, height

    def arrange(self) -> None:
        """Beside or under the view, whichever leaves the larger data area; under it, as many columns as fit."""
        if not self.items:
            return
        width, height = self._data_room()
        entry_width, entry_height = self._entry_size()
        below = width * max(height - math.ceil(len(self.items) / self._columns_below()) * entry_height, 0.0)
        beside = max(width - entry_width, 0.0) * height if len(self.items) * entry_height <= height else 0.0
        self.preferred = "right" if self.may_go_beside and beside > below else "below"
        group = [self, *self.partners]
        # an empty legend below takes no room; beside, it would still have to match its partner's width
        side = "right" if all(legend.items and legend.preferred == "right" for legend in group) else "below"
        for legend in group:  # linked x axes line up only over view boxes of one width
            legend._place(side)
            legend._fit_columns(1 if side == "right" else legend._columns_below())

    def _columns_below(self) -> int:
        if not self.items:
            return 1
        return max(1, min(len(self.items), int(self._data_room()[0] // self._entry_size()[0])))

    def _fit_columns(self, columns: int) -> None:
        if columns != self.columnCount:
            self.setColumnCount(columns)  # re-lays the entries out and asks for a new size

    def _data_room(self) -> tuple[float, float]:
        """The plot's size less its title and axes: what the view box and the legend share."""
        def shown(name: str):
            axis = self.plot.getAxis(name)
            return axis if axis.isVisible() else None
        height = self.plot.height() - self.plot.layout.rowMaximumHeight(0) * self.plot.titleLabel.isVisible()
        height -= sum(axis.height() for axis in (shown("top"), shown("bottom")) if axis is not None)
        width = self.plot.width() - sum(axis.width() for axis in (shown("left"), shown("right")) if axis is not None)
        return max(width, 0.0), max(height, 0.0)

    def _place(self, side: str) -> None:
        if side == self.side:
            return
        if self.side is not None:
            self.plot.layout.removeItem(self)
        self.side = side
        row, column = (2, LEGEND_COLUMN) if side == "right" else (LEGEND_ROW, 1)
        self.plot.layout.addItem(self, row, column, alignment=Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

    def mouseDragEvent(self, ev) -> None:
        ev.ignore()  # it has its place in the layout: dragging it over the curves would undo the point

    def hoverEvent(self, ev) -> None:
        pass


class EpochLines:
    """Dotted vertical lines at epoch ends on ``plot``, labelled on its top axis where each label fits.

    On the axis above the view the labels can never sit on a curve; a label shows only when it
    stays within the axis and clear of the last one shown to its left."""

    def __init__(self, plot: pg.PlotItem, colour: str = EPOCH_COLOUR):
        self.plot, self.colour = plot, colour
        self.lines: list[pg.InfiniteLine] = []
        self.texts: list[str] = []
        self.shown: list[tuple[float, str]] = []  # (x, text) of the labels on the axis now
        plot.showAxis("top")
        self.axis = plot.getAxis("top")
        self.font = QFont()
        self.font.setPointSizeF(8)
        self.axis.setStyle(tickFont=self.font, tickLength=0, tickTextOffset=2, showValues=True)
        self.axis.setTextPen(colour)
        self.axis.setTicks([[]])
        plot.vb.sigXRangeChanged.connect(self.fit_labels)
        plot.vb.sigResized.connect(self.fit_labels)

    def add(self, x: float, text: str) -> None:
        line = pg.InfiniteLine(x, angle=90, pen=pg.mkPen(self.colour, style=Qt.PenStyle.DotLine))
        self.plot.addItem(line, ignoreBounds=True)
        self.lines.append(line)
        self.texts.append(text)
        self.fit_labels()

    def clear(self) -> None:
        """Forget the lines (``plot.clear()`` has taken them off the plot already, or this does)."""
        for line in self.lines:
            if line.scene() is not None:
                self.plot.removeItem(line)
        self.lines.clear()
        self.texts.clear()
        self.fit_labels()

    def fit_labels(self, *_args) -> None:
        """Left to right, a label shows when it lies within the axis and clear of the last one shown."""
        (x_low, x_high), _y = self.plot.vb.viewRange()
        width = self.plot.vb.width()
        metrics = QFontMetricsF(self.font)
        self.shown, right_of_last = [], -math.inf
        if width > 0 and x_high > x_low:
            for x, text in sorted((float(line.value()), text) for line, text in zip(self.lines, self.texts)):
                half = metrics.horizontalAdvance(text) / 2 + 1
                centre = (x - x_low) / (x_high - x_low) * width
                if centre - half >= max(0.0, right_of_last + LABEL_GAP) and centre + half <= width:
                    self.shown.append((x, text))
                    right_of_last = centre + half
        self.axis.setTicks([self.shown])


def share_legend_side(*legends: OutsideLegend | None) -> None:
    """Stacked plots with linked x axes: their legends go to the same side, so the views keep one width
    (pyqtgraph lines linked views up by screen position)."""
    present = [legend for legend in legends if legend is not None]
    for legend in present:
        legend.partners = [other for other in present if other is not legend]


def style_plot(plot: pg.PlotItem, legend: bool = True, grid: float = 0.2,
               may_go_beside: bool = True) -> OutsideLegend | None:
    """The house style: y-axis numbers on (never over each other), a light grid, and (``legend``) a legend
    outside the data."""
    old = plot.getAxis("left")
    if not isinstance(old, FittingAxis):
        text, units = old.labelText, old.labelUnits
        plot.setAxisItems({"left": FittingAxis("left")})
        if text or units:  # the new axis keeps the old one's title ("error (%)")
            plot.setLabel("left", text, units=units)
    plot.showAxis("left")
    plot.getAxis("left").setStyle(showValues=True)
    plot.showGrid(x=True, y=True, alpha=grid)
    return OutsideLegend(plot, may_go_beside=may_go_beside) if legend else None


class FittingAxis(pg.AxisItem):
    """A y axis whose numbers never print over each other: on a short plot (a lab's accuracy squeezed
    to 40 px) it keeps every k-th tick of its first level, and at least two, so that each number has
    its line."""

    def tickValues(self, minVal, maxVal, size):
        levels = super().tickValues(minVal, maxVal, size)
        if not levels or self.orientation not in ("left", "right"):
            return levels
        text = QFontMetricsF(self.style["tickFont"] or self.font()).height()
        most = max(2, int(size // max(text * 1.3, 1.0)))
        spacing, values = levels[0]
        if len(values) <= most:
            return levels
        # pyqtgraph leaves out a number that would stick out past either end of the axis
        half, span = text * 0.45, max(maxVal - minVal, 1e-12)
        values = [v for v in values if half <= (v - minVal) / span * size <= size - half] or list(values)
        stride = math.ceil(len(values) / most)
        # multiples of stride steps (0, 0.4, 0.8 rather than 0.2, 0.6, 1.0) where two of those are in view
        kept = [v for v in values if spacing and abs(v / (spacing * stride) - round(v / (spacing * stride))) < 1e-6]
        if len(kept) < 2:
            kept = values[::stride] if len(values[::stride]) >= 2 else [values[0], values[-1]]
        return [(abs(kept[1] - kept[0]) if len(kept) > 1 else spacing, kept)]  # the step the numbers' digits need


class LogAxis(FittingAxis):
    def logTickValues(self, minVal, maxVal, size, stdTicks):
        ticks = super().logTickValues(minVal, maxVal, size, stdTicks)
        if sum(len(values) for _spacing, values in ticks) >= 2:
            return ticks
        low, high = 10.0 ** minVal, 10.0 ** maxVal
        step = _nice_step((high - low) / 4)
        values = np.arange(math.ceil(low / step) * step, high, step)
        return [(None, [math.log10(v) for v in values if v > 0])]

    def tickStrings(self, values, scale, spacing):
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        numbers = [10.0 ** exponent for exponent in values]
        round_ones = [any(abs(_mantissa(v) - m) < 1e-6 for m in (1, 2, 5)) for v in numbers]
        if sum(round_ones) < 2:
            return [f"{v:.3g}" for v in numbers]
        return [f"{v:g}" if keep else "" for v, keep in zip(numbers, round_ones)]


def _mantissa(value: float) -> float:
    return value / 10 ** math.floor(math.log10(value) + 1e-9)


def _nice_step(span: float) -> float:
    """1, 2 or 5 times a power of ten, near ``span``."""
    power = 10.0 ** math.floor(math.log10(max(span, 1e-12)))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= span)
