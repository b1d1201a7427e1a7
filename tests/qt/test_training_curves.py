"""The curves widget before and after the first points: a hint first, then the data in view."""

import numpy as np

from resviz.core.events import Step
from resviz.qt.widgets.training_curves import EMPTY_HINT, TrainingCurves


def step(n, loss):
    return Step(n, 100, 1, loss, {}, 1e-3, 1000.0, n * 0.1, 1.0)


def test_an_empty_chart_says_what_will_appear_then_follows_the_data(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.show()
    assert curves.hint.scene() is not None and curves.hint.textItem.toPlainText() == EMPTY_HINT
    for n, loss in [(250, 40.0), (500, 30.0), (750, 25.0)]:  # far outside the empty frame
        curves.add_step(step(n, loss))
    qtbot.waitUntil(lambda: curves.curves["train"].getData()[0] is not None
                    and len(curves.curves["train"].getData()[0]) == 3, timeout=2000)
    assert curves.hint.scene() is None  # the hint is gone

    def points_in_view():
        (x_low, x_high), (y_low, y_high) = curves.loss_plot.viewRange()
        return x_low <= 250 and x_high >= 750 and y_low <= np.log10(25.0) and y_high >= np.log10(40.0)

    qtbot.waitUntil(points_in_view, timeout=2000)  # the view moved to the points

    curves.reset("classifier")  # a new run starts empty again, with its hint
    assert curves.hint.scene() is not None and curves.point_count() == 0
