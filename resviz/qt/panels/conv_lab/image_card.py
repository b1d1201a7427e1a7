"""An ImageGrid with a title line above it: one stage of the lab's pipeline."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...widgets.image_grid import ImageGrid


class ImageCard(QWidget):
    def __init__(self, title: str, tooltip: str = "", colorbar: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(f"<b>{title}</b>", wordWrap=True)
        self.title.setMinimumHeight(34)
        self.grid = ImageGrid(colorbar=colorbar)
        self.grid.setMinimumSize(110, 110)  # four side by side still fit a 900 px window
        self.setToolTip(tooltip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.grid, 1)

    def set_title(self, html: str) -> None:
        self.title.setText(html)

    def show_images(self, images, labels=None, **options) -> None:
        """``ImageGrid.set_images``, then fit the view to the image alone: overlays left from a
        bigger image must not widen the range."""
        self.grid.set_images(images, labels, **options)
        self.grid.view.autoRange(items=[self.grid.image], padding=0.01)
