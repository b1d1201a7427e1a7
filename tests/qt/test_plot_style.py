"""One plot style (issue 19 item 11): legends outside the data, epoch labels that never overlap, y-axis
numbers on the Depth lab's loss while it trains, run colours whose neighbours stay apart — on the real
tabs at 1280×820 and 900×600."""

from __future__ import annotations

import itertools

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage, QPainter

from resviz.core.evaluation.calibration import reliability
from resviz.core.events import Epoch, Step
from resviz.core.runs import Run, RunStatus
from resviz.qt.panels.evaluation.reliability_view import ReliabilityView
from resviz.qt.panels.mnist1d.error_curves import ErrorCurves
from resviz.qt.widgets.run_colours import RUN_COLOURS, TAB10
from resviz.qt.widgets.training_curves import PALETTE

SIZES = [(1280, 820), (900, 600)]


def step(n: int, loss: float) -> Step:
    return Step(n, 100, 1, loss, {}, 1e-3, 1000.0, n * 0.1, 1.0)


def add_run(state, run_id: str, name: str, epochs: int, steps_per_epoch: int = 60, scale: float = 1.0,
            model: str = "cnn", dataset: str = "mnist", status=RunStatus.DONE) -> Run:
    """A run in the window's store, fed ``epochs`` epochs of steps and test scores as a trainer would."""
    run = state.store.add(Run(run_id, name, model, dataset, settings={"epochs": epochs}, status=status))
    for epoch in range(1, epochs + 1):
        for n in range(1, 11):
            at = (epoch - 1) * steps_per_epoch + n * steps_per_epoch // 10
            state.store.apply(run.id, step(at, scale * 2.0 / (1 + at / 50) ** 0.5))
        state.store.apply(run.id, Epoch(epoch, epoch * steps_per_epoch, 0.5, {
            "test_loss": scale * 0.3 / (1 + epoch), "test_accuracy": 0.8 + 0.15 * epoch / epochs,
            "train_accuracy": 0.82 + 0.15 * epoch / epochs}, 1.0))
    return run


def drawn_texts(axis: pg.AxisItem) -> list[tuple[object, str]]:
    """(rect, text) of every label the axis paints, asked of pyqtgraph's own drawing code."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    if axis.style["tickFont"] is not None:
        painter.setFont(axis.style["tickFont"])
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _flags, text in (specs[2] if specs else []) if text]


def data_rects(plot: pg.PlotItem) -> list:
    """Scene rectangles of every curve's points as they lie in the view."""
    rects = []
    for item in plot.listDataItems():
        x, y = item.getData()
        if x is None or not len(x):
            continue
        rect = item.mapRectToScene(item.boundingRect()) if item.curve.isVisible() or item.scatter.isVisible() \
            else None
        if rect is not None:
            rects.append(rect.intersected(plot.vb.sceneBoundingRect()))
    return rects


def assert_legend_clear_of_data(plot: pg.PlotItem, what: str) -> None:
    legend = plot.legend
    assert legend is not None and legend.items, f"{what}: no legend"
    where = legend.sceneBoundingRect()
    assert where.height() > 0 and where.width() > 0
    rects = data_rects(plot)
    assert rects, f"{what}: no data drawn"
    for rect in rects:
        assert not where.intersects(rect), f"{what}: legend {where} lies on the data {rect}"
    assert not where.intersects(plot.vb.sceneBoundingRect()), f"{what}: legend inside the data area"


def painted(widget) -> bool:
    """Paint it as the screen would: pyqtgraph fits a view to its data just before painting."""
    widget.grab()
    return True


