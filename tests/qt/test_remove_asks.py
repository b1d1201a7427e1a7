"""Delete asks before a run leaves the list (issue 19 item 15): a comparison is not lost by one key."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from resviz.core.models import build
from resviz.core.replica import ModelReplica


def _opened_run(window, name):
    replica = ModelReplica("cnn", {}, build("cnn").eval())
    return window.state.show_model(replica, name=name)


def test_delete_asks_and_cancel_keeps_the_run(window, qtbot, monkeypatch):
    asked = []

    def answer(parent, title, text, buttons, default):
        asked.append((title, text, default))
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", answer)
    run = _opened_run(window, "plain 30, no BN")
    window.runs_list.setCurrentItem(window.runs_list.item(run.id))
    window.runs_list.setFocus()
    qtbot.keyClick(window.runs_list, Qt.Key.Key_Delete)
    assert len(asked) == 1 and asked[0][0] == "Remove run" and asked[0][2] == QMessageBox.StandardButton.Cancel
    assert "Remove “plain 30, no BN” from the list?" in asked[0][1] and "Depth lab" in asked[0][1]
    assert window.state.run(run.id) is not None and window.runs_list.item(run.id) is not None


def test_yes_removes_it(window, qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    run = _opened_run(window, "cnn to go")
    window.runs_list.setCurrentItem(window.runs_list.item(run.id))
    window.runs_list.setFocus()
    qtbot.keyClick(window.runs_list, Qt.Key.Key_Delete)
    assert window.state.run(run.id) is None and window.runs_list.item(run.id) is None
