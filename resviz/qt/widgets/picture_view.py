"""One picture — grey [H, W], or colour [C, H, W] / [H, W, 3] in [0, 1] — with an optional heat map over it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


def heat_lookup_table() -> np.ndarray:
    """Transparent below 30% of the peak (so the picture stays readable), red to yellow above."""
    v = np.linspace(0, 1, 256)
    alpha = 190 * np.clip((v - 0.3) / 0.5, 0, 1)
    return np.stack([np.full_like(v, 255), 40 + 215 * v, 30 * v, alpha], 1).astype(np.uint8)


def as_picture(image: np.ndarray) -> np.ndarray:
    """[H, W] stays; [1, H, W] -> [H, W]; [3, H, W] -> [H, W, 3] (what pyqtgraph draws in colour)."""
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (3, 4):
        array = array[0] if array.shape[0] == 1 else np.moveaxis(array, 0, -1)
    return np.clip(np.nan_to_num(array), 0.0, 1.0)


class PictureView(pg.GraphicsLayoutWidget):
    """``set_picture(image, heatmap=None, dim=False)``: the picture, aspect kept; the heat map on top."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.view = self.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.view.setMouseEnabled(x=False, y=False)
        self.base = pg.ImageItem()
        self.heat = pg.ImageItem()
        self.heat.setLookupTable(heat_lookup_table())
        self.view.addItem(self.base)
        self.view.addItem(self.heat)
        self.shown: np.ndarray | None = None
        self.set_picture(np.zeros((28, 28), np.float32))

    def set_picture(self, image: np.ndarray, heatmap: np.ndarray | None = None, dim: bool = False) -> None:
        picture = as_picture(image)
        self.shown = picture
        self.base.setImage(picture * (0.75 if dim else 1.0), levels=(0, 1), autoLevels=False)
        self.heat.setImage(heatmap if heatmap is not None else np.zeros(picture.shape[:2], np.float32),
                           levels=(0, 1), autoLevels=False)
        self.view.autoRange(padding=0.02)
