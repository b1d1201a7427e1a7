"""Draw & classify: real mouse strokes on the canvas change the probabilities on screen."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from resviz.core import models
from resviz.core.replica import ModelReplica
from resviz.qt.panels.draw import NO_MODEL, NOTHING_DRAWN, DrawPanel
from resviz.qt.state import AppState


def replica(name="cnn", seed=0) -> ModelReplica:
    torch.manual_seed(seed)
    return ModelReplica(name, {}, models.build(name).eval())


def stroke(qtbot, canvas, points):
    """Press at the first point, move through the rest, release at the last (canvas pixels)."""
    widget_points = [canvas.to_widget(x, y).toPoint() for x, y in points]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=widget_points[0])
    for point in widget_points[1:]:
        qtbot.mouseMove(canvas, point)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=widget_points[-1])


def line(start, end, steps=12):
    return [(start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
            for t in np.linspace(0, 1, steps)]


@pytest.fixture
def panel(qtbot):
    state = AppState()
    widget = DrawPanel(state)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_stroke_paints_ink_where_the_mouse_went(panel, qtbot):
    canvas = panel.canvas
    assert canvas.is_empty()
    stroke(qtbot, canvas, line((140, 40), (140, 240)))
    drawing = canvas.array()
    assert drawing.shape == (280, 280)
    assert drawing[140, 140] == pytest.approx(1.0)  # on the stroke
    assert drawing[140, 30] == 0.0  # far from it
    ink_columns = np.flatnonzero(drawing.max(axis=0) > 0.5)
    assert abs(len(ink_columns) - canvas.brush_size) <= 3  # the brush is round and brush_size wide
    canvas.clear()
    assert canvas.is_empty()


def test_a_stroke_repaints_only_around_itself_and_all_of_it(panel, qtbot):
    canvas, painted = panel.canvas, []
    original = canvas.paintEvent
    canvas.paintEvent = lambda event: (painted.append(event.region().boundingRect()), original(event))
    qtbot.wait(50)
    painted.clear()
    stroke(qtbot, canvas, line((100, 100), (130, 100), steps=2))
    qtbot.waitUntil(lambda: bool(painted), timeout=2000)
    qtbot.wait(50)
    area = painted[0]
    for rect in painted[1:]:
        area = area.united(rect)
    start, end = canvas.to_widget(100, 100), canvas.to_widget(130, 100)
    half_brush = canvas.to_widget(canvas.brush_size / 2, 0).x() - canvas.to_widget(0, 0).x()
    for x, y in ((start.x() - half_brush, start.y()), (end.x() + half_brush, end.y() + half_brush)):
        assert area.contains(int(x), int(y))  # the brush's whole width is repainted
    assert area.width() * area.height() < 0.25 * canvas.width() * canvas.height()  # not the whole canvas


def settled(panel) -> bool:
    """The newest drawing is analysed and nothing is left to do."""
    return not panel._runner.busy and not panel._pending and panel.probabilities() is not None


def test_drawing_changes_the_probabilities(panel, qtbot):
    panel.state.show_model(replica())
    qtbot.waitUntil(lambda: panel.message.text() == NOTHING_DRAWN, timeout=5000)
    assert panel.probabilities() is None
    inputs = []
    panel.state.input_changed.connect(lambda: inputs.append(panel.state.input_source))

    stroke(qtbot, panel.canvas, line((150, 40), (130, 240)))  # a '1'
    qtbot.waitUntil(lambda: panel.probabilities() is not None, timeout=5000)
    first = panel.probabilities().copy()
    assert first.shape == (10,) and first.sum() == pytest.approx(1, abs=1e-5)
    bars = panel.bars.opts["height"]
    np.testing.assert_allclose(bars, first)  # what is on screen
    assert panel.answer.text().startswith(("It's a ", "It's an "))
    assert panel.analysis.image.shape == (28, 28)
    assert inputs and inputs[-1] == "drawing"  # the other panels see the digit
    qtbot.waitUntil(lambda: settled(panel), timeout=5000)  # the input is published before the analysis ends
    np.testing.assert_array_equal(panel.state.input_image, panel.analysis.image)

    stroke(qtbot, panel.canvas, line((60, 50), (150, 40)))  # a bar across the top: now a '7'
    qtbot.waitUntil(lambda: not np.allclose(panel.probabilities(), first), timeout=5000)
    assert np.abs(panel.probabilities() - first).max() > 1e-3

    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.message.text() == NOTHING_DRAWN, timeout=5000)
    assert panel.probabilities() is None
    np.testing.assert_array_equal(panel.bars.opts["height"], 0)


def test_without_a_model_the_panel_says_what_to_do(panel, qtbot):
    qtbot.waitUntil(lambda: panel.message.text() == NO_MODEL, timeout=5000)
    stroke(qtbot, panel.canvas, line((100, 60), (180, 220)))
    qtbot.waitUntil(lambda: panel.analysis is not None and panel.analysis.image is not None, timeout=5000)
    assert panel.message.text() == NO_MODEL
    assert panel.probabilities() is None
    assert panel.input_view.shown.max() > 0.5  # the 28x28 input is still shown


def test_the_heat_map_explains_the_chosen_class(panel, qtbot):
    panel.state.show_model(replica("resnet"))
    stroke(qtbot, panel.canvas, line((140, 40), (140, 240)))
    qtbot.waitUntil(lambda: panel.probabilities() is not None, timeout=5000)
    assert panel.analysis.target == int(panel.probabilities().argmax())
    assert panel.analysis.heatmap.shape == (28, 28)
    panel.target_box.setCurrentIndex(panel.target_box.findData(3))
    qtbot.waitUntil(lambda: panel.analysis.target == 3, timeout=5000)
    panel.method_box.setCurrentIndex(panel.method_box.findData("off"))
    qtbot.waitUntil(lambda: panel.analysis.heatmap is None, timeout=5000)
    assert panel.probabilities() is not None


def test_a_new_snapshot_updates_the_answer_without_redrawing(panel, qtbot):
    panel.state.show_model(replica(seed=0))
    stroke(qtbot, panel.canvas, line((140, 40), (140, 240)))
    qtbot.waitUntil(lambda: panel.probabilities() is not None, timeout=5000)
    before = panel.probabilities().copy()
    panel.state.show_model(replica(seed=1))  # as when training sends new weights
    qtbot.waitUntil(lambda: not np.allclose(panel.probabilities(), before), timeout=5000)


def test_a_new_snapshot_does_not_take_the_input_back_from_another_panel(panel, qtbot):
    panel.state.show_model(replica(seed=0))
    stroke(qtbot, panel.canvas, line((140, 40), (140, 240)))
    qtbot.waitUntil(lambda: panel.state.input_source == "drawing" and settled(panel), timeout=5000)
    before = panel.probabilities().copy()
    panel.state.set_input(np.zeros((28, 28), np.float32), "test digit #5")  # picked in Feature maps
    panel.state.show_model(replica(seed=1))
    qtbot.waitUntil(lambda: not np.allclose(panel.probabilities(), before), timeout=5000)  # re-analysed
    assert panel.state.input_source == "test digit #5"
    stroke(qtbot, panel.canvas, line((60, 50), (150, 40)))  # drawing again makes it the input again
    qtbot.waitUntil(lambda: panel.state.input_source == "drawing", timeout=5000)


def test_random_test_digit_goes_onto_the_canvas(panel, qtbot):
    panel.state.show_model(replica())
    qtbot.mouseClick(panel.random_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.canvas_note.text().startswith("Test digit"), timeout=20_000)
    assert not panel.canvas.is_empty()
    qtbot.waitUntil(lambda: panel.probabilities() is not None, timeout=5000)
