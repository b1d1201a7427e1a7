"""Draw & classify for models whose inputs nobody draws: a test item picker, class names, colour."""

from dataclasses import replace

import numpy as np
import pytest

from resviz.core import models
from resviz.core.data import DatasetUnavailable, load_dataset
from resviz.core.replica import ModelReplica
from resviz.qt.panels.draw import DrawPanel
from resviz.qt.state import AppState


@pytest.fixture
def panel(qtbot):
    panel = DrawPanel(AppState())
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    return panel


def test_a_fashion_model_gets_test_items_and_class_names(panel, qtbot):
    try:
        load_dataset("fashion", download=False)
    except DatasetUnavailable:
        pytest.skip("needs Fashion-MNIST (../shared/data)")
    classes = load_dataset("fashion", download=False).classes
    panel.state.show_model(replace(ModelReplica("cnn", {}, models.build("cnn").eval()), dataset="fashion",
                                   classes=classes))
    assert not panel.drawing_mode and panel.left_stack.currentWidget() is panel.items_box
    qtbot.waitUntil(lambda: panel.items.dataset is not None and panel.analysis is not None
                    and panel.analysis.probabilities is not None, timeout=30_000)
    assert "labelled 'Ankle boot'" in panel.items.caption.text()  # Fashion-MNIST's first test item
    assert panel._horizontal and "T-shirt/top" in [name for _, name in panel.bars_plot.getAxis("left")._tickLevels[0]]
    assert any(name in panel.answer.text() for name in classes)
    shown = panel.analysis.image.copy()
    panel.items.next_button.click()
    qtbot.waitUntil(lambda: not np.array_equal(panel.analysis.image, shown), timeout=10_000)
    assert "#1 of Fashion-MNIST" in panel.items.caption.text()


def test_a_colour_model_is_shown_and_explained_in_colour(panel, qtbot, tinted):
    model = models.build("resnet", in_channels=3, image_size=32).eval()
    panel.state.show_model(ModelReplica("resnet", models.model_config(model), model, dataset="tinted"))
    assert not panel.drawing_mode
    qtbot.waitUntil(lambda: panel.analysis is not None and panel.analysis.heatmap is not None, timeout=30_000)
    assert panel.analysis.image.shape == (3, 32, 32) and panel.analysis.heatmap.shape == (32, 32)
    assert panel.explain_view.shown.shape == (32, 32, 3)  # drawn in colour, the heat map over it
    assert panel.items.view.shown.shape == (32, 32, 3)


def test_a_digit_model_keeps_the_canvas(panel):
    panel.state.show_model(ModelReplica("cnn", {}, models.build("cnn").eval()))
    assert panel.drawing_mode and panel.left_stack.currentWidget() is panel.draw_box
