"""A canvas to draw a digit on with the mouse or a pen: white ink on black, like MNIST.

Strokes are painted with a round brush into a fixed-size grayscale ``QImage`` (the
drawing's resolution does not depend on the window's size), which is shown scaled
to fit the widget. ``changed`` is emitted for every painted segment, at once: a
listener that computes (Draw & classify) keeps only the newest request while one is
running, so it never falls behind the mouse, and no frame-sized delay is added.
A pen works too: Qt turns tablet input into mouse events when the widget does not
handle tablet events itself. An image file dropped on the canvas is announced with
``file_dropped`` (the panel opens it); ``save_png`` writes the drawing as it is.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...core.analysis.preprocess import as_unit_float, mnist_to_canvas

CANVAS_SIZE = 280  # pixels of the drawing: 10x MNIST
DEFAULT_BRUSH = 22  # a digit drawn ~200 px tall becomes ~2 px strokes in 28x28, as in MNIST


class DigitCanvas(QWidget):
    changed = Signal()  # the drawing changed
    stroke_finished = Signal()
    file_dropped = Signal(str)  # a local file was dropped on the canvas

    def __init__(self, parent: QWidget | None = None, size: int = CANVAS_SIZE, brush: int = DEFAULT_BRUSH):
        super().__init__(parent)
        self._image = QImage(size, size, QImage.Format.Format_Grayscale8)
        self._image.fill(0)
        self.brush_size = brush
        self._last: QPointF | None = None
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit with the mouse or a pen, or drop an image file of one here. "
                        "Right-click or Clear to start again.")
        self.setAcceptDrops(True)

    # --- content ----------------------------------------------------------------------
    def pixels(self) -> np.ndarray:
        """The drawing's own uint8 pixels [H, W] (0 black .. 255 ink), a copy."""
        width, height, stride = self._image.width(), self._image.height(), self._image.bytesPerLine()
        raw = np.frombuffer(self._image.constBits(), dtype=np.uint8, count=stride * height)
        return raw.reshape(height, stride)[:, :width].copy()

    def array(self) -> np.ndarray:
        """The drawing as float32 [H, W] in [0, 1], ink bright on dark."""
        return self.pixels().astype(np.float32) / 255.0

    def is_empty(self) -> bool:
        return not self.array().any()

    def set_array(self, image: np.ndarray) -> None:
        """Show a grayscale image (any size; a 28x28 digit is scaled up to fill the canvas)."""
        image = as_unit_float(image)
        if image.shape != (self._image.height(), self._image.width()):
            image = mnist_to_canvas(image, (self._image.height(), self._image.width()))
        data = np.ascontiguousarray((image * 255).round().astype(np.uint8))
        self._image = QImage(data.data, data.shape[1], data.shape[0], data.shape[1],
                             QImage.Format.Format_Grayscale8).copy()  # copy: own the pixels
        self.update()
        self.changed.emit()

    def save_png(self, path: str) -> bool:
        """Write the drawing (white ink on black, full resolution) as a PNG; False if it could not be written."""
        return self._image.save(path, "PNG")

    def clear(self) -> None:
        self._image.fill(0)
        self.update()
        self.changed.emit()

    def set_brush_size(self, size: int) -> None:
        self.brush_size = int(size)

    def image_size(self) -> QSize:
        return self._image.size()

    # --- geometry ----------------------------------------------------------------------------
    def target_rect(self) -> QRectF:
        """Where the drawing is shown: the largest centred square in the widget."""
        side = min(self.width(), self.height())
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_image(self, position: QPointF) -> QPointF:
        rect = self.target_rect()
        scale = self._image.width() / rect.width()
        return QPointF((position.x() - rect.left()) * scale, (position.y() - rect.top()) * scale)

    def to_widget(self, x: float, y: float) -> QPointF:
        """Widget coordinates of drawing pixel (x, y) (for driving the canvas from code)."""
        rect = self.target_rect()
        scale = rect.width() / self._image.width()
        return QPointF(rect.left() + x * scale, rect.top() + y * scale)

    # --- drawing ------------------------------------------------------------------------------
    def _paint_segment(self, start: QPointF, end: QPointF) -> None:
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(255, 255, 255), self.brush_size, Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if start == end:  # a click is a dot
            painter.drawPoint(start)
        else:
            painter.drawLine(start, end)
        painter.end()
        self.update(self._widget_rect(start, end))  # only the segment: a full repaint scales all 280x280
        self.changed.emit()

    def _widget_rect(self, start: QPointF, end: QPointF) -> QRect:
        """The widget area a segment from ``start`` to ``end`` (drawing pixels) painted, with the brush."""
        margin = self.brush_size / 2 + 2
        top_left = self.to_widget(min(start.x(), end.x()) - margin, min(start.y(), end.y()) - margin)
        bottom_right = self.to_widget(max(start.x(), end.x()) + margin, max(start.y(), end.y()) + margin)
        return QRectF(top_left, bottom_right).toAlignedRect().adjusted(-1, -1, 1, 1)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            self.clear()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._last = self.to_image(event.position())
        self._paint_segment(self._last, self._last)

    def mouseMoveEvent(self, event) -> None:
        # No check of event.buttons(): a stroke lasts from press to release (synthetic
        # moves from tests and some tablets carry no button state).
        if self._last is None:
            return
        point = self.to_image(event.position())
        self._paint_segment(self._last, point)
        self._last = point

    def mouseReleaseEvent(self, event) -> None:
        if self._last is None:
            return
        point = self.to_image(event.position())
        if point != self._last:
            self._paint_segment(self._last, point)
        self._last = None
        self.stroke_finished.emit()

    # --- dropping a file ------------------------------------------------------------------------
    @staticmethod
    def _dropped_file(event) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        return urls[0].toLocalFile() if len(urls) == 1 and urls[0].isLocalFile() else None

    def dragEnterEvent(self, event) -> None:
        if self._dropped_file(event):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if self._dropped_file(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        path = self._dropped_file(event)
        if path:
            event.acceptProposedAction()
            self.file_dropped.emit(path)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        rect = self.target_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(rect, self._image)
        painter.setPen(QPen(QColor("#888888"), 1))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.end()

    def sizeHint(self) -> QSize:
        return QSize(CANVAS_SIZE + 40, CANVAS_SIZE + 40)
