"""One widget for every stack of small images: filters, feature maps, samples, digits.

The stack is packed into a single mosaic (``core.analysis.tiling``) and drawn as one
``ImageItem``, so 256 channels cost one texture upload. NaN gutters show as the
background. Hover and click are mapped back to the tile under the mouse. A colour
stack ``[N, H, W, 3]`` (values in [0, 1]: photos, an RGB model's first-layer kernels)
is drawn as it is, without a colour map or colour bar.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QVBoxLayout, QWidget

from ...core.analysis.tiling import (
    grid_shape,
    normalise_tiles,
    symmetric_limit,
    tile,
    tile_index_at,
    tile_origin,
)
from ...core.nice_numbers import outward, round_up

FLOAT32_MAX = float(np.finfo(np.float32).max)


def as_float32(images) -> np.ndarray:
    """float32 for pyqtgraph; values beyond float32's range saturate instead of overflowing to inf."""
    array = np.asarray(images)
    if array.dtype != np.float32 and array.size and np.issubdtype(array.dtype, np.floating):
        array = np.clip(array, -FLOAT32_MAX, FLOAT32_MAX)  # NaN stays NaN
    return np.asarray(array, dtype=np.float32)


COLORMAPS = {
    "gray": lambda: pg.ColorMap([0.0, 1.0], [(0, 0, 0), (255, 255, 255)]),
    "gray_r": lambda: pg.ColorMap([0.0, 1.0], [(255, 255, 255), (0, 0, 0)]),
    "diverging": lambda: pg.colormap.get("CET-D1"),  # blue - white - red, centred on zero
    "viridis": lambda: pg.colormap.get("viridis"),
    "inferno": lambda: pg.colormap.get("inferno"),
}


