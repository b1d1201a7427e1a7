"""The confusion matrix as a clickable heatmap: row = true class, column = predicted class.

Counts, row-normalised shares (each row sums to 100%: where the images of one class
went), or the difference between two models (A - B, red where A has more). Class
names label both axes; every cell shows its number in the largest font its cell
allows (then as '1.1k'; hidden only below a legible size: the line under the plot
tells), so a 10-class matrix at 900×600 shows its diagonal too; a click on a cell emits
``cell_clicked(true_class, predicted_class)``. The line under the plot describes the
cell under the mouse, else the selected one, always from the matrix shown now.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...widgets.plot_export import PlotExportButtons

MODES = {"counts": "Counts", "rows": "Row-normalised (%)", "difference": "Difference A − B"}
NUMBER_PIXELS = range(11, 6, -1)  # a cell's number in the largest that fits: 11 px (8 pt) down to 7, still legible
NUMBER_MARGIN = 2  # pixels left free in a cell beside its number


def _font(pixels: int) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)  # pixels, not points: the cell it must fit is measured in pixels
    return font


@lru_cache(maxsize=8)
def _metrics(pixels: int) -> QFontMetrics:
    return QFontMetrics(_font(pixels))


def compact(text: str) -> str:
    """A count of 1,000 or more as '1.1k' (sign kept): what fits a small cell."""
    sign, digits = (text[0], text[1:]) if text[:1] in "+-" else ("", text)
    if not digits.isdigit() or len(digits) < 4:
        return text
    thousands = int(digits) / 1000
    return f"{sign}{thousands:.1f}k" if thousands < 10 else f"{sign}{thousands:.0f}k"


def fitting_label(text: str, cell: float) -> tuple[str, QFont] | None:
    """The label and font that fit a ``cell``-pixel square: the number in full, smaller, then compact."""
    for label in dict.fromkeys((text, compact(text))):
        for pixels in NUMBER_PIXELS:
            metrics = _metrics(pixels)
            if metrics.horizontalAdvance(label) + NUMBER_MARGIN <= cell and metrics.height() <= cell:
                return label, _font(pixels)
    return None


def short_name(name: str, limit: int = 10) -> str:
    """A class name short enough for a column: 'T-shirt/top' -> 'T-shirt', 'Ankle boot' stays."""
    return name if len(name) <= limit else name.split("/")[0][:limit]


def cell_values(confusion: np.ndarray, mode: str, reference: np.ndarray | None = None) -> np.ndarray:
    """What each cell shows: counts, percent of its row, or the count difference to ``reference``."""
    confusion = confusion.astype(np.float64)
    if mode == "rows":
        totals = confusion.sum(1, keepdims=True)
        return np.divide(100 * confusion, totals, out=np.zeros_like(confusion), where=totals > 0)
    if mode == "difference":
        if reference is None:
            raise ValueError("The difference needs a second model to compare with.")
        return confusion - reference
    return confusion


class ConfusionMatrixView(QWidget):
    cell_clicked = Signal(int, int)  # (true class, predicted class)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plot = self.graphics.addPlot(title="Confusion matrix")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.setLabel("left", "true class")
        self.plot.setLabel("bottom", "predicted class")
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.frame = QGraphicsRectItem()
        self.frame.setPen(QPen(QColor("#ff7f0e"), 0.08))
        self.frame.setVisible(False)
        self.plot.addItem(self.frame)
        self.export = PlotExportButtons(self.plot, "confusion_matrix", self.table)
        self.hover = QLabel(" ")
        self.hover.setStyleSheet("color: #555;")
        bottom = QHBoxLayout()
        bottom.addWidget(self.hover, 1)
        bottom.addWidget(self.export)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics, 1)
        layout.addLayout(bottom)
        self._texts: list[pg.TextItem] = []
        self._column_names: list[pg.TextItem] = []
        self.values = np.zeros((0, 0))
        self.classes: tuple[str, ...] = ()
        self.mode = "counts"
        self.confusion = np.zeros((0, 0), np.int64)
        self.hovered: tuple[int, int] | None = None  # the cell under the mouse
        self.selected: tuple[int, int] | None = None  # the cell clicked (framed)
        self.graphics.viewport().installEventFilter(self)
        self.graphics.scene().sigMouseClicked.connect(self._on_click)
        self.graphics.scene().sigMouseMoved.connect(self._on_hover)
        self.plot.vb.sigResized.connect(self._fit_text)

    def set_matrix(self, confusion: np.ndarray, classes: tuple[str, ...], mode: str = "counts",
                   reference: np.ndarray | None = None) -> None:
        self.values = cell_values(confusion, mode, reference)
        self.confusion = np.asarray(confusion)
        self.classes, self.mode = tuple(classes), mode
        k = len(confusion)
        if mode == "difference":
            limit = max(float(np.abs(self.values).max()), 1.0)
            self.image.setColorMap(pg.colormap.get("CET-D1"))  # blue: B has more, red: A has more
            levels = (-limit, limit)
        else:
            self.image.setColorMap(pg.ColorMap([0.0, 1.0], [(255, 255, 255), (31, 90, 170)]))
            # the diagonal dwarfs the mistakes: a square-root scale lets small off-diagonal counts show
            levels = (0.0, float(np.sqrt(max(self.values.max(), 1.0))))
        shown = self.values if mode == "difference" else np.sqrt(np.maximum(self.values, 0))
        self.image.setImage(shown, levels=levels, autoLevels=False)
        self.image.setRect(QRectF(0, 0, k, k))
        self.plot.getAxis("left").setTicks([[(i + 0.5, c) for i, c in enumerate(classes)]])
        self.plot.getAxis("bottom").setTicks([[]])  # the slanted names below are the ticks
        self._write_column_names(classes)
        self.plot.setTitle({"counts": "Confusion matrix (test images)",
                            "rows": "Confusion matrix, % of each true class",
                            "difference": "Confusion matrix difference: A − B"}[mode])
        self._write_numbers(levels)
        self.frame.setVisible(False)
        self.selected = None
        if self.hovered is not None and max(self.hovered) >= k:
            self.hovered = None
        self._fit_text()
        self._update_line()

    def clear(self) -> None:
        """No matrix: nothing drawn, nothing hovered or selected."""
        self.values, self.confusion, self.classes = np.zeros((0, 0)), np.zeros((0, 0), np.int64), ()
        self.image.clear()
        for text in [*self._texts, *self._column_names]:
            text.setVisible(False)
        self.frame.setVisible(False)
        self.hovered = self.selected = None
        self._update_line()

    def cell_pixels(self) -> float:
        """How wide one cell is on screen."""
        left = self.plot.vb.mapViewToScene(pg.Point(0, 0))
        right = self.plot.vb.mapViewToScene(pg.Point(1, 0))
        return abs(right.x() - left.x())

    def _name_rows(self) -> float:
        """Rows of view space under the matrix that the slanted column names need at this size.

        The names have a fixed size in pixels while a row's height depends on the
        range shown, so solve for it: width-limited, a row is width / k pixels;
        height-limited, rows r satisfy r * height / (k + r) = the names' height.
        """
        k = len(self.values)
        metrics = QFontMetrics(QFont())
        longest = max((metrics.horizontalAdvance(t.textItem.toPlainText()) for t in self._column_names[:k]), default=0)
        needed = longest * 0.71 + metrics.height()  # 45 degrees: the name's height on screen
        width, height = max(self.plot.vb.width(), 1.0), max(self.plot.vb.height(), 1.0)
        rows = needed / (width / k)
        if height / (k + rows) < width / k:  # the height is what limits the cells
            rows = needed * k / max(height - needed, 1.0)
        return rows

    def _fit_text(self, *_) -> None:
        """Make room for the column names; numbers only where they fit (hovering a cell always tells)."""
        k = len(self.values)
        if not k:
            return
        self.plot.setRange(xRange=(0, k), yRange=(0, k + self._name_rows()), padding=0.02)
        size = self.cell_pixels()
        for index, text in enumerate(self._texts):
            fit = fitting_label(self._format(self.values.flat[index]), size) if index < k * k else None
            text.setVisible(fit is not None)
            if fit is not None and text.textItem.toPlainText() != fit[0]:
                text.setText(fit[0])
            if fit is not None and text.textItem.font() != fit[1]:
                text.setFont(fit[1])
        for index, text in enumerate(self._column_names):
            text.setVisible(index < k and size >= 14)

    def _write_column_names(self, classes) -> None:
        """Predicted-class names under the columns, slanted so long names do not overlap."""
        while len(self._column_names) < len(classes):
            text = pg.TextItem(anchor=(0.0, 0.5), angle=-45, color=(30, 30, 30))  # reads down to the right
            self.plot.addItem(text)
            self._column_names.append(text)
        for index, (text, name) in enumerate(zip(self._column_names, classes)):
            text.setText(short_name(name, 12))
            text.setPos(index + 0.35, len(classes) + 0.15)

    def _write_numbers(self, levels) -> None:
        k = len(self.values)
        while len(self._texts) < k * k:
            text = pg.TextItem(anchor=(0.5, 0.5))
            text.setFont(_font(NUMBER_PIXELS[0]))
            self.plot.addItem(text)
            self._texts.append(text)
        for index, text in enumerate(self._texts[:k * k]):
            row, col = divmod(index, k)
            value = self.values[row, col]
            text.setText(self._format(value))
            if self.mode == "difference":
                dark = abs(value) > 0.6 * levels[1]
            else:
                dark = np.sqrt(max(value, 0)) > 0.6 * levels[1]
            text.setColor((255, 255, 255) if dark else (30, 30, 30))
            text.setPos(col + 0.5, row + 0.5)

    def _format(self, value: float) -> str:
        if self.mode == "rows":
            return f"{value:.0f}" if value >= 1 or value == 0 else f"{value:.1f}"
        if self.mode == "difference":
            return f"{value:+.0f}" if value else "0"
        return f"{value:.0f}"

    def select(self, true_class: int, predicted_class: int) -> None:
        self.frame.setRect(QRectF(predicted_class, true_class, 1, 1))
        self.frame.setVisible(True)
        self.selected = (true_class, predicted_class)
        self._update_line()

    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        """The (true, predicted) cell under a scene position, or None outside the matrix."""
        k = len(self.values)
        if not k or not self.plot.vb.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.plot.vb.mapSceneToView(scene_pos)
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        return (row, col) if 0 <= row < k and 0 <= col < k else None

    def scene_position(self, true_class: int, predicted_class: int):
        """The scene point at a cell's centre (for tests that click it)."""
        return self.plot.vb.mapViewToScene(pg.Point(predicted_class + 0.5, true_class + 0.5))

    def describe(self, cell: tuple[int, int]) -> str:
        """What one cell of the matrix shown now holds, in words."""
        row, col = cell
        count, total = int(self.confusion[row, col]), int(self.confusion[row].sum())
        share = f" ({100 * count / total:.1f}% of {self.classes[row]})" if total else ""
        what = "correct" if row == col else f"taken for {self.classes[col]}"
        extra = f" · A − B {self.values[row, col]:+.0f}" if self.mode == "difference" else ""
        return f"{self.classes[row]} {what}: {count:,} images{share}{extra}"

    def line_text(self) -> str:
        """The line under the plot: the hovered cell, else the selected one, else nothing."""
        k = len(self.values)
        if self.hovered is not None and max(self.hovered) < k:
            return f"{self.describe(self.hovered)} — click to see them"
        if self.selected is not None and max(self.selected) < k:
            return f"Selected: {self.describe(self.selected)}"
        return " "

    def _update_line(self) -> None:
        self.hover.setText(self.line_text())

    def _on_hover(self, scene_pos) -> None:
        self.hovered = self.cell_at(scene_pos)
        self._update_line()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.graphics.viewport() and event.type() == QEvent.Type.Leave:
            self.hovered = None  # the mouse left the plot: the line goes back to the selected cell
            self._update_line()
        return super().eventFilter(watched, event)

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            self.select(*cell)
            self.cell_clicked.emit(*cell)

    def table(self) -> tuple[list[str], list[list]]:
        """The matrix as CSV rows: the true class, then one column per predicted class."""
        header = [f"true \\ predicted ({self.mode})", *self.classes]
        return header, [[self.classes[r], *self.values[r].tolist()] for r in range(len(self.values))]
