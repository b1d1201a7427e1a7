"""Loss landscapes as 3-D surfaces, drawn in software: the grid's quads projected and painted back to front.

pyqtgraph's OpenGL surface needs a GL context, which offscreen tests, remote desktops and
many virtual machines lack. A landscape is only N×N points (441 by default), so its quads
projected orthographically and painted farthest first with QPainter (the painter's
algorithm: nearer quads cover the ones behind) redraw fast enough to turn while dragging.

Height and colour are log10 of the loss on one range for every surface shown, coloured as
the contour view colours it (viridis), so two runs side by side compare by height and by
colour. The trained weights (alpha = beta = 0) are marked with a cross on a stalk and
their own loss; on a training-path plane the snapshots' path is drawn on the surface (at
the surface's height where each snapshot lies), over it like the marker. Drag, or the
arrow keys, turn the view; every surface turns together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...core.landscape import Landscape, Trajectory
from ...core.landscape.picture import log_loss

HEIGHT = 0.7  # the loss axis, from the lowest to the highest log-loss, against the ±1 of alpha and beta
DEGREES_PER_PIXEL = 0.5  # dragging turns the view this much per pixel
KEY_TURN, KEY_TILT = 10.0, 5.0  # degrees per arrow key press
MIN_ELEVATION, MAX_ELEVATION = 5.0, 90.0  # from just above the horizon to straight down: never from below
BAR_WIDTH = 70  # the colour bar's column, label included
TITLE_HEIGHT = 22


@dataclass(frozen=True)
class Face:
    """One quad as drawn: its corners on screen, its depth (larger is farther) and its colour."""

    corners: np.ndarray  # [4, 2] screen x, y
    depth: float
    value: float  # the quad's mean log10 loss
    colour: QColor


def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round values inside [low, high], a step of 1, 2 or 5 times a power of ten, at most ``most`` of them."""
    span = high - low
    for step in (m * 10.0**e for e in range(math.floor(math.log10(span / most)) - 1, 10) for m in (1, 2, 5)):
        ticks = np.arange(math.ceil(low / step), math.floor(high / step) + 1) * step
        if len(ticks) <= most:
            return [round(float(t), 10) for t in ticks]
    return [low, high]


