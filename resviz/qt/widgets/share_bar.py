"""A table cell that shows its number and, behind it, a bar for its share of the whole.

Set ``index.data(SHARE_ROLE)`` to a fraction in [0, 1]; the bar fills that much of
the cell, drawn under the number (over the highlight when the row is selected).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QStyle, QStyledItemDelegate

SHARE_ROLE = Qt.ItemDataRole.UserRole + 1


class ShareBarDelegate(QStyledItemDelegate):
    def __init__(self, color: QColor, parent=None):
        super().__init__(parent)
        self.color = QColor(color)
        self.color.setAlpha(110)

    def paint(self, painter, option, index) -> None:
        share = index.data(SHARE_ROLE)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if share and share > 0 and not selected:
            self._bar(painter, option, share)  # under the text
        super().paint(painter, option, index)
        if share and share > 0 and selected:
            self._bar(painter, option, share)  # over the selection's highlight, which would hide it

    def _bar(self, painter, option, share: float) -> None:
        rect = option.rect.adjusted(2, 3, -2, -3)
        rect.setWidth(max(2, round(rect.width() * min(float(share), 1.0))))
        painter.fillRect(rect, self.color)
