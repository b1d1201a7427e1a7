"""Down- and up-sampling side by side on the same map (seed 004, figures 10.11 and 10.12).

The map is cropped to a multiple of the factor k so every method works on the same
values: down to (H/k) x (W/k) three ways, then back up to H x W three ways, all from
the max-pooled map (max unpooling needs the positions max pooling remembered).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ....core.analysis import resampling as rs
from .image_card import ImageCard
from .overlay import RectOverlay
from .tips import TIPS

FEATURE_MAP, INPUT = "feature map", "input"


class ResamplingView(QWidget):
    def __init__(self, conv2d_view, parent: QWidget | None = None):
        super().__init__(parent)
        self.conv2d_view = conv2d_view
        self.source_box = QComboBox()
        self.source_box.addItem("The 2-D view's feature map (after ReLU)", FEATURE_MAP)
        self.source_box.addItem("The 2-D view's input image", INPUT)
        self.source_box.setToolTip(TIPS["resample_source"])
        self.factor = QSpinBox(minimum=2, maximum=4, value=2)
        self.factor.setToolTip(TIPS["factor"])
        form = QFormLayout()
        form.addRow("Map", self.source_box)
        form.addRow("Factor k", self.factor)
        controls = QGroupBox("Down- and up-sampling (seed 004)")
        controls.setLayout(form)
        controls.setMaximumWidth(380)
        self.note = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.note.setStyleSheet("color: #555;")
        self.source_card = ImageCard("Map", TIPS["resample_source"])
        self.maxima = RectOverlay(self.source_card.grid.view, QColor("#ff7f0e"), 1.5)
        self.down_card = ImageCard("Down-sampling", TIPS["down"])
        self.up_card = ImageCard("Up-sampling (from the max-pooled map)", TIPS["up"])
        left = QVBoxLayout()
        left.addWidget(controls)
        left.addWidget(self.note)
        left.addWidget(self.source_card, 1)
        right = QVBoxLayout()
        right.addWidget(self.down_card, 1)
        right.addWidget(self.up_card, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 5)
        self.down: dict[str, np.ndarray] = {}
        self.up: dict[str, np.ndarray] = {}
        self._stale = False
        self.source_box.currentIndexChanged.connect(self.recompute)
        self.factor.valueChanged.connect(self.recompute)
        conv2d_view.computed.connect(self.recompute)
        self.recompute()

    def source_map(self) -> np.ndarray | None:
        result = self.conv2d_view.result
        if result is None:
            return None
        if self.source_box.currentData() == INPUT or result.activated is None:
            return result.image
        return result.activated

    def recompute(self) -> None:
        if not self.isVisible() and self.down:  # redraw when shown, not on every drag elsewhere
            self._stale = True
            return
        self._stale = False
        source = self.source_map()
        k = self.factor.value()
        if source is None or min(source.shape) < k:
            self.note.setText("Nothing to scale: the 2-D view has no map this size yet.")
            for card in (self.source_card, self.down_card, self.up_card):
                card.grid.clear()
            self.maxima.hide()
            return
        height, width = (source.shape[0] // k) * k, (source.shape[1] // k) * k
        cropped = source[:height, :width]
        pooled = rs.max_pool_with_indices(cropped, k)
        self.down = {
            "sub-sampling": rs.subsample(cropped, k),
            "max pooling": pooled.values,
            "mean pooling": rs.mean_pool(cropped, k),
        }
        self.up = {
            "duplication": rs.upsample_duplicate(pooled.values, k),
            "max unpooling": rs.max_unpool(pooled),
            "bilinear": rs.upsample_bilinear(pooled.values, (height, width)),
        }
        crop_note = (f" (cropped from {source.shape[0]}×{source.shape[1]} to a multiple of {k})"
                     if cropped.shape != source.shape else "")
        self.note.setText(f"Map {height}×{width}{crop_note} → {height // k}×{width // k} → back to "
                          f"{height}×{width}. Orange squares: where each maximum came from.")
        colormap = "gray" if self.source_box.currentData() == INPUT else "diverging"
        levels = _levels(cropped, symmetric=colormap == "diverging")
        self.source_card.set_title(f"<b>Map</b> {height}×{width}")
        self.source_card.show_images(cropped, colormap=colormap, levels=levels)
        blocks = cropped.reshape(height // k, k, width // k, k)
        varied = (blocks.max(axis=(1, 3)) > blocks.min(axis=(1, 3))).reshape(-1)  # a flat block has no "where"
        self.maxima.show([(i // width, i % width, 1, 1) for i in pooled.indices.reshape(-1)[varied]])
        self.down_card.set_title(f"<b>Down-sampling</b> by {k}: {height // k}×{width // k}")
        self.down_card.show_images(np.stack(list(self.down.values())), list(self.down), colormap=colormap,
                                       levels=levels, columns=3)
        self.up_card.set_title(f"<b>Up-sampling</b> the max-pooled map by {k}: {height}×{width}")
        self.up_card.show_images(np.stack(list(self.up.values())), list(self.up), colormap=colormap,
                                     levels=levels, columns=3)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.recompute()


def _levels(values: np.ndarray, symmetric: bool) -> tuple[float, float]:
    """One colour scale for the map and all six results, so they can be compared."""
    low, high = float(values.min()), float(values.max())
    if symmetric:  # the diverging colormap: white is zero, as in the 2-D view
        limit = max(-low, high) or 1.0
        return -limit, limit
    return (low, high) if high > low else (low, low + 1.0)
