"""Train -> Stop again and again with a tab open that works in the background: the models
built for the panels stay a handful, however many runs are kept (issue 10, item 23)."""

from __future__ import annotations

import gc

from PySide6.QtCore import Qt, QThreadPool
from run_helpers import setup_small_run, wait_done

from resviz.core.model_cache import REPLICAS_KEPT
from resviz.core.replica import ModelReplica


def test_finished_runs_leave_only_a_few_models_alive(window, qtbot):
    panel = window.panel("Training")
    setup_small_run(panel, model="cnn", epochs=1)
    window.tabs.setCurrentWidget(panel)
    for _ in range(6):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
        run = window.state.selected_run()
        qtbot.waitUntil(lambda run=run: len(run.snapshots) >= 2, timeout=30_000)
        qtbot.wait(1500)  # the other tabs see the new weights too
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
        wait_done(qtbot, window, run)
    QThreadPool.globalInstance().waitForDone(10_000)
    qtbot.wait(100)
    gc.collect()
    alive = [o for o in gc.get_objects() if type(o) is ModelReplica]  # type(): isinstance would wake torch.distributed.reduce_op, deprecated
    assert len(window.state.runs) == 6
    assert len(alive) <= REPLICAS_KEPT + 2  # the cache, and what the shown tab holds
