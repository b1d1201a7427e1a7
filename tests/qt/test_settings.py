"""What the window remembers is read as plain values: nothing in a settings file can run code or stop the start."""

from __future__ import annotations

import json
import logging
import os

import pytest
from PySide6.QtCore import QSettings

from resviz.qt.main_window import MainWindow
from resviz.qt.settings import Settings, settings_path

PLANTED_KEYS = ("training/model", "training/batch", "training/epochs", "window/geometry", "window/state",
                "window/tab", "recent")


class _Opens:
    """Unpickling this object opens (creates) ``path``: proof that code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _plant_pickles(path, marker) -> None:
    """An INI file with a PySide::PyObjectWrapper under every key, as QSettings writes one.

    It is written under another name and copied, so no QSettings in this process has it cached.
    """
    scratch = path.with_name("scratch-" + path.name)
    planter = QSettings(str(scratch), QSettings.Format.IniFormat)
    for key in PLANTED_KEYS:
        planter.setValue(key, _Opens(marker))
    planter.sync()
    del planter
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(scratch.read_bytes())
    assert b"PyObjectWrapper" in path.read_bytes()


def _open(qtbot, settings=None) -> MainWindow:
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_pickle_planted_in_the_settings_runs_nothing_and_the_window_opens(qtbot, tmp_path, monkeypatch):
    marker = tmp_path / "code-ran"
    given = tmp_path / "given.ini"
    _plant_pickles(given, marker)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    _plant_pickles(tmp_path / "config" / "resviz" / "resviz.conf", marker)  # QSettings' own file for resviz
    for settings in (QSettings(str(given), QSettings.Format.IniFormat), None):
        window = _open(qtbot, settings)
        assert window.isVisible() and window.panel("Training").batch.value() > 0
        window._fill_recent_menu()
        window.close()
        window.state.stop_all(5000)
    assert not marker.exists()
    assert settings_path().is_file()  # the remembered window went to the JSON file


def test_values_of_the_wrong_kind_or_out_of_range_are_skipped_or_clamped(qtbot, tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("""{
        "training/batch": 99999999999, "training/epochs": -5, "training/lr": 1e400,
        "training/model": 42, "training/dataset": ["mnist"], "training/device": {"x": 1},
        "training/optimizer": null, "training/augment": "maybe", "training/subset": 1000000000000000000000000000,
        "training/when_busy": -3, "window/tab": 99999999999999999999, "window/geometry": {"base64": "!!"},
        "window/state": "abc", "recent": {"a": 1}
    }""")
    window = _open(qtbot, Settings(path))
    panel = window.panel("Training")
    assert panel.batch.value() == panel.batch.maximum() and panel.epochs.value() == panel.epochs.minimum()
    assert panel.lr.value() > 0 and panel.model_name and panel.device_box.currentText() == "auto"
    assert window.tabs.currentIndex() == window.tabs.count() - 1
    assert window._recent() == []
    window.close()
    window.state.stop_all(5000)
    saved = json.loads(path.read_text())
    assert saved["training/batch"] == panel.batch.maximum() and isinstance(saved["window/geometry"], dict)


def test_the_form_and_window_come_back_from_the_json_file(qtbot, tmp_path):
    path = tmp_path / "settings.json"
    first = _open(qtbot, Settings(path))
    panel = first.panel("Training")
    panel.model_box.setCurrentIndex(panel.model_box.findData("resnet"))
    panel.batch.setValue(96)
    first.tabs.setCurrentIndex(2)
    first.open_checkpoint = lambda p: True
    first._remember_recent(str(tmp_path / "a.pt"))
    first.close()
    first.state.stop_all(5000)
    second = _open(qtbot, Settings(path))
    assert second.panel("Training").model_name == "resnet" and second.panel("Training").batch.value() == 96
    assert second.tabs.currentIndex() == 2 and second._recent() == [str((tmp_path / "a.pt").resolve())]
    second.state.stop_all(5000)


def test_only_plain_values_are_stored(tmp_path):
    settings = Settings(tmp_path / "s.json")
    with pytest.raises(TypeError):
        settings.setValue("x", _Opens(tmp_path / "m"))
    with pytest.raises(TypeError):
        settings.setValue("x", [{"nested": 1}])
    with pytest.raises(ValueError):
        settings.setValue("x", float("nan"))
    settings.setValue("bytes", b"\x00\xffgeometry")
    settings.beginGroup("group")
    settings.setValue("n", 3)
    settings.endGroup()
    assert settings.sync()
    again = Settings(tmp_path / "s.json")
    assert again.data("bytes") == b"\x00\xffgeometry" and again.integer("group/n", 0, 2) == 2


@pytest.fixture
def caplog(caplog, monkeypatch):
    """The resviz logger's records reach caplog even after configure_logging stopped them propagating."""
    monkeypatch.setattr(logging.getLogger("resviz"), "propagate", True)
    return caplog


def test_a_damaged_or_foreign_file_is_ignored_with_a_note_in_the_log(tmp_path, caplog):
    for text in (b"\xff\xfe not json", b"[" * 100_000, b'["a list"]', b"{" + b" " * (2 << 20) + b"}"):
        path = tmp_path / "s.json"
        path.write_bytes(text)
        assert Settings(path).value("anything", "default") == "default"
    assert "settings not read" in caplog.text


def test_an_unwritable_settings_file_is_logged_not_raised(tmp_path, caplog):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "s.json").write_text("{}")
    os.chmod(folder / "s.json", 0o444)
    settings = Settings(folder / "s.json")
    settings.setValue("a", 1)
    assert settings.sync() is False and "settings not saved" in caplog.text


def test_a_bench_window_neither_reads_nor_changes_what_a_person_chose(qtbot):
    """`resviz bench` opens the real window and picks a model and device in its form: before, it
    left them (and its window size) in the person's settings."""
    import subprocess
    import sys

    from resviz.bench.gui_child import _window

    mine = Settings()
    mine.setValue("training/model", "cnn")
    mine.sync()
    before = settings_path().read_bytes()
    window = _window()
    qtbot.addWidget(window)
    assert window.settings.path != settings_path() and window.settings.value("training/model") is None
    window.panel("Training").model_box.setCurrentIndex(window.panel("Training").model_box.findData("resnet"))
    window.close()
    assert settings_path().read_bytes() == before
    script = "from resviz.qt.settings import Settings; s = Settings.throwaway(); s.setValue('a', 1); s.sync(); print(s.path)"
    written = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    assert written and not os.path.exists(os.path.dirname(written))  # removed when that process ended
