"""What the window shows in the second between its first paint and its tabs: PyTorch loading.

The window paints before torch is imported (importing it and the models takes ~1.5 s
on a small machine), so a launch is answered at once; ``first_paint`` tells the window
it may start the slow part now that the person sees something.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget


class StartingPage(QWidget):
    first_paint = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._painted = False
        title = QLabel("<h2>resviz</h2>Loading PyTorch and the models…")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        busy = QProgressBar()
        busy.setRange(0, 0)  # no steps to count: an import either is done or is not
        busy.setMaximumWidth(320)
        busy.setTextVisible(False)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(busy, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_paint.emit()
