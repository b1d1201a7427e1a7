"""The MNIST-1D tab: one button trains the CNN and the MLP side by side; curves, kernels and
feature maps follow them; a picked signal goes through the CNN; every plot exports PNG and CSV."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from run_helpers import wait_done

from resviz.core import models
from resviz.core.replica import ModelReplica
from resviz.core.runs import RunStatus
from resviz.core.trainer import TrainConfig


@pytest.fixture(autouse=True)
def one_torch_thread():
    """As the app sets it on a 2-core machine; tiny models crawl when two threads fight for a busy CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def panel(window, qtbot):
    tab = window.panel("MNIST-1D")
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.test_inputs is not None, timeout=60_000)  # MNIST-1D built or read from cache
    return tab


def check_exports(panel, tmp_path):
    """Every plot writes a PNG and a CSV of what it shows, and offers both in its menu."""
    expected_rows = {
        "curves": 3,  # epochs (each curve: its x and y columns)
        "signals": 30,  # 3 per digit
        "kernels": 15 * 3 + 2 * 15 * 15 * 3,
        "feature_maps": 40 + 15 * (19 + 9 + 4),
    }
    for name, view in (("curves", panel.curves), ("signals", panel.signals), ("kernels", panel.kernels),
                       ("feature_maps", panel.feature_maps)):
        png, table = tmp_path / f"{name}.png", tmp_path / f"{name}.csv"
        view.export.save_png(png)
        assert not QImage(str(png)).isNull(), name
        view.export.save_csv(table)
        with open(table, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert len(rows) - 1 == expected_rows[name], name
        actions = [a.text() for view_box in view.export._views() for a in view_box.menu.actions()]
        assert "Export PNG…" in actions and "Export CSV…" in actions, name
    with open(tmp_path / "curves.csv", newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert "CNN test error_y" in header and "MLP train error_y" in header
    with open(tmp_path / "kernels.csv", newline="", encoding="utf-8") as f:
        first = next(r for r in csv.DictReader(f) if r["layer"] == "2")
    weight = panel.kernels.layers[1][1][int(first["out_channel"]), int(first["in_channel"]), int(first["tap"])]
    assert float(first["weight"]) == pytest.approx(weight, rel=1e-5)


def test_the_button_trains_both_side_by_side_and_the_figure_fills(window, panel, qtbot, tmp_path):
    state = window.state
    state.parallel_runs = 1  # a 2-core laptop: the MLP still trains alongside, not after
    panel.epochs.setValue(3)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    runs = {run.model: run for run in state.runs}
    assert set(runs) == {"mnist1d-cnn", "mnist1d-mlp"}
    cnn, mlp = runs["mnist1d-cnn"], runs["mnist1d-mlp"]
    assert state.queued_runs() == [] and {r.id for r in state.training_runs()} == {cnn.id, mlp.id}
    assert cnn.dataset == mlp.dataset == "mnist1d"
    assert cnn.settings["lr"] == mlp.settings["lr"] and cnn.settings["optimizer"] == mlp.settings["optimizer"]
    qtbot.waitUntil(lambda: state.job(cnn.id) is not None and state.job(mlp.id) is not None, timeout=30_000)
    qtbot.waitUntil(lambda: panel.curves.point_count("CNN") >= 1, timeout=60_000)
    early = [weight.copy() for _name, weight in panel.kernels.layers]
    assert [w.shape for w in early] == [(15, 1, 3), (15, 15, 3), (15, 15, 3)]
    wait_done(qtbot, window, cnn, timeout=120_000)
    wait_done(qtbot, window, mlp, timeout=120_000)
    assert cnn.status == mlp.status == RunStatus.DONE
    shown = [(label, split) for label in ("CNN", "MLP") for split in ("train", "test")]
    qtbot.waitUntil(lambda: all(panel.curves.point_count(*key) == 3 for key in shown), timeout=5_000)  # ≤10 Hz
    for key in shown:
        curve = panel.curves.curves[key]
        assert panel.curves.legend.getLabel(curve).text.endswith("%")
    xs, ys = panel.curves.curves[("CNN", "test")].getData()
    assert list(xs) == [1, 2, 3] and np.allclose(ys, [100 * (1 - e["test_accuracy"]) for e in cnn.curves.epochs])
    assert "test error" in panel.status.text() and mlp.name in panel.status.text()
    # the kernels shown are the CNN's newest weights, and they moved while it trained (from its first
    # snapshot: with both runs training at once the 3 epochs can end before the busy window's first redraw)
    final = state.replica(cnn.id).model.features[0].weight.detach().numpy()
    np.testing.assert_array_equal(panel.kernels.layers[0][1], final)
    first = np.asarray(state.snapshots(cnn.id)[0].state["features.0.weight"])
    assert state.snapshots(cnn.id)[0].step < state.replica(cnn.id).step and not np.allclose(first, final)
    assert f"step {state.replica(cnn.id).step:,}" in panel.kernels_heading.text()
    check_exports(panel, tmp_path)


def test_picking_a_signal_sends_it_through_the_cnn(window, panel, qtbot):
    torch.manual_seed(0)
    state = window.state
    state.show_model(ModelReplica("mnist1d-cnn", {}, models.build("mnist1d-cnn").eval(), dataset="mnist1d"))
    qtbot.waitUntil(lambda: len(panel.feature_maps.maps) == 3, timeout=5_000)
    assert [a.shape for _name, a, _p in panel.feature_maps.maps] == [(15, 19), (15, 9), (15, 4)]
    before = [a.copy() for _name, a, _p in panel.feature_maps.maps]
    # a click on a drawn signal picks it (the curve's own signal, as a mouse click sends it)
    index, curve = next((i, c) for i, c in panel.signals.curves.items() if i != panel.signal_index.value())
    curve.sigClicked.emit(curve, None)
    assert panel.signal_index.value() == index and panel.signals.chosen == index
    assert curve.opts["pen"].widthF() == 3
    np.testing.assert_array_equal(panel.feature_maps.signal, panel.test_inputs[index])
    after = [a for _name, a, _p in panel.feature_maps.maps]
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))
    digit = int(panel.test_labels[index])
    assert f"a “{digit}”" in panel.signal_text.text() and "CNN says" in panel.signal_text.text()
    panel.signal_index.setValue(999)  # one not drawn on the left still goes through
    np.testing.assert_array_equal(panel.feature_maps.signal, panel.test_inputs[999])


