"""One picture — grey [H, W], or colour [C, H, W] / [H, W, 3] in [0, 1] — with an optional heat map over it.

Drawn by QPainter as one opaque RGB image (the heat map blended in with numpy first), scaled
with the aspect kept and pixels left square: no scene graph, no second layer. It is repainted
on every stroke in Draw & classify and Feature maps, and a pyqtgraph view with two image
layers cost ~1.4 ms an update there (each layer converted and blended at screen size), about
ten times this.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

PADDING = 0.02  # of the picture's size, around it
DIMMED = 0.75  # the picture under a heat map is darkened so the heat reads


def heat_colours(heat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rgb [H, W, 3] in 0..255, alpha [H, W] in 0..1) for heat values in [0, 1]: transparent below
    30% of the peak (so the picture stays readable), red to yellow above."""
    v = np.clip(np.nan_to_num(np.asarray(heat, np.float32)), 0.0, 1.0)
    alpha = (190 / 255) * np.clip((v - 0.3) / 0.5, 0.0, 1.0)
    rgb = np.stack([np.full_like(v, 255.0), 40 + 215 * v, 30 * v], axis=-1)
    return rgb, alpha


def as_picture(image: np.ndarray) -> np.ndarray:
    """[H, W] stays; [1, H, W] -> [H, W]; [3, H, W] -> [H, W, 3]; values clipped to [0, 1]."""
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (3, 4):
        array = array[0] if array.shape[0] == 1 else np.moveaxis(array, 0, -1)
    return np.clip(np.nan_to_num(array), 0.0, 1.0)


def _fit(heat: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The heat map at the picture's size (nearest pixel) when it was computed at another."""
    heat = np.asarray(heat, np.float32)
    if heat.shape == shape:
        return heat
    rows = np.arange(shape[0]) * heat.shape[0] // shape[0]
    cols = np.arange(shape[1]) * heat.shape[1] // shape[1]
    return heat[rows[:, None], cols[None, :]]


def composed_rgb(picture: np.ndarray, heatmap: np.ndarray | None, dim: bool) -> np.ndarray:
    """[H, W, 3] uint8: the picture (dimmed if asked) with the heat map blended over it."""
    rgb = picture[..., None].repeat(3, axis=-1) if picture.ndim == 2 else picture[..., :3]
    rgb = rgb * (255.0 * (DIMMED if dim else 1.0))
    if heatmap is not None:
        colours, alpha = heat_colours(_fit(heatmap, picture.shape[:2]))
        rgb = rgb * (1 - alpha[..., None]) + colours * alpha[..., None]
    return np.clip(rgb + 0.5, 0, 255).astype(np.uint8)


def rgb32_image(rgb: np.ndarray) -> QImage:
    """A QImage in RGB32, the format the raster painter scales fastest, owning its pixels."""
    height, width, _ = rgb.shape
    packed = np.empty((height, width), np.uint32)
    packed[:] = (0xFF << 24) | (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    return QImage(packed.data, width, height, width * 4, QImage.Format.Format_RGB32).copy()


class PictureView(QWidget):
    """``set_picture(image, heatmap=None, dim=False)``: the picture, aspect kept; the heat map over it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)  # as a plot view: takes the room
        self.shown: np.ndarray | None = None  # the picture as given, [H, W] or [H, W, 3] in [0, 1]
        self.heatmap: np.ndarray | None = None
        self._image = QImage()
        self.set_picture(np.zeros((28, 28), np.float32))

    def set_picture(self, image: np.ndarray, heatmap: np.ndarray | None = None, dim: bool = False) -> None:
        picture = as_picture(image)
        self.shown = picture
        self.heatmap = None if heatmap is None else np.asarray(heatmap, np.float32)
        self._image = rgb32_image(composed_rgb(picture, self.heatmap, dim))
        self.update()

    def picture_rect(self) -> QRectF:
        """Where the picture is drawn: as large as fits with the padding, centred, aspect kept."""
        height, width = self.shown.shape[:2]
        pad = 1 + 2 * PADDING
        scale = min(self.width() / (width * pad), self.height() / (height * pad))
        w, h = width * scale, height * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # a pixel stays a square
        painter.drawImage(self.picture_rect(), self._image)
        painter.end()

    def sizeHint(self) -> QSize:
        return QSize(200, 200)