def surface_height(landscape: Landscape, alphas: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """log10 loss at plane points, bilinear between the grid's points (as the contour image is drawn)."""
    values = log_loss(landscape.loss)
    rows = np.clip(np.interp(alphas, landscape.alphas, np.arange(len(landscape.alphas))), 0, len(landscape.alphas) - 1)
    cols = np.clip(np.interp(betas, landscape.betas, np.arange(len(landscape.betas))), 0, len(landscape.betas) - 1)
    r0 = np.minimum(rows.astype(int), len(landscape.alphas) - 2)
    c0 = np.minimum(cols.astype(int), len(landscape.betas) - 2)
    tr, tc = rows - r0, cols - c0
    return ((1 - tr) * (1 - tc) * values[r0, c0] + (1 - tr) * tc * values[r0, c0 + 1]
            + tr * (1 - tc) * values[r0 + 1, c0] + tr * tc * values[r0 + 1, c0 + 1])


class SurfaceView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(240, 180)
        self.setToolTip("Drag, or press the arrow keys, to turn the surfaces. Height and colour: log₁₀ of the "
                        "loss, on one scale for every surface; the cross on its stalk is the trained weights.")
        self.colormap = pg.colormap.get("viridis")
        self.azimuth = -50.0  # degrees about the loss axis
        self.elevation = 35.0  # degrees above the alpha-beta plane
        self.items: list[tuple[str, Landscape, Trajectory | None]] = []
        self.levels: tuple[float, float] | None = None
        self._dragged_from: QPointF | None = None

    # --- what is shown ------------------------------------------------------------------------------
    def show_landscapes(self, items: list[tuple[str, Landscape, Trajectory | None]],
                        levels: tuple[float, float]) -> None:
        """Draw each (title, landscape, path or None) side by side, heights and colours on ``levels``
        (the lowest and highest log10 loss)."""
        self.items = list(items)
        self.levels = levels
        self.update()

    def clear(self) -> None:
        self.items, self.levels = [], None
        self.update()

    def set_view(self, azimuth: float, elevation: float) -> None:
        self.azimuth = (azimuth + 180.0) % 360.0 - 180.0
        self.elevation = float(np.clip(elevation, MIN_ELEVATION, MAX_ELEVATION))
        self.update()

    def colour_of(self, value: float) -> QColor:
        """The colour of a log10 loss on the shared scale: the contour view's viridis over the same range."""
        low, high = self.levels or (0.0, 1.0)
        r, g, b, a = self.colormap.map(np.array([(value - low) / (high - low)]), mode="byte")[0]
        return QColor(int(r), int(g), int(b), int(a))

    # --- geometry ------------------------------------------------------------------------------------
    def _project(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(screen right, screen up, depth) of model points: turned about the loss axis, then tilted."""
        turn, tilt = math.radians(self.azimuth), math.radians(self.elevation)
        across = x * math.cos(turn) - y * math.sin(turn)
        away = x * math.sin(turn) + y * math.cos(turn)
        up = z * math.cos(tilt) + away * math.sin(tilt)
        depth = away * math.cos(tilt) - z * math.sin(tilt)
        return across, up, depth

    def _heights(self, values: np.ndarray) -> np.ndarray:
        low, high = self.levels or (0.0, 1.0)
        return HEIGHT * (2 * (values - low) / (high - low) - 1)

    def _cell(self, index: int) -> QRectF:
        """Where surface ``index`` is drawn: equal columns left of the colour bar, under a title line."""
        width = max(1.0, (self.width() - BAR_WIDTH) / max(1, len(self.items)))
        return QRectF(index * width, TITLE_HEIGHT, width, max(1.0, self.height() - TITLE_HEIGHT - 18))

    def _to_screen(self, cell: QRectF, across: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Model points to pixels: the box that holds every surface (±1 wide, ±HEIGHT tall), as seen from
        this view, fills the cell, so the picture grows and shrinks smoothly as it turns, never jumps."""
        corners = np.array([(x, y, z) for x in (-1, 1) for y in (-1, 1) for z in (-HEIGHT, HEIGHT)], float)
        box_across, box_up, _ = self._project(*corners.T)
        width, height = np.ptp(box_across), np.ptp(box_up)
        scale = 0.94 * min(cell.width() / width, cell.height() / max(height, 1e-6))
        middle_across, middle_up = box_across.min() + width / 2, box_up.min() + height / 2
        return (cell.center().x() + scale * (across - middle_across),
                cell.center().y() - scale * (up - middle_up))

    def faces(self, index: int) -> list[Face]:
        """Surface ``index``'s quads, farthest first: the order they are painted in."""
        landscape = self.items[index][1]
        values = log_loss(landscape.loss)  # [alpha, beta]
        n_alpha, n_beta = values.shape
        x, y = np.meshgrid(np.linspace(-1, 1, n_alpha), np.linspace(-1, 1, n_beta), indexing="ij")
        across, up, depth = self._project(x, y, self._heights(values))
        sx, sy = self._to_screen(self._cell(index), across, up)
        corners = [(slice(None, -1), slice(None, -1)), (slice(1, None), slice(None, -1)),
                   (slice(1, None), slice(1, None)), (slice(None, -1), slice(1, None))]
        quad_x = np.stack([sx[c] for c in corners], -1).reshape(-1, 4)
        quad_y = np.stack([sy[c] for c in corners], -1).reshape(-1, 4)
        quad_depth = np.stack([depth[c] for c in corners], -1).reshape(-1, 4).mean(1)
        quad_value = np.stack([values[c] for c in corners], -1).reshape(-1, 4).mean(1)
        order = np.argsort(-quad_depth, kind="stable")
        return [Face(np.stack([quad_x[q], quad_y[q]], 1), float(quad_depth[q]), float(quad_value[q]),
                     self.colour_of(float(quad_value[q]))) for q in order]

    def _on_plane(self, index: int, alphas: np.ndarray, betas: np.ndarray, values: np.ndarray) -> np.ndarray:
        """[k, 2] screen points of plane coordinates (alpha, beta) at log10 losses ``values``."""
        a, b = self.items[index][1].alphas, self.items[index][1].betas
        x = 2 * (np.asarray(alphas, float) - a[0]) / (a[-1] - a[0]) - 1
        y = 2 * (np.asarray(betas, float) - b[0]) / (b[-1] - b[0]) - 1
        across, up, _ = self._project(x, y, self._heights(np.asarray(values, float)))
        sx, sy = self._to_screen(self._cell(index), across, up)
        return np.stack([sx, sy], 1)

    def centre_point(self, index: int) -> QPointF:
        """Where the trained weights (alpha = beta = 0, at their own loss) land on screen."""
        center_loss = self.items[index][1].center_loss
        (x, y), = self._on_plane(index, np.zeros(1), np.zeros(1), log_loss(np.array([center_loss])))
        return QPointF(float(x), float(y))

    def path_points(self, index: int) -> np.ndarray:
        """[snapshots, 2] screen points of the training path on surface ``index`` ([0, 2] without one)."""
        _, landscape, path = self.items[index]
        if path is None:
            return np.zeros((0, 2))
        alphas, betas = path.coordinates[:, 0], path.coordinates[:, 1]
        return self._on_plane(index, alphas, betas, surface_height(landscape, alphas, betas))

    # --- drawing -------------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), Qt.white)
        if not self.items or self.levels is None:
            painter.setPen(QColor("#777"))
            painter.drawText(self.rect(), Qt.AlignCenter, "No landscape yet: press Compute.")
            return
        edge = QPen(QColor(0, 0, 0, 60), 0.6)
        for index, (title, landscape, _) in enumerate(self.items):
            self._draw_floor(painter, index)
            painter.setPen(edge)
            for face in self.faces(index):
                painter.setBrush(face.colour)
                painter.drawPolygon(QPolygonF([QPointF(float(px), float(py)) for px, py in face.corners]))
            self._draw_path(painter, index)
            self._draw_centre(painter, index, landscape.center_loss)
            cell = self._cell(index)
            painter.setPen(Qt.black)
            painter.drawText(QRectF(cell.left() + 4, 2, cell.width() - 8, TITLE_HEIGHT - 2),
                             Qt.AlignCenter | Qt.TextSingleLine,
                             painter.fontMetrics().elidedText(f"{title} · ✚ loss {landscape.center_loss:.3f}",
                                                              Qt.ElideMiddle, int(cell.width() - 8)))
        self._draw_colour_bar(painter)
        painter.setPen(QColor("#777"))
        painter.drawText(QRectF(0, self.height() - 18, self.width() - BAR_WIDTH, 18), Qt.AlignCenter,
                         f"drag or arrow keys to turn · azimuth {self.azimuth:.0f}°, elevation {self.elevation:.0f}°")
        painter.end()

    def _draw_floor(self, painter: QPainter, index: int) -> None:
        """The alpha-beta plane under the surface, its axes named: which way is which direction."""
        x, y = np.array([-1, 1, 1, -1], float), np.array([-1, -1, 1, 1], float)
        across, up, _ = self._project(x, y, np.full(4, -HEIGHT))
        sx, sy = self._to_screen(self._cell(index), across, up)
        painter.setPen(QPen(QColor("#bbb"), 1))
        painter.setBrush(QColor(0, 0, 0, 12))
        painter.drawPolygon(QPolygonF([QPointF(float(a), float(b)) for a, b in zip(sx, sy)]))
        painter.setPen(QColor("#555"))
        first, second = ("PCA 1", "PCA 2") if self.items[index][2] is not None else ("α", "β")  # as the contours
        names = ((first, 0.0, -1.15), (second, 1.15, 0.0))
        across, up, _ = self._project(np.array([n[1] for n in names]), np.array([n[2] for n in names]),
                                      np.full(2, -HEIGHT))
        sx, sy = self._to_screen(self._cell(index), across, up)
        for (name, _, _), px, py in zip(names, sx, sy):
            painter.drawText(QRectF(float(px) - 30, float(py) - 10, 60, 20), Qt.AlignCenter, name)

    def _draw_path(self, painter: QPainter, index: int) -> None:
        points = [QPointF(float(x), float(y)) for x, y in self.path_points(index)]
        if not points:
            return
        painter.setPen(QPen(QColor("#ff5050"), 2))
        painter.setBrush(QColor("#ff5050"))
        painter.drawPolyline(QPolygonF(points))
        for point in points:
            painter.drawEllipse(point, 2.5, 2.5)
        painter.drawText(QPointF(points[0].x() + 6, points[0].y() - 6), "start")

    def _draw_centre(self, painter: QPainter, index: int, center_loss: float) -> None:
        point = self.centre_point(index)
        top = QPointF(point.x(), point.y() - 28)
        painter.setPen(QPen(Qt.black, 3))
        painter.drawLine(point, top)
        painter.setPen(QPen(Qt.white, 1.5))
        painter.drawLine(point, top)
        for pen in (QPen(Qt.black, 4), QPen(Qt.white, 2)):
            painter.setPen(pen)
            painter.drawLine(QPointF(top.x() - 7, top.y()), QPointF(top.x() + 7, top.y()))
            painter.drawLine(QPointF(top.x(), top.y() - 7), QPointF(top.x(), top.y() + 7))
        painter.setPen(Qt.black)
        painter.drawText(QPointF(top.x() + 10, top.y() - 4), f"{center_loss:.3f}")

    def _draw_colour_bar(self, painter: QPainter) -> None:
        low, high = self.levels
        bar = QRectF(self.width() - BAR_WIDTH + 10, TITLE_HEIGHT + 10, 14,
                     max(20.0, self.height() - TITLE_HEIGHT - 50))
        gradient = QLinearGradient(bar.bottomLeft(), bar.topLeft())
        for stop in np.linspace(0, 1, 9):
            gradient.setColorAt(float(stop), self.colour_of(low + stop * (high - low)))
        painter.setPen(QPen(QColor("#555"), 0.8))
        painter.setBrush(gradient)
        painter.drawRect(bar)
        font = QFont(painter.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() - 1))
        painter.setFont(font)
        for tick in nice_ticks(low, high):
            y = bar.bottom() - (tick - low) / (high - low) * bar.height()
            painter.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 3, y))
            painter.drawText(QPointF(bar.right() + 5, y + 4), f"{tick:g}")
        painter.drawText(QRectF(bar.left() - 8, bar.bottom() + 4, BAR_WIDTH, 16), Qt.AlignLeft, "log₁₀ loss")

    # --- turning ---------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self._dragged_from = event.position()
            self.setFocus()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._dragged_from is not None:
            moved = event.position() - self._dragged_from
            self._dragged_from = event.position()
            self.set_view(self.azimuth - DEGREES_PER_PIXEL * moved.x(), self.elevation + DEGREES_PER_PIXEL * moved.y())
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        self._dragged_from = None
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        turns = {Qt.Key_Left: (KEY_TURN, 0.0), Qt.Key_Right: (-KEY_TURN, 0.0),
                 Qt.Key_Up: (0.0, KEY_TILT), Qt.Key_Down: (0.0, -KEY_TILT)}
        if event.key() in turns:
            turn, tilt = turns[event.key()]
            self.set_view(self.azimuth + turn, self.elevation + tilt)
            event.accept()
            return
        super().keyPressEvent(event)