def assert_epoch_labels_apart(qtbot, curves, what: str) -> list[str]:
    qtbot.waitUntil(lambda: painted(curves) and bool(drawn_texts(curves.epoch_marks.axis)), timeout=5000)
    texts = drawn_texts(curves.epoch_marks.axis)
    for (a, ta), (b, tb) in itertools.combinations(texts, 2):
        assert not a.intersects(b), f"{what}: {ta!r} at {a} overlaps {tb!r} at {b}"
    view = curves.loss_plot.vb.mapRectToItem(curves.epoch_marks.axis, curves.loss_plot.vb.boundingRect())
    for rect, text in texts:
        assert view.left() - 1 <= rect.left() and rect.right() <= view.right() + 1, f"{what}: {text!r} cut off"
    return [text for _rect, text in texts]


@pytest.fixture
def training(window, qtbot):
    panel = window.panel("Training")
    window.tabs.setCurrentWidget(panel)
    return panel


def _settle(qtbot, curves):
    curves.mark_dirty()
    qtbot.waitUntil(lambda: not curves._dirty, timeout=5000)  # redrawn (5 a second)
    qtbot.wait(50)  # the layout settles
    painted(curves)


@pytest.mark.parametrize("size", SIZES)
def test_training_legends_sit_outside_the_data_and_epoch_labels_never_overlap(window, training, qtbot, size):
    window.resize(*size)
    state = window.state
    long_run = add_run(state, "run1", "cnn #1", epochs=15)
    state.select(long_run.id)
    curves = training.curves
    qtbot.waitUntil(lambda: curves.point_count() > 0, timeout=5000)
    _settle(qtbot, curves)
    alone = assert_epoch_labels_apart(qtbot, curves, f"one run at {size}")
    assert_legend_clear_of_data(curves.loss_plot, f"loss, one run, {size}")
    assert not curves.metric_plot.legend.items  # one curve, which the plot's title names: no legend

    for run_id, name, epochs, scale in (("run2", "resnet #1", 10, 0.6), ("run3", "cnn #2", 20, 1.3)):
        add_run(state, run_id, name, epochs=epochs, scale=scale)
        state.set_ticked(run_id, True)
    state.select(long_run.id)
    qtbot.waitUntil(lambda: len(curves.others) == 2, timeout=5000)
    _settle(qtbot, curves)
    overlaid = assert_epoch_labels_apart(qtbot, curves, f"three runs at {size}")
    assert set(overlaid) <= {f"epoch {e}" for e in range(1, 16)}  # one set: the selected run's, 15 epochs
    assert "cnn #1 (the selected run) only" in curves.loss_plot.toolTip()
    assert alone  # (both lists may differ: the overlay's longer x range leaves less room per label)
    assert_legend_clear_of_data(curves.loss_plot, f"loss, three runs, {size}")
    names = [label.text for _sample, label in curves.loss_legend.items]
    assert {"train loss · cnn #2", "train loss · resnet #1", "train loss · cnn #1", "test loss · cnn #1"} <= set(names)
    assert not curves.metric_legend.items and "loss legend's colours" in curves.metric_plot.titleLabel.text
    assert len(curves.metric_plot.listDataItems()) == 3  # each run's accuracy, in its colour


def test_epoch_labels_refit_when_the_plot_narrows(qtbot):
    """The same run: wide, every other label; narrowed, fewer, still apart; widened again, back."""
    from resviz.qt.widgets.training_curves import TrainingCurves

    curves = TrainingCurves()
    qtbot.addWidget(curves)
    run = Run("run1", "cnn #1", "cnn", "mnist", settings={"epochs": 10})
    for epoch in range(1, 11):
        run.apply(step(100 * epoch, 1.0 / epoch))
        run.apply(Epoch(epoch, 100 * epoch, 0.5, {"test_loss": 0.4, "test_accuracy": 0.9}, 1.0))
    curves.resize(900, 500)
    curves.show()
    curves.show_runs(run)
    _settle(qtbot, curves)
    wide = assert_epoch_labels_apart(qtbot, curves, "900 px")
    curves.resize(260, 500)
    qtbot.waitUntil(lambda: len(drawn_texts(curves.epoch_marks.axis)) < len(wide), timeout=3000)
    assert_epoch_labels_apart(qtbot, curves, "260 px")
    curves.resize(900, 500)
    qtbot.waitUntil(lambda: len(drawn_texts(curves.epoch_marks.axis)) == len(wide), timeout=3000)


