"""A scrolling gallery of small images, each with a caption under it (test examples, mistakes).

A ``QListWidget`` in icon mode: it wraps to the width it gets, scrolls, and a
thousand items cost nothing until they are seen. Each item keeps the index of the
example it shows (``Qt.UserRole``), so a click can be traced back to the data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from .picture_view import as_picture


def grey_pixmap(image: np.ndarray, size: int) -> QPixmap:
    """A float picture in [0, 1] — grey [H, W] (white ink on black, as stored), or colour [3, H, W] /
    [H, W, 3] — as a scaled pixmap."""
    pixels = np.ascontiguousarray((as_picture(image) * 255).astype(np.uint8))
    height, width = pixels.shape[:2]
    if pixels.ndim == 3:
        qimage = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
    else:
        qimage = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(qimage).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.FastTransformation)


class ExampleGallery(QListWidget):
    example_clicked = Signal(int)  # the example's index in its dataset

    def __init__(self, parent: QWidget | None = None, image_size: int = 56, caption_lines: int = 2,
                 caption_width: int = 104):
        super().__init__(parent)
        self.image_size = image_size
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setSpacing(4)
        self.setIconSize(QSize(image_size, image_size))
        self.setGridSize(QSize(max(caption_width, image_size + 8), image_size + 16 * caption_lines + 8))
        self.setWordWrap(True)
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))  # captions under 56-pixel images
        self.setFont(font)
        self.itemClicked.connect(lambda item: self.example_clicked.emit(item.data(Qt.ItemDataRole.UserRole)))

    def set_examples(self, images: np.ndarray, indices: Sequence[int], captions: Sequence[str],
                     tooltips: Sequence[str] | None = None) -> None:
        """Show ``images`` [N, H, W] (floats in [0, 1]) with their dataset ``indices`` and captions."""
        self.clear()
        for position, (image, index, caption) in enumerate(zip(images, indices, captions)):
            item = QListWidgetItem(QIcon(grey_pixmap(image, self.image_size)), caption)
            item.setData(Qt.ItemDataRole.UserRole, int(index))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            item.setSizeHint(self.gridSize() - QSize(4, 4))  # the caption may use the cell's full width
            if tooltips is not None:
                item.setToolTip(tooltips[position])
            self.addItem(item)

    def indices(self) -> list[int]:
        """The dataset indices shown, in order."""
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())]

    def captions(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]
