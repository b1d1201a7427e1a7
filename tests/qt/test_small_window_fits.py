"""At 900×600 (a small laptop) the Clusters tab fits the window, all ten legend entries in view, and
Draw & classify's two drop-downs show their whole text (issue 19: the Clusters legend was cut at the
right, the tab 945 px wide; "predicted class" was clipped)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from pytestqt.exceptions import TimeoutError as WaitTimeout
from test_clusters_captions import _result
from test_draw_combo_text import test_each_drop_down_shows_its_whole_text as whole_text_at


def _on_screen(widget, window) -> QRect:
    """Where ``widget`` shows in the window, cut to the window and to every ancestor's visible area."""
    shown = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        shown = shown.intersected(QRect(parent.mapTo(window, QPoint(0, 0)), parent.size()))
        parent = parent.parentWidget()
    return shown.intersected(window.rect())


@pytest.mark.parametrize("size", [(1280, 820), (900, 600)])
def test_clusters_fits_and_shows_every_legend_entry(qtbot, window, size):
    window.resize(*size)
    panel = window.panel("Clusters")
    window.tabs.setCurrentWidget(panel)
    panel.result = _result("pca")
    panel._draw_scatter()

    def whole(entry) -> bool:
        return _on_screen(entry, window) == QRect(entry.mapTo(window, QPoint(0, 0)), entry.size())

    try:  # a busy machine lays the side column out a little later
        qtbot.waitUntil(lambda: all(whole(entry) for entry in panel.legend.entries), timeout=5000)
    except WaitTimeout:
        pass  # said below, entry by entry
    assert panel.minimumSizeHint().width() <= 900
    assert window.width() == size[0]
    page = window.tabs.currentWidget()
    assert panel.width() <= page.width() and panel.mapTo(window, QPoint(0, 0)).x() >= 0
    assert len(panel.legend.entries) == 10
    for entry in panel.legend.entries:
        assert entry.isVisible() and whole(entry), (entry.text(), _on_screen(entry, window), entry.size(), size)
        assert entry.sizeHint().width() <= entry.width() + 1, f"{entry.text()} is cut at {size}"


def test_draw_drop_downs_show_their_whole_text_at_900(qtbot, window):
    whole_text_at(qtbot, window, (900, 600))  # the 1280×820 check, at a small laptop's size
    panel = window.panel("Draw & classify")
    for box in (panel.method_box, panel.target_box):
        assert _on_screen(box, window).width() == box.width(), f"{box.currentText()!r}'s box is cut"