@pytest.mark.parametrize("size", SIZES)
def test_depth_lab_loss_has_y_numbers_and_legends_off_the_curves_while_training(window, qtbot, size):
    """Three nets whose losses all lie between 2.2 and 2.4 (a deep plain stack early on): no 1, 2 or 5 of
    a decade is in view, and the loss axis used to show no number at all."""
    window.resize(*size)
    panel = window.panel("Depth lab")
    window.tabs.setCurrentWidget(panel)
    state = window.state
    runs = []
    for i, base in enumerate((2.32, 2.28, 2.24)):
        run = state.store.add(Run(f"run{i + 1}", f"plain {10 * (i + 1)}, no BN, ReLU", "deepnet", "mnist",
                                  status=RunStatus.RUNNING))
        for n in range(1, 41):
            state.store.apply(run.id, step(5 * n, base + 0.04 * np.sin(n / 3 + i) - 0.001 * n))
        runs.append(run)
    panel.run_ids = [run.id for run in runs]
    panel.refresh()
    curves = panel.curves
    panel.inspect_tabs.setCurrentIndex(panel.inspect_tabs.indexOf(panel.loss_box)) if \
        panel.inspect_tabs.indexOf(panel.loss_box) >= 0 else None
    qtbot.waitUntil(lambda: curves.curves[f"other:{runs[2].id}"].getData()[0] is not None, timeout=5000)
    _settle(qtbot, curves)
    assert curves.isVisible()
    low, high = (10 ** v for v in curves.loss_plot.vb.viewRange()[1])
    # the case: no 1..9 times a power of ten in view, where pyqtgraph's log axis puts its ticks
    assert not any(low <= k * 10.0 ** e <= high for k in range(1, 10) for e in (-1, 0, 1)), (low, high)
    axis = curves.loss_plot.getAxis("left")
    numbers = [text for _rect, text in drawn_texts(axis)]
    assert len(numbers) >= 2, f"the loss axis shows {numbers} over {axis.range}, view {curves.loss_plot.vb.viewRange()}, {axis.geometry()} legend {curves.loss_legend.side} {curves.loss_legend.columnCount} {curves.loss_legend.geometry()} {curves.metric_legend.side} {curves.metric_legend.geometry()} {curves.size()}"
    assert all(low <= float(t) <= high for t in numbers)
    assert_legend_clear_of_data(curves.loss_plot, f"Depth lab loss at {size}")
    assert [label.text for _s, label in curves.loss_legend.items] == [run.name for run in runs]


@pytest.mark.parametrize("size", [(560, 320), (340, 230)])  # the figure's size in the tab at 1280×820, 900×600
def test_mnist1d_error_legend_sits_outside_the_data(window, qtbot, size):
    cnn = add_run(window.state, "run1", "mnist1d-cnn #1", epochs=8, model="mnist1d-cnn", dataset="mnist1d")
    mlp = add_run(window.state, "run2", "mnist1d-mlp #1", epochs=8, model="mnist1d-mlp", dataset="mnist1d")
    figure = ErrorCurves()
    qtbot.addWidget(figure)
    figure.resize(*size)
    figure.show()
    figure.show_runs([("CNN", cnn), ("MLP", mlp)])
    painted(figure)
    qtbot.waitUntil(lambda: painted(figure) and figure.plot.getPlotItem().legend.geometry().height() > 0,
                    timeout=3000)
    assert_legend_clear_of_data(figure.plot.getPlotItem(), f"MNIST-1D at {size}")
    assert [label.text for _s, label in figure.legend.items][0].startswith("CNN train error")


