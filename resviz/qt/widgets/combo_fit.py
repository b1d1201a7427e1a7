"""Combo boxes that show their whole text: never narrower than their longest entry, or narrow on request.

Qt sizes a combo box from its first entries or a fixed character count, so a box beside other controls
is squeezed until its current text is cut ("mean over the 16 in…", "the predicted cl"). ``fit_longest``
makes the longest entry the box's minimum width, so the rest of its row gives way instead; call it again
whenever the entries change. ``shrinkable`` is for boxes whose list may be cut to a few characters.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox


def fit_longest(box: QComboBox) -> None:
    """Never narrower than its longest entry ("predicted class", "mean over the 16 inputs")."""
    longest = max((box.fontMetrics().horizontalAdvance(box.itemText(i)) for i in range(box.count())), default=0)
    option = QStyleOptionComboBox()
    box.initStyleOption(option)
    size = box.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, option,
                                        QSize(longest, box.fontMetrics().height()), box)
    box.setMinimumWidth(size.width())


def shrinkable(box: QComboBox, characters: int = 12) -> QComboBox:
    """A combo box as narrow as ``characters`` when space is short; its list still shows whole names."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(characters)
    return box


def text_room(box: QComboBox) -> int:
    """The width in px the box gives its current text (what a person sees before it is cut)."""
    option = QStyleOptionComboBox()
    box.initStyleOption(option)
    return box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                      QStyle.SubControl.SC_ComboBoxEditField, box).width()
