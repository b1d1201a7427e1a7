"""Rectangles drawn over an ImageGrid's single image: the kernel's taps, one output pixel, a border.

Pixel (row, col) of a one-tile ImageGrid covers [col, col+1] x [row, row+1] in its view.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem

WINDOW_COLOUR = QColor("#ff7f0e")


def _pen(colour: QColor, width: float = 0, style=Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(colour, width)
    pen.setCosmetic(True)
    pen.setStyle(style)
    return pen


class RectOverlay:
    """A pool of rectangles in a view; ``show`` places as many as given and hides the rest."""

    def __init__(self, view, colour: QColor = WINDOW_COLOUR, width: float = 2, fill_alpha: int = 0,
                 style=Qt.PenStyle.SolidLine, z: float = 10):
        self.view, self.colour, self.width, self.style, self.z = view, colour, width, style, z
        fill = QColor(colour)
        fill.setAlpha(fill_alpha)
        self.brush = QBrush(fill) if fill_alpha else QBrush(Qt.BrushStyle.NoBrush)
        self.items: list[QGraphicsRectItem] = []

    def show(self, rects: list[tuple[float, float, float, float]]) -> None:
        """rects: (row, col, height, width) in pixels."""
        while len(self.items) < len(rects):
            item = QGraphicsRectItem()
            item.setPen(_pen(self.colour, self.width, self.style))
            item.setBrush(self.brush)
            item.setZValue(self.z)
            self.view.addItem(item)
            self.items.append(item)
        for index, item in enumerate(self.items):
            if index < len(rects):
                row, col, height, width = rects[index]
                item.setRect(QRectF(col, row, width, height))
                item.setVisible(True)
            else:
                item.setVisible(False)

    def hide(self) -> None:
        self.show([])

    def visible_count(self) -> int:
        return sum(item.isVisible() for item in self.items)


class ValueLabels:
    """The number in every cell of a small map (as the seeds print them).

    Hidden for big maps, and whenever a cell is drawn narrower than its number (a
    small window): overlapping numbers are worse than none. Re-checked on resize.
    """

    def __init__(self, view, max_cells: int = 100, size: int = 8):
        self.view, self.max_cells, self.size = view, max_cells, size
        self.items: list = []
        self._shown = 0  # how many items hold a number
        self._widest = 0  # pixels the longest number needs
        view.sigResized.connect(self._fit)

    def show(self, values, offset: tuple[int, int] = (0, 0)) -> None:
        import numpy as np
        import pyqtgraph as pg
        from PySide6.QtGui import QFont, QFontMetrics

        values = np.asarray(values)
        cells = [] if values.size > self.max_cells else list(np.ndindex(values.shape))
        limit = float(np.abs(values).max()) if values.size else 0.0
        font = QFont()
        font.setPointSize(self.size)
        while len(self.items) < len(cells):
            item = pg.TextItem(anchor=(0.5, 0.5))
            item.setFont(font)
            item.setZValue(20)
            self.view.addItem(item)
            self.items.append(item)
        texts = []
        for index, item in enumerate(self.items[:len(cells)]):
            row, col = cells[index]
            value = float(values[row, col])
            strong = limit > 0 and abs(value) > 0.6 * limit  # dark cell: white text
            item.setColor((255, 255, 255) if strong else (20, 20, 20))
            texts.append(_short(value))
            item.setText(texts[-1])
            item.setPos(col + offset[1] + 0.5, row + offset[0] + 0.5)
        metrics = QFontMetrics(font)
        self._shown = len(cells)
        self._widest = max((metrics.horizontalAdvance(text) for text in texts), default=0)
        self._fit()

    def _fit(self) -> None:
        """Show the numbers only if the widest one fits in a cell as drawn now."""
        pixel = self.view.viewPixelSize()[0]  # data units per screen pixel; a cell is 1 unit wide
        fits = pixel > 0 and self._widest + 2 <= 1.0 / pixel
        for index, item in enumerate(self.items):
            item.setVisible(fits and index < self._shown)

    def hide(self) -> None:
        self._shown = 0
        for item in self.items:
            item.setVisible(False)

    def visible_count(self) -> int:
        return sum(item.isVisible() for item in self.items)


def _short(value: float) -> str:
    from .step_through import compact_number

    return compact_number(value)