class ImageGrid(QWidget):
    """``set_images(stack, labels, colormap=..., symmetric=..., per_tile=...)``."""

    tile_clicked = Signal(int)
    tile_hovered = Signal(int)  # -1 when the mouse leaves the tiles

    def __init__(self, parent: QWidget | None = None, colorbar: bool = True, label_size: int = 8):
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.view = self.graphics.addViewBox(row=0, col=0, lockAspect=True, invertY=True, enableMenu=False)
        self.view.setMouseEnabled(x=False, y=False)
        self.image = pg.ImageItem()
        self.view.addItem(self.image)
        # the colour bar is made with the first images: pyqtgraph's is slow to build (~40 ms),
        # and a window has a dozen grids, most of them empty until training starts
        self.colorbar: pg.ColorBarItem | None = None
        self._wants_colorbar = colorbar
        self.highlight = QGraphicsRectItem()
        self.highlight.setPen(QPen(QColor("#ff7f0e"), 0))
        self.highlight.setVisible(False)
        self.view.addItem(self.highlight)
        self.label_size = label_size
        self._labels: list[pg.TextItem] = []
        self._count = 0
        self._columns = 1
        self._tile_shape = (1, 1)
        self._hovered = -1
        self._colormap_name: str | None = None
        self._mosaic_shape: tuple[int, int] | None = None
        self.title = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # --- content ----------------------------------------------------------------------
    def set_images(
        self,
        images: np.ndarray,
        labels: Sequence[str] | None = None,
        *,
        colormap: str = "gray",
        symmetric: bool = False,
        per_tile: bool = False,
        levels: tuple[float, float] | None = None,
        columns: int | None = None,
        pad: int | None = None,
    ) -> None:
        """Show ``images`` [N, H, W] (or one [H, W]), or colour images [N, H, W, 3] in [0, 1].

        symmetric: levels are ±max|x| (use with the diverging colormap, so zero is white);
        per_tile: scale each tile on its own (shape visible in every tile, strengths not comparable);
        levels: fixed (low, high), e.g. (0, 1) for pixel probabilities.
        """
        stack = as_float32(images)
        if stack.ndim == 2:
            stack = stack[None]
        if stack.ndim == 4 and stack.shape[-1] == 3:
            self._set_colour_images(stack, labels, columns, pad)
            return
        if self.colorbar is not None:
            self.colorbar.setVisible(True)
        if per_tile:
            stack = normalise_tiles(stack, symmetric=symmetric)
        count, height, width = stack.shape
        mosaic = self._layout(count, height, width, columns, pad, lambda cols, pad: tile(stack, cols, pad))
        if levels is None:  # rounded outward, so the colour bar is redrawn only when the data outgrows it
            if symmetric:
                limit = round_up(symmetric_limit(stack))
                levels = (-limit, limit)
            else:
                finite = stack[np.isfinite(stack)]
                low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
                levels = outward(low, high if high > low else low + 1.0)
        if self._wants_colorbar and self.colorbar is None and count:
            self.colorbar = pg.ColorBarItem(values=levels, colorMap=COLORMAPS[colormap](),
                                            interactive=False, width=12)
            self.graphics.addItem(self.colorbar, row=0, col=1)
            self.colorbar.setImageItem(self.image)
            self._colormap_name = None  # set the map on both below
        # Only what changed is redone: a live view calls this for every stroke or snapshot,
        # and a new colour map or range makes pyqtgraph rebuild lookup tables and axes.
        if colormap != self._colormap_name:
            self._colormap_name = colormap
            cmap = COLORMAPS[colormap]()
            self.image.setColorMap(cmap)
            if self.colorbar is not None:
                self.colorbar.setColorMap(cmap)
        self.image.setImage(mosaic, levels=levels, autoLevels=False)
        if self.colorbar is not None and tuple(self.colorbar.levels()) != tuple(levels):
            self.colorbar.setLevels(levels)
        self._finish(mosaic, labels)

    def _layout(self, count, height, width, columns, pad, make_mosaic) -> np.ndarray:
        if pad is None:
            pad = 1 if count > 1 else 0
        rows, cols = grid_shape(count, columns)
        self._count, self._columns, self._tile_shape, self._pad = count, max(cols, 1), (height, width), pad
        return make_mosaic(cols, pad) if count else np.full((1, 1), np.nan, np.float32)

    def _set_colour_images(self, stack: np.ndarray, labels, columns, pad) -> None:
        count, height, width, _ = stack.shape
        mosaic = self._layout(count, height, width, columns, pad, lambda cols, pad: np.stack(
            [tile(stack[..., channel], cols, pad) for channel in range(3)], axis=-1))
        if mosaic.ndim == 2:  # nothing to show
            mosaic = np.repeat(mosaic[..., None], 3, axis=-1)
        mosaic = np.where(np.isnan(mosaic), 1.0, np.clip(mosaic, 0.0, 1.0))  # gutters: the white background
        if self.colorbar is not None:
            self.colorbar.setVisible(False)  # colours are the image's own: there is no scale to read
        self.image.setImage(mosaic, levels=(0.0, 1.0), autoLevels=False)
        self._finish(mosaic, labels)

    def _finish(self, mosaic: np.ndarray, labels) -> None:
        self._set_labels(labels or [])
        self.highlight.setVisible(False)
        if mosaic.shape[:2] != self._mosaic_shape:
            self._mosaic_shape = mosaic.shape[:2]
            self.view.autoRange(padding=0.01)

    def clear(self) -> None:
        self.set_images(np.zeros((0, 1, 1)))

    def _set_labels(self, labels: Sequence[str]) -> None:
        while len(self._labels) < len(labels):
            item = pg.TextItem(color=(20, 20, 20), anchor=(0, 0), fill=pg.mkBrush(255, 255, 255, 170))
            item.setFont(_font(self.label_size))
            # kept as a pixmap: the labels lie on the image and are repainted with every new one
            item.textItem.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # the text: the fill behind it is drawn by the item itself, which a cache of the item would lose
            self.view.addItem(item)
            self._labels.append(item)
        for index, item in enumerate(self._labels):
            if index < len(labels) and labels[index]:
                row, col = tile_origin(index, self._tile_shape, self._columns, self._pad)
                if item.toPlainText() != labels[index]:
                    item.setText(labels[index])
                if item.pos() != QPointF(col, row):
                    item.setPos(col, row)
                if not item.isVisible():
                    item.setVisible(True)
            elif item.isVisible():
                item.setVisible(False)

    def select(self, index: int | None) -> None:
        """Draw a frame around tile ``index`` (None: no frame)."""
        if index is None or not 0 <= index < self._count:
            self.highlight.setVisible(False)
            return
        row, col = tile_origin(index, self._tile_shape, self._columns, self._pad)
        height, width = self._tile_shape
        self.highlight.setRect(QRectF(col - 0.3, row - 0.3, width + 0.6, height + 0.6))
        self.highlight.setVisible(True)

    @property
    def count(self) -> int:
        return self._count

    def mosaic(self) -> np.ndarray | None:
        """The array on screen (what tests compare between updates)."""
        return None if self.image.image is None else np.array(self.image.image)

    def save_png(self, path: str) -> None:
        if not self.grab().save(path):
            raise OSError(f"Could not write {path}")

    # --- mouse ----------------------------------------------------------------------------
    def tile_at_scene(self, scene_pos) -> int:
        if not self._count:
            return -1
        point = self.image.mapFromScene(scene_pos)
        index = tile_index_at(point.y(), point.x(), self._tile_shape, self._columns, self._count, self._pad)
        return -1 if index is None else index

    def _on_mouse_moved(self, scene_pos) -> None:
        index = self.tile_at_scene(scene_pos)
        if index != self._hovered:
            self._hovered = index
            self.tile_hovered.emit(index)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        index = self.tile_at_scene(event.scenePos())
        if index >= 0:
            self.select(index)
            self.tile_clicked.emit(index)


def _font(size: int) -> QFont:
    font = QFont()
    font.setPointSize(size)
    return font
