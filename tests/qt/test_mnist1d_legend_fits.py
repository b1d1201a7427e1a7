"""MNIST-1D's error legend stays within its plot after a real pair of runs (a leftover of issue 19):
each entry gains its latest error ("MLP test error 39.6%") as epochs come in, and the legend, laid out
for the shorter names, had kept four columns at 1280×820 and run its last entry off the right edge.
At 900×600 the status above it has room for both runs' lines, each wrapped to two."""

from __future__ import annotations

from clipping import clipped
from PySide6.QtCore import Qt
from run_helpers import wait_done
from test_mnist1d_panel import one_torch_thread  # noqa: F401 — autouse: one torch thread, as the app on 2 cores


def _cut_entries(curves) -> list[str]:
    """Legend entries whose text reaches past the plot's right edge or under its bottom."""
    view = curves.plot.viewport().rect()
    cut = []
    for _sample, label in curves.legend.items:
        text = label.item.mapRectToScene(label.item.boundingRect())
        shown = curves.plot.mapFromScene(text).boundingRect()
        if shown.right() > view.right() + 1 or shown.bottom() > view.bottom() + 1:
            cut.append(f"{label.text!r} ends at x={shown.right()}, y={shown.bottom()} in {view.width()}×{view.height()}")
    return cut


def test_the_error_legend_stays_whole_while_the_pair_trains_and_after(window, qtbot):
    window.resize(1280, 820)
    panel = window.panel("MNIST-1D")
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.test_inputs is not None, timeout=60_000)  # MNIST-1D built or read from cache
    panel.epochs.setValue(2)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)  # the window is not resized after this
    curves = panel.curves
    qtbot.waitUntil(lambda: curves.point_count("CNN") >= 1 and curves.point_count("MLP") >= 1, timeout=120_000)
    labels = [label.text for _sample, label in curves.legend.items]
    assert len(labels) == 4 and all(text.endswith("%") for text in labels), labels  # the latest values are in
    assert _cut_entries(curves) == []
    for run in window.state.runs:
        wait_done(qtbot, window, run, timeout=120_000)
    qtbot.wait(300)  # the last epoch's values reach the legend
    assert _cut_entries(curves) == []
    window.resize(900, 600)
    qtbot.wait(300)
    assert _cut_entries(curves) == []
    assert clipped(panel) == []  # the status above: each run's line wraps to two, "(done)" included


def test_a_relabelled_legend_is_laid_out_before_anything_else_happens(qtbot):
    """The entries widen when an epoch's errors come in; the legend lays its columns out again at once.
    (It had waited for the event loop's next turn, and a look right after the relabel saw the wider
    text overhanging the old cells: the CI failure of stop 27, 'MLP train error 63.1%' at x=638 of 634.)"""
    from resviz.core.events import Epoch
    from resviz.core.runs import Run, RunStore
    from resviz.qt.panels.mnist1d.error_curves import ErrorCurves

    notes = {"CNN": "step 40", "MLP": "step 40"}
    for width in range(580, 700, 10):
        store = RunStore()
        pair = [(label, store.add(Run(f"r{label}", label, label.lower(), "mnist1d", settings={"epochs": 2})))
                for label in ("CNN", "MLP")]
        curves = ErrorCurves()
        qtbot.addWidget(curves)
        curves.show()
        curves.resize(width, 330)
        curves.show_runs(pair, notes)
        qtbot.wait(20)  # laid out for the short notes
        for _label, run in pair:  # one run's first epoch, then the other's
            store.apply(run.id, Epoch(1, 10, 0.5, {"test_accuracy": 0.369, "train_accuracy": 0.111}, 1.0))
            curves.show_runs(pair, notes)
            assert _cut_entries(curves) == [], width  # no event processed since the relabel


def test_a_runs_first_epoch_shows_as_a_dot(qtbot):
    """After one epoch a run's error is a single point, which a line alone does not draw: the MLP's
    legend said 'test error 66.0%' with nothing on the plot. Each epoch is now a dot in the run's colour."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor

    from resviz.core.events import Epoch
    from resviz.core.runs import Run, RunStore
    from resviz.qt.panels.mnist1d.error_curves import ErrorCurves
    from resviz.qt.widgets.run_colours import run_colour

    store = RunStore()
    run = store.add(Run("run2", "MLP", "mnist1d-mlp", "mnist1d", settings={"epochs": 3}))
    store.apply(run.id, Epoch(1, 10, 0.5, {"test_accuracy": 0.34, "train_accuracy": 0.36}, 1.0))
    curves = ErrorCurves()
    qtbot.addWidget(curves)
    curves.resize(640, 330)
    curves.show()
    curves.show_runs([("MLP", run)])
    qtbot.wait(50)
    view = curves.plot.getPlotItem().vb
    point = curves.plot.mapFromScene(view.mapViewToScene(QPointF(1.0, 66.0)))
    image = curves.plot.grab().toImage()
    scale = image.width() / curves.plot.width()
    wanted = QColor(run_colour(run.id))
    x, y = round(point.x() * scale), round(point.y() * scale)
    around = [QColor(image.pixel(x + dx, y + dy)) for dx in range(-2, 3) for dy in range(-2, 3)]
    distance = min(max(abs(c.red() - wanted.red()), abs(c.green() - wanted.green()), abs(c.blue() - wanted.blue()))
                   for c in around)
    assert distance < 30, ([c.name() for c in around], wanted.name())
