"""A word-wrapped plain-text label that claims the height its lines need at its width.

Qt's layouts do not pass a wrapped label's height-for-width up through nested layouts,
so in a squeezed window its second line is cut off; this label sets its minimum height
to what its text needs whenever its width or text changes.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QLabel


class WrappedLabel(QLabel):
    def __init__(self, text: str = "", parent=None, **kwargs):
        super().__init__(text, parent, **kwargs)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._claim_height()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._claim_height()

    def _claim_height(self) -> None:
        needed = self._height_at(max(self.width(), 1)) if self.text() else 0
        if needed != self.minimumHeight():
            self.setMinimumHeight(needed)

    def _height_at(self, width: int) -> int:
        # measured from the font, not heightForWidth(), which never drops below the minimum set before
        margins = self.contentsMargins()
        inner = max(width - margins.left() - margins.right() - 2 * self.margin(), 1)
        flags = Qt.TextFlag.TextWordWrap | Qt.TextFlag.TextExpandTabs
        box = self.fontMetrics().boundingRect(QRect(0, 0, inner, 100_000), int(flags), self.text())
        return box.height() + margins.top() + margins.bottom() + 2 * self.margin()
