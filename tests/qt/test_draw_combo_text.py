"""Draw & classify's drop-downs show their whole current text (issue 19 item 13): at 1280×820 the method
and the class to explain read in full ("HiResCAM", "predicted class"), the long explanations in tooltips."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyle, QStyleOptionComboBox


def _room(box) -> int:
    """The width a combo box gives its current text."""
    option = QStyleOptionComboBox()
    box.initStyleOption(option)
    return box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                      QStyle.SubControl.SC_ComboBoxEditField, box).width()


@pytest.mark.parametrize("size", [(1280, 820)])
def test_each_drop_down_shows_its_whole_text(qtbot, window, size):
    window.resize(*size)
    panel = window.panel("Draw & classify")
    window.tabs.setCurrentWidget(panel)
    qtbot.wait(200)
    for box in (panel.method_box, panel.target_box):
        for i in range(box.count()):
            box.setCurrentIndex(i)
            text = box.currentText()
            assert box.fontMetrics().horizontalAdvance(text) <= _room(box), f"{text!r} cut at {size}"
    assert panel.method_box.itemData(0, Qt.ItemDataRole.ToolTipRole) == "Where the evidence is"
