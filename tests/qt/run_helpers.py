"""Helpers the window tests share: set up a small run, collect a run's events, wait for its end."""

from __future__ import annotations

import json
import subprocess
import sys


def setup_small_run(panel, model="cnn", epochs=2):
    panel.model_box.setCurrentIndex(panel.model_box.findData(model))
    panel.subset.setCurrentIndex(panel.subset.findData(2_000))
    panel.device_box.setCurrentText("cpu")
    panel.epochs.setValue(epochs)


def collect(window, run_id=None):
    """Events of one run (or of every run: (run id, event) pairs)."""
    events = []
    window.state.run_event.connect(
        lambda r, e: events.append(e if run_id else (r, e)) if run_id in (None, r) else None)
    return events


def wait_done(qtbot, window, run, timeout=30_000):
    qtbot.waitUntil(lambda: not window.state.run(run.id).status.active and window.state.job(run.id) is None,
                    timeout=timeout)


def train_cli(path, *extra):
    """A small checkpoint made by `resviz train`; its JSON line."""
    out = subprocess.run([sys.executable, "-m", "resviz", "train", "--model", "cnn", "--epochs", "1",
                          "--device", "cpu", "--train-subset", "1000", "--test-subset", "300",
                          "--out", str(path), *extra], capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout.splitlines()[-1])


def shown_generated_panel(qtbot, replica, data=None):
    """The Generated tab on its own, shown at 1200×800 with ``replica``; ``data``: the MNIST its
    state uses (the tiny set a test trained on), else whatever MNIST the state finds."""
    from resviz.qt.panels.generated import GeneratedPanel
    from resviz.qt.state import AppState

    state = AppState()
    if data is not None:
        state.datasets.put("mnist", data)
    else:
        state.dataset("mnist")
    panel = GeneratedPanel(state)
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    qtbot.waitExposed(panel)
    state.show_model(replica)
    return panel


def shown_widget(qtbot, widget, width: int, height: int):
    """``widget`` on screen at ``width`` x ``height``, closed with the test."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
