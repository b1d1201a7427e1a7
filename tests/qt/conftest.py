"""Qt fixtures: a real main window, and a check that no training thread outlives a test."""

from __future__ import annotations

import pytest

from resviz.qt.app import configure_pyqtgraph
from resviz.qt.collector import collect_on_gui_thread
from resviz.qt.worker import TrainingJob


@pytest.fixture(autouse=True)
def _no_dangling_training_threads(qapp):
    configure_pyqtgraph()
    collect_on_gui_thread()  # as the app does: Qt objects die on the GUI thread, never on a worker's
    yield
    left = TrainingJob.running_threads()
    for thread in left:  # clean up so one failure does not cascade
        thread.trainer.stop()
        thread.wait(5000)
    assert not left, f"{len(left)} training thread(s) left running"


@pytest.fixture
def settings(tmp_path):
    """A settings file of this test's own: one test's remembered window never leaks into the next."""
    from resviz.qt.settings import Settings

    return Settings(tmp_path / "settings.json")


@pytest.fixture
def window(qtbot, settings):
    from resviz.qt.main_window import MainWindow

    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    yield win
    win.state.stop_all(5000)


@pytest.fixture
def warnings_shown(monkeypatch):
    """Message boxes would block a test: record them instead."""
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append((title, text)))
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a, **k: shown.append((title, text)))
    return shown


@pytest.fixture
def tinted(monkeypatch):
    """A registered colour dataset, 'tinted': MNIST test digits padded to 32x32 in three channels."""
    from dataclasses import replace

    import torch

    from resviz.core.data import DatasetSpec, load_dataset, register_dataset
    from resviz.core.datasets import registry

    mnist = load_dataset("mnist").subset(200, 50)

    def load(data_dir=None, **_options):
        padded = torch.nn.functional.pad(mnist.test_inputs, (2, 2, 2, 2))
        colour = torch.cat([padded, padded // 2, 255 - padded], 1)
        return replace(mnist, key="tinted", title="tinted digits", test_inputs=colour, train_inputs=colour[:0])

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))  # the registration stays in this test
    register_dataset(DatasetSpec("tinted", "tinted digits", "MNIST test digits in colour", (3, 32, 32),
                                 mnist.classes, load))
    return "tinted"
