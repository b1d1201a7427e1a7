"""The MNIST-1D pair shows from the moment it starts, and starts together.

Both runs are in the status and the legend, each saying where it is, before either has
weights. With the tab on screen two warm training processes wait, so both runs start
training within a moment of each other (with one warm worker the MLP's process was still
importing PyTorch while the CNN had finished its three epochs: Started 6 s apart). A run
whose process was not warm says so in the status rather than just lagging.
"""

from __future__ import annotations

import re
import time

from PySide6.QtCore import Qt
from run_helpers import wait_done
from test_mnist1d_panel import one_torch_thread  # noqa: F401 — autouse: one torch thread, as the app on 2 cores

from resviz.core.events import Started
from resviz.core.process_run import WorkerPool
from resviz.core.runs import RunStatus
from resviz.qt.panels.mnist1d.run_state import WHY_LATER

TOGETHER_S = 3.0  # Started of the two, as the window receives them (two warm workers: 0.0 s; one: 6 s)


def _open(window, qtbot):
    panel = window.panel("MNIST-1D")
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.test_inputs is not None, timeout=60_000)  # MNIST-1D built or read from cache
    panel.epochs.setValue(2)
    return panel


def _started_times(window) -> dict[str, float]:
    times: dict[str, float] = {}
    window.state.run_event.connect(
        lambda run_id, event: times.setdefault(run_id, time.monotonic()) if isinstance(event, Started) else None)
    return times


def _legend(panel) -> list[str]:
    return [label.text for _sample, label in panel.curves.legend.items]


def test_both_show_before_their_first_weights_and_start_training_together(window, qtbot):
    panel = _open(window, qtbot)
    state = window.state
    # the tab asked for a warm process for each run; a person reads the tab meanwhile
    qtbot.waitUntil(lambda: state.workers.ready_count() >= 2, timeout=120_000)
    started = _started_times(window)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    runs = {run.model: run for run in state.runs}
    cnn, mlp = runs["mnist1d-cnn"], runs["mnist1d-mlp"]

    seen = {}

    def both_shown() -> bool:
        status, legend = panel.status.text(), _legend(panel)
        seen.update(status=status, legend=legend, snapshots=(len(cnn.snapshots), len(mlp.snapshots)))
        return (cnn.name in status and mlp.name in status
                and {text.split(" (")[0] for text in legend} >= {"CNN test error", "MLP test error"})

    qtbot.waitUntil(both_shown, timeout=5_000)
    assert seen["snapshots"] == (0, 0), seen  # shown before either had weights, each saying where it is
    states = r"\((loading…|starting…|step \d+)\)"
    tests = [text for text in seen["legend"] if " test error" in text]
    assert len(tests) == 2 and all(re.search(states, text) for text in tests), seen["legend"]
    assert "CNN" in seen["status"] and "MLP" in seen["status"] and WHY_LATER not in seen["status"]
    assert panel.kernels_heading.text() == "The CNN's kernels appear here with its first weights."

    wait_done(qtbot, window, cnn, timeout=120_000)
    wait_done(qtbot, window, mlp, timeout=120_000)
    assert cnn.status == mlp.status == RunStatus.DONE
    assert abs(started[cnn.id] - started[mlp.id]) < TOGETHER_S, started
    qtbot.waitUntil(lambda: panel.status.text().count("(done)") == 2, timeout=5_000)
    assert all(text.endswith("%") for text in _legend(panel))  # the values replaced the states
    assert "kernels at step" in panel.kernels_heading.text()


def test_a_run_whose_process_was_not_warm_says_why_it_starts_later(window, qtbot):
    panel = _open(window, qtbot)
    state = window.state
    state.workers = cold = WorkerPool(spare=0)  # no process waiting: each run's imports PyTorch first
    try:
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
        runs = [run for run in state.runs if run.model.startswith("mnist1d")]
        assert len(runs) == 2 and all(state.process_starting(run.id) for run in runs)
        qtbot.waitUntil(lambda: panel.status.text().count(WHY_LATER) == 2, timeout=5_000)
        assert [text for text in _legend(panel) if "(starting…)" in text] == [
            "CNN test error (starting…)", "MLP test error (starting…)"]
        qtbot.waitUntil(lambda: WHY_LATER not in panel.status.text(), timeout=120_000)  # PyTorch loaded
        assert not any(state.process_starting(run.id) for run in runs)
        for run in runs:
            wait_done(qtbot, window, run, timeout=120_000)
    finally:
        cold.close()
