"""The curves widget: a hint before the first points, then the data in view; runs overlaid."""

import numpy as np
import pytest

from resviz.core.events import Epoch, Step
from resviz.core.runs import Run, RunStatus
from resviz.qt.widgets.run_colours import run_colour
from resviz.qt.widgets.training_curves import EMPTY_HINT, TrainingCurves


def step(n, loss):
    return Step(n, 100, 1, loss, {}, 1e-3, 1000.0, n * 0.1, 1.0)


def test_an_empty_chart_says_what_will_appear_then_follows_the_data(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.show()
    run = Run("run1", "cnn #1", "cnn", "mnist")
    curves.show_runs(run)
    assert curves.hint.scene() is not None and curves.hint.textItem.toPlainText() == EMPTY_HINT
    for n, loss in [(250, 40.0), (500, 30.0), (750, 25.0)]:  # far outside the empty frame
        run.apply(step(n, loss))
    curves.mark_dirty()
    qtbot.waitUntil(lambda: curves.curves["raw"].getData()[0] is not None
                    and len(curves.curves["raw"].getData()[0]) == 3, timeout=2000)
    assert curves.hint.scene() is None  # the hint is gone

    def points_in_view():
        (x_low, x_high), (y_low, y_high) = curves.loss_plot.viewRange()
        return x_low <= 250 and x_high >= 750 and y_low <= np.log10(25.0) and y_high >= np.log10(40.0)

    qtbot.waitUntil(points_in_view, timeout=2000)  # the view moved to the points

    fresh = Run("run2", "cnn #2", "cnn", "mnist")
    curves.show_runs(fresh)  # a new run starts empty again, with its hint
    assert curves.hint.scene() is not None and curves.point_count() == 0


def test_ticked_runs_are_overlaid_in_their_colours_with_a_legend(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    first, second = Run("run1", "cnn #1", "cnn", "mnist"), Run("run2", "resnet #1", "resnet", "mnist")
    for run, scale in ((first, 1.0), (second, 0.5)):
        for n in range(1, 21):
            run.apply(step(n, scale * 2.0 / n))
        run.apply(Epoch(1, 20, 0.5, {"test_loss": 0.3 * scale, "test_accuracy": 0.9 + 0.05 * scale}, 1.0))
    curves.show_runs(second, [first])
    qtbot.waitUntil(lambda: curves.curves[f"other:{first.id}"].getData()[0] is not None, timeout=2000)
    names = [item.text for _, item in curves.loss_legend.items]
    assert "train loss · resnet #1" in names and "train loss · cnn #1" in names
    xs, ys = curves.curves[f"othermetric:{first.id}"].getData()
    assert list(xs) == [20] and ys[0] == pytest.approx(0.95)
    pen = curves.curves[f"other:{first.id}"].opts["pen"]
    assert pen.color().name() == run_colour("run1").lower()  # run1's colour, as in the Runs list


def test_an_overlay_after_an_empty_run_shows_every_run_whole(qtbot):
    """Selecting a run with no points fixes the empty frame (steps 0-100); ticking runs with
    thousands of steps afterwards must bring them into view, not keep that frame."""
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.show()
    empty, long_run = Run("run1", "cnn #1", "cnn", "mnist"), Run("run2", "fashion", "cnn", "fashion")
    for n in range(100, 5001, 100):
        long_run.apply(step(n, 1.0 / n ** 0.3))
    curves.show_runs(empty)
    curves.show_runs(long_run, [empty])
    qtbot.waitUntil(lambda: curves.loss_plot.viewRange()[0][1] >= 5000, timeout=2000)


def test_a_long_run_draws_about_ten_epoch_lines_not_one_per_epoch(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    run = Run("run1", "mnist1d", "mnist1d-cnn", "mnist1d", settings={"epochs": 50})
    for epoch in range(1, 51):
        run.apply(step(40 * epoch, 1.0))
        run.apply(Epoch(epoch, 40 * epoch, 0.5, {"test_loss": 0.4, "test_accuracy": 0.9}, 1.0))
    curves.show_runs(run)
    qtbot.waitUntil(lambda: len(curves._epoch_lines) > 0, timeout=2000)
    lines = [line.value() for line in curves._epoch_lines]
    assert len(lines) == 10 and lines[:2] == [200, 400]  # every 5th epoch, at its step


def test_the_steps_axis_stays_still_while_a_run_trains_and_stops_following_when_panned(qtbot):
    """It jumps ahead to a round number when the curve reaches its end, not with every step
    (a moving axis redraws its numbers, labels and legends each time); a pan is the person's."""
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.show()
    run = Run("run1", "cnn #1", "cnn", "mnist", status=RunStatus.RUNNING)
    curves.show_runs(run)
    ranges = []
    for n in range(1, 401):
        run.apply(step(n, 2.0 / n ** 0.5))
        if n % 10 == 0:
            curves.mark_dirty()
            curves._redraw()
            x_low, x_high = curves.loss_plot.viewRange()[0]
            assert x_low <= 1 and x_high >= n  # every point in view
            ranges.append(round(x_high))
    assert len(set(ranges)) <= 8 and all(x_high <= 1.7 * n for x_high, n in zip(ranges, range(10, 401, 10)))
    curves.loss_plot.getViewBox().translateBy(x=-30)  # what a drag does
    curves.loss_plot.getViewBox().sigRangeChangedManually.emit([True, False])
    panned = curves.loss_plot.viewRange()[0]
    for n in range(401, 701):
        run.apply(step(n, 2.0 / n ** 0.5))
    curves.mark_dirty()
    curves._redraw()
    assert curves.loss_plot.viewRange()[0] == pytest.approx(panned)  # left where the person put it
    curves.loss_plot.enableAutoRange()  # the 'A' button
    curves.mark_dirty()
    curves._redraw()
    assert curves.loss_plot.viewRange()[0][1] >= 700
    run.status = RunStatus.DONE  # a finished run's curves fill the plot
    curves.mark_dirty()
    curves._redraw()
    assert curves.loss_plot.viewRange()[0][1] == pytest.approx(700, rel=0.03)