def test_a_plot_without_data_says_so_instead_of_writing_an_empty_table(panel, tmp_path):
    with pytest.raises(ValueError, match="no data yet"):
        panel.curves.export.save_csv(tmp_path / "empty.csv")
    assert not (tmp_path / "empty.csv").exists()


def test_the_training_tab_trains_them_and_refuses_an_image_model_on_mnist1d(window, qtbot, warnings_shown):
    training = window.panel("Training")
    datasets = [training.dataset_box.itemData(i) for i in range(training.dataset_box.count())]
    assert "mnist1d" in datasets
    training.dataset_box.setCurrentIndex(datasets.index("mnist1d"))
    training.model_box.setCurrentIndex(training.model_box.findData("cnn"))
    training.device_box.setCurrentText("cpu")
    training.epochs.setValue(1)
    assert training.start_training() is None and not window.state.runs  # refused before a run is made
    assert "cnn takes images" in warnings_shown[0][1] and "1×40" in warnings_shown[0][1]

    training.model_box.setCurrentIndex(training.model_box.findData("mnist1d-mlp"))
    assert training.lr.value() == pytest.approx(models.spec("mnist1d-mlp").recipe("mnist1d")["lr"])
    training.epochs.setValue(2)
    right = training.start_training()
    wait_done(qtbot, window, right, timeout=60_000)
    assert right.status == RunStatus.DONE and right.input_shape == (1, 40)
    assert [set(e) >= {"test_accuracy", "train_accuracy"} for e in right.curves.epochs] == [True, True]
    assert "train accuracy" in training.progress_label.text()
    # the MNIST-1D tab shows a run trained anywhere
    tab = window.panel("MNIST-1D")
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.curves.point_count("MLP") == 2, timeout=5_000)


def test_image_panels_do_not_take_up_a_signal_model(window, qtbot):
    window.state.show_model(ModelReplica("mnist1d-cnn", {}, models.build("mnist1d-cnn").eval(), dataset="mnist1d"))
    for title in ("Draw & classify", "Filters", "Feature maps"):
        panel = window.panel(title)
        window.tabs.setCurrentWidget(panel)
        qtbot.wait(50)
        assert panel.shown_run() is None, title


def test_the_button_starts_both_at_once_even_while_another_run_trains(window, panel, qtbot):
    """'Side by side' means both start now: neither waits in the queue behind a run already training."""
    state = window.state
    state.parallel_runs = 1
    other = state.start_run(TrainConfig.for_model("cnn", device="cpu", epochs=50, train_subset=2_000,
                                                  test_subset=300))
    assert other.status != RunStatus.QUEUED
    try:
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
        runs = {run.model: run for run in state.runs if run.model.startswith("mnist1d")}
        assert set(runs) == {"mnist1d-cnn", "mnist1d-mlp"} and state.queued_runs() == []
        assert {r.id for r in runs.values()} <= {r.id for r in state.training_runs()}
        qtbot.waitUntil(lambda: all(state.job(r.id) is not None for r in runs.values()), timeout=60_000)
    finally:
        state.stop_all()
        for run in list(state.runs):
            wait_done(qtbot, window, run, timeout=60_000)
