"""The Architectures tab before its catalog is in: a typed size waits, nothing raises."""

from __future__ import annotations

from resviz.qt.panels.architectures import ArchitecturesPanel


def test_a_size_typed_before_the_catalog_is_in_waits_for_it(qtbot):
    panel = ArchitecturesPanel(None)
    qtbot.addWidget(panel)
    assert not panel._ready and not panel.size_edit.isEnabled()  # nothing to size yet
    panel.size_edit.setText("128")
    panel.size_edit.returnPressed.emit()  # pytest-qt fails the test if a slot raises
    panel.size_edit.editingFinished.emit()
    panel.default_button.clicked.emit()
    assert "Still reading the architectures" in panel.message.text()
    panel.ensure_ready()
    qtbot.waitUntil(lambda: panel.shown_size == 128 and not panel.runner.busy, timeout=30_000)
    assert panel.shown_key == "resnet50" and panel.size_edit.isEnabled() and not panel.message.text()


def test_enter_in_an_empty_field_before_the_catalog_is_in_is_quiet(qtbot):
    panel = ArchitecturesPanel(None)
    qtbot.addWidget(panel)
    panel.size_edit.returnPressed.emit()
    assert not panel.message.text()
    panel.ensure_ready()
    qtbot.waitUntil(lambda: panel.shown_size == 224 and not panel.runner.busy, timeout=30_000)
