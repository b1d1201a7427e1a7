"""The Training tab's form fits 1280×820 without a scroll bar (a leftover of issue 19: it scrolled by
75 px); the rarely used settings sit under "More settings", which says what they hold while closed and
is remembered open or closed."""

from __future__ import annotations

import pytest
from clipping import clipped
from PySide6.QtCore import QPoint, Qt
from run_helpers import setup_small_run

from resviz.core.events import Step
from resviz.qt.main_window import MainWindow
from resviz.qt.settings import Settings
from resviz.qt.widgets.form_scroll import FormScrollArea


def _scroll(panel) -> FormScrollArea:
    return panel.findChild(FormScrollArea)


def _shown_whole(widget, scroll) -> bool:
    """The widget lies wholly inside the part of the form that shows (not scrolled out of sight)."""
    top_left = widget.mapTo(scroll.viewport(), QPoint(0, 0))
    return scroll.viewport().rect().contains(widget.rect().translated(top_left))


# without MNIST the banner above the form and the fallback's note in the run's card take ~270 px: the
# form scrolls then (the banner says what is missing and offers the folder or the download)
@pytest.mark.full_mnist
def test_the_form_and_a_training_run_fit_1280_by_820_without_scrolling(qtbot, window):
    window.resize(1280, 820)
    panel = window.panel("Training")
    window.tabs.setCurrentWidget(panel)
    setup_small_run(panel, epochs=1)
    events = []
    window.state.run_event.connect(lambda _run, event: events.append(event))
    panel.start_training()
    qtbot.waitUntil(lambda: any(isinstance(e, Step) for e in events), timeout=60_000)
    qtbot.wait(200)  # the progress line and the run's card are laid out
    scroll = _scroll(panel)
    assert scroll.verticalScrollBar().maximum() == 0, \
        f"the form scrolls by {scroll.verticalScrollBar().maximum()} px at 1280×820"
    for widget in (panel.model_box, panel.lr, panel.train_button, panel.stop_button, panel.progress,
                   panel.progress_label, panel.run_info):
        assert _shown_whole(widget, scroll), f"{type(widget).__name__} is out of sight at 1280×820"
    assert clipped(panel) == []


def test_more_settings_say_what_they_hold_open_on_a_click_and_are_remembered(qtbot, tmp_path):
    path = tmp_path / "settings.json"
    first = MainWindow(settings=Settings(path))
    qtbot.addWidget(first)
    first.resize(1280, 820)
    first.show()
    panel = first.panel("Training")
    first.tabs.setCurrentWidget(panel)
    more = panel.more_settings
    assert not more.is_open() and not panel.optimizer.isVisible() and not panel.processes.isVisible()
    panel.processes.setValue(2)
    assert more.summary.isVisible()
    assert f"{panel.optimizer.currentText()} · {panel.schedule.currentText()} schedule" in more.summary.text()
    assert "2 processes" in more.summary.text()  # a hidden setting that differs is still said

    qtbot.mouseClick(more, Qt.MouseButton.LeftButton)
    assert more.is_open() and panel.optimizer.isVisible() and panel.processes.isVisible()
    assert not more.summary.isVisible()
    first.close()
    first.state.stop_all(5000)

    second = MainWindow(settings=Settings(path))
    qtbot.addWidget(second)
    second.show()
    panel = second.panel("Training")
    second.tabs.setCurrentWidget(panel)
    assert panel.more_settings.is_open() and panel.optimizer.isVisible()
    second.state.stop_all(5000)
