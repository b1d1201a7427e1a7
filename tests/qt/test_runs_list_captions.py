"""The Runs list says what it shows (issue 19 items 14, 16): a dataset by the same title before and after
its run starts, eight runs in eight Okabe–Ito colours, and a Best that says it is the best epoch's
(the Depth lab's table says its accuracy is the final epoch's)."""

from __future__ import annotations

from resviz.core.curves import Curves
from resviz.core.runs import Run, RunStatus
from resviz.qt.widgets.depth_results import DepthResultsTable
from resviz.qt.widgets.run_colours import RUN_COLOURS


def header_tip(runs_list, name: str) -> str:
    column = [runs_list.headerItem().text(c) for c in range(runs_list.columnCount())].index(name)
    return runs_list.headerItem().toolTip(column)


def test_a_queued_and_a_finished_run_on_one_dataset_show_one_title(window):
    state, runs_list = window.state, window.runs_list
    for key, title in (("mnist", "MNIST"), ("fashion", "Fashion-MNIST")):
        queued = state.store.create("cnn", key)  # nothing loaded yet: only the key is known
        done = state.store.add(Run(f"run9{len(key)}", "done", "cnn", key, dataset_title=title,
                                   status=RunStatus.DONE))
        assert runs_list.item(queued.id).text(2) == runs_list.item(done.id).text(2) == title


def test_eight_runs_get_eight_palette_colours_in_the_runs_list(window):
    state, runs_list = window.state, window.runs_list
    runs = [state.store.create("resnet", "mnist") for _ in range(8)]
    shown = [runs_list.item(run.id).icon(0).pixmap(12, 12).toImage().pixelColor(6, 6).name().upper()
             for run in runs]
    assert len(set(shown)) == 8 and set(shown) == set(RUN_COLOURS)


def test_best_says_it_is_the_best_epoch_and_the_depth_table_says_final(window):
    runs_list = window.runs_list
    curves = Curves(epochs=[{"epoch": 1, "step": 10, "test_accuracy": 0.90},
                            {"epoch": 2, "step": 20, "test_accuracy": 0.95},
                            {"epoch": 3, "step": 30, "test_accuracy": 0.93}])
    run = window.state.store.add(Run("run80", "resnet", "resnet", "mnist", dataset_title="MNIST",
                                     status=RunStatus.DONE, curves=curves, metrics={"test_accuracy": 0.93}))
    assert "best test accuracy over its epochs" in header_tip(runs_list, "Best")
    row = runs_list.item(run.id)
    assert row.text(4) == "95.00%"
    assert row.toolTip(4).startswith("best test accuracy over its epochs (epoch 2)")
    assert "last epoch's: 93.00%" in row.toolTip(4)
    table = DepthResultsTable()
    headers = [table.horizontalHeaderItem(c) for c in range(table.columnCount())]
    accuracy = next(h for h in headers if "acc" in h.text())
    assert accuracy.text() == "Final test acc." and "final epoch" in accuracy.toolTip()
