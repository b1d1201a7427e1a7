"""The accuracy plot's last label stays whole inside its plot (issue 19: '96.30%' cut at the top edge,
'99.30%' after a Speed run not visible at all)."""

import pytest

from resviz.core.events import Epoch, Step
from resviz.core.runs import Run
from resviz.qt.widgets.training_curves import TrainingCurves


def _run(accuracies):
    run = Run("run1", "speedrun #1", "cnn", "mnist")
    for epoch, accuracy in enumerate(accuracies, 1):
        for n in range(1, 11):
            step = (epoch - 1) * 10 + n
            run.apply(Step(step, 10 * len(accuracies), epoch, 1.0 / step, {}, 1e-3, 1000.0, step * 0.1, 1.0))
        run.apply(Epoch(epoch, epoch * 10, 0.5, {"test_loss": 0.3, "test_accuracy": accuracy}, 1.0))
    return run


@pytest.mark.parametrize("accuracies", [[0.90, 0.963], [0.93, 0.97, 0.985, 0.993], [0.993], [0.40, 0.70]])
@pytest.mark.parametrize("size", [(1280, 820), (900, 600), (600, 260)])
def test_the_last_accuracy_label_is_inside_the_plot(qtbot, accuracies, size):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.resize(*size)
    curves.show()
    qtbot.waitExposed(curves)
    curves.show_runs(_run(accuracies))
    label = curves.metric_label
    text = f"{accuracies[-1]:.2%}"
    qtbot.waitUntil(lambda: label.textItem.toPlainText() == text, timeout=3000)

    def inside():
        curves._redraw()  # the view range settles over a redraw or two
        box = curves.metric_plot.vb.sceneBoundingRect()
        return box.contains(label.textItem.mapRectToScene(label.textItem.boundingRect()))

    curves.mark_dirty()
    qtbot.waitUntil(inside, timeout=3000)
    assert label.isVisible()
