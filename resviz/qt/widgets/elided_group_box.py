"""A group box whose title gives way to its contents: elided to the box's width, whole in a tooltip.

QGroupBox makes its title's full width its minimum width, so a long title ("cvae #1 — Conv VAE, 16-D
latent · step 12,858, epoch 6") beside two others pushes a tab wider than a small window. Here the
contents alone set the minimum; the title is cut with "…" when the box is narrower than it.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QGroupBox, QStyle, QStyleOptionGroupBox, QWidget

TITLE_MARGIN = 8  # px the style keeps between the title and the frame's ends


class ElidedGroupBox(QGroupBox):
    def __init__(self, title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full_title = ""
        self._tip = ""
        self.set_full_title(title)

    def full_title(self) -> str:
        return self._full_title

    def set_full_title(self, title: str) -> None:
        self._full_title = title
        self._elide()
        self._show_tip()

    def set_tip(self, tip: str) -> None:
        """The tooltip below the full title (which it always starts with)."""
        self._tip = tip
        self._show_tip()

    def minimumSizeHint(self) -> QSize:
        return QWidget.minimumSizeHint(self)  # the layout's, not the title's width

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = max(self._title_room(), 0)
        self.setTitle(self.fontMetrics().elidedText(self._full_title, Qt.TextElideMode.ElideRight, room))

    def _title_room(self) -> int:
        """The widest title that fits: the box's width less the style's frame and indent."""
        option = QStyleOptionGroupBox()
        self.initStyleOption(option)
        frame = self.style().subControlRect(QStyle.ComplexControl.CC_GroupBox, option,
                                            QStyle.SubControl.SC_GroupBoxFrame, self)
        return frame.width() - 2 * TITLE_MARGIN

    def _show_tip(self) -> None:
        self.setToolTip("\n".join(part for part in (self._full_title, self._tip) if part))