@pytest.mark.parametrize("width", [620, 380])
def test_reliability_legend_sits_outside_the_bars(qtbot, width):
    view = ReliabilityView()
    qtbot.addWidget(view)
    view.resize(width, 420)
    view.show()
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.1, 1.0, 2000)
    view.set_reliability(reliability(confidence, rng.uniform(size=2000) < confidence ** 0.7),
                         reliability(confidence, rng.uniform(size=2000) < confidence))
    qtbot.wait(200)
    plot = view.plot
    where = plot.legend.sceneBoundingRect()
    assert [label.text for _s, label in plot.legend.items][-1] == "B accuracy"
    assert not where.intersects(plot.vb.sceneBoundingRect())
    assert not where.intersects(view.bars.mapRectToScene(view.bars.boundingRect()))


# --- colours --------------------------------------------------------------------------------------

def cielab(colour: str) -> np.ndarray:
    """sRGB (D65) -> CIELAB, from the standard's formulas."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return _lab(linear)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


# Machado, Oliveira & Fernandes 2009, severity 1.0, applied to linear RGB
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])
PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])


def seen_by(matrix: np.ndarray, colour: str) -> np.ndarray:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return _lab(np.clip(matrix @ linear, 0, 1))


def test_neighbouring_run_colours_stay_apart_also_for_colour_blind_eyes():
    assert cielab("#ffffff")[0] == pytest.approx(100, abs=0.01) and np.allclose(cielab("#000000"), 0, atol=0.01)
    assert np.allclose(cielab("#ff0000"), [53.24, 80.09, 67.20], atol=0.1)  # the textbook value for red
    for i, a in enumerate(RUN_COLOURS):  # the last run's neighbour is the first (the colours cycle)
        b = RUN_COLOURS[(i + 1) % len(RUN_COLOURS)]
        assert np.linalg.norm(cielab(a) - cielab(b)) > 20, (a, b)
        for matrix in (DEUTERANOPIA, PROTANOPIA):
            assert np.linalg.norm(seen_by(matrix, a) - seen_by(matrix, b)) > 20, (a, b)
    for a, b in zip(TAB10, TAB10[1:]):  # MNIST-1D's ten classes
        assert np.linalg.norm(cielab(a) - cielab(b)) > 20, (a, b)
    one_run = [PALETTE[k] for k in ("train", "test", "accuracy")]  # a single run's curves, side by side
    for a, b in itertools.combinations(one_run, 2):
        assert np.linalg.norm(cielab(a) - cielab(b)) > 20, (a, b)


def test_y_numbers_of_a_squeezed_plot_keep_apart(qtbot):
    """The Depth lab's curves at 900×600 get about 120 px a plot: the accuracy axis printed 0.2, 0.4, 0.6
    and 0.8 over each other in 30 px. Every y axis keeps at least two numbers, none over another."""
    from resviz.qt.panels.depth_lab import LabCurves

    curves = LabCurves()
    qtbot.addWidget(curves)
    curves.resize(600, 240)
    curves.show()
    runs = []
    for i in range(3):
        run = Run(f"run{i + 1}", f"plain {6 * (i + 1)}, no BN, ReLU", "deepnet", "mnist")
        for epoch in range(1, 5):
            for n in range(1, 11):
                run.apply(step(40 * (epoch - 1) + 4 * n, 2.3 / (1 + 0.01 * i * n * epoch)))
            run.apply(Epoch(epoch, 40 * epoch, 0.5, {"test_loss": 2.0, "test_accuracy": 0.1 + 0.2 * epoch * i / 3},
                            1.0))
        runs.append(run)
    curves.show_runs(runs[0], runs[1:])
    _settle(qtbot, curves)
    for plot in (curves.loss_plot, curves.metric_plot):
        texts = drawn_texts(plot.getAxis("left"))
        assert len(texts) >= 2, f"{plot.titleLabel.text}: {texts}"
        for (a, ta), (b, tb) in itertools.combinations(texts, 2):
            assert not a.intersects(b), f"{plot.titleLabel.text}: {ta!r} at {a} overlaps {tb!r} at {b}"
