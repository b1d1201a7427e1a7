"""The window answers a launch before PyTorch is imported (issue 20: cold start <= 1.5 s).

``resviz`` builds ``MainWindow(deferred=True)``: a loading page paints, then ``build``
imports torch and fills the tabs. The first check runs in a fresh process, since this
test process has torch loaded already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from PySide6.QtWidgets import QLabel

from resviz.qt.main_window import MainWindow
from resviz.qt.settings import Settings
from resviz.qt.widgets.starting_page import StartingPage


def test_a_fresh_process_paints_the_window_before_importing_torch():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.run([sys.executable, "-m", "resviz.bench.gui_child", "shown"], env=env,
                           capture_output=True, text=True, timeout=120)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["painted"] and result["ready"]
    assert result["torch_at_paint"] is False
    assert result["paint_to_ready_s"] > 0
    assert "Training" in result["panels"] and len(result["panels"]) >= 14


def test_a_deferred_window_shows_the_loading_page_then_its_tabs(qtbot, tmp_path):
    window = MainWindow(settings=Settings(tmp_path / "settings.json"), deferred=True)
    qtbot.addWidget(window)
    assert isinstance(window.centralWidget(), StartingPage) and not window.built
    shown = " ".join(label.text() for label in window.centralWidget().findChildren(QLabel))
    assert "Loading PyTorch" in shown
    window.build()
    assert window.built and window.tabs.isAncestorOf(window.tabs.currentWidget()) and window.tabs.window() is window
    assert window.tabs.tabText(0) == "Training"
    window.close()


def test_closing_a_window_that_is_still_loading_closes_it(qtbot, tmp_path):
    window = MainWindow(settings=Settings(tmp_path / "settings.json"), deferred=True)
    qtbot.addWidget(window)
    window.show()
    assert window.close()
    assert not window.isVisible()
