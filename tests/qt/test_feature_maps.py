"""Feature maps panel: every layer's channels for the current digit; click one to see it large."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPointF, Qt

from resviz.core import models
from resviz.core.analysis.tiling import tile_origin
from resviz.core.replica import ModelReplica
from resviz.qt.panels.feature_maps import NO_MODEL, FeatureMapsPanel
from resviz.qt.state import AppState


def replica(name="cnn", seed=0):
    torch.manual_seed(seed)
    return ModelReplica(name, {}, models.build(name).eval())


@pytest.fixture
def panel(qtbot):
    widget = FeatureMapsPanel(AppState())
    qtbot.addWidget(widget)
    widget.resize(1300, 750)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def digit():
    image = np.zeros((28, 28), np.float32)
    image[5:23, 13:16] = 1.0
    return image


def layer_texts(panel):
    return [panel.layer_list.item(i).text() for i in range(panel.layer_list.count())]


def click_tile(qtbot, grid, index):
    """A real left click in the middle of tile ``index`` of an ImageGrid."""
    top, left = tile_origin(index, grid._tile_shape, grid._columns, grid._pad)
    height, width = grid._tile_shape
    scene = grid.image.mapToScene(QPointF(left + width / 2, top + height / 2))
    point = grid.graphics.mapFromScene(scene)
    qtbot.mouseClick(grid.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_cnn_layers_show_the_seed_shapes(panel, qtbot, digit):
    assert panel.message.text() == NO_MODEL
    panel.state.show_model(replica("cnn"))
    panel.state.set_input(digit, "drawing")
    qtbot.waitUntil(lambda: panel.layer_list.count() == 8, timeout=10_000)
    texts = layer_texts(panel)
    # seed 001: 28x28x16 -> 14x14x16 -> 14x14x32 -> 7x7x32, written C x H x W
    assert "conv · 16×28×28" in texts[0] and "pool · 16×14×14" in texts[3]
    assert "conv · 32×14×14" in texts[4] and "pool · 32×7×7" in texts[7]
    assert panel.shape_label.text() == "16×28×28"
    assert panel.grid.count == 16
    panel.layer_list.setCurrentRow(7)
    assert panel.shape_label.text() == "32×7×7" and panel.grid.count == 32
    assert panel.input_label.text() == "The drawing"


def test_a_drawing_made_while_the_default_test_digit_loads_stays_the_input(panel, qtbot, digit):
    panel.state.show_model(replica("cnn"))  # no input yet: the panel asks for test digit 0
    panel.state.set_input(digit, "drawing")  # ...and the person draws before it arrives
    qtbot.waitUntil(lambda: not panel._test_runner.busy and not panel._runner.busy, timeout=20_000)
    qtbot.wait(50)
    assert panel.state.input_source == "drawing" and np.array_equal(panel.state.input_image, digit)
    assert panel.input_label.text() == "The drawing"


def test_resnet_layers_include_every_residual_addition(panel, qtbot, digit):
    model = replica("resnet")
    panel.state.show_model(model)
    panel.state.set_input(digit, "drawing")
    qtbot.waitUntil(lambda: panel.layer_list.count() > 0 and np.array_equal(panel._input, digit), timeout=10_000)
    texts = layer_texts(panel)
    assert sum("residual add" in t for t in texts) == 4
    assert any(t.startswith("features.4.residual.add") and "64×4×4" in t for t in texts)
    with torch.no_grad():
        out = model.model.features(torch.as_tensor(digit)[None, None])
    last = panel.records[-1]
    np.testing.assert_allclose(last.array, out[0].numpy(), atol=1e-5)  # the final map is the model's


def test_clicking_a_channel_shows_it_large_with_its_kernel(panel, qtbot, digit):
    model = replica("cnn")
    panel.state.show_model(model)
    panel.state.set_input(digit, "drawing")
    qtbot.waitUntil(lambda: panel.layer_list.count() == 8, timeout=10_000)
    panel.layer_list.setCurrentRow(4)  # layer2.0: conv, 32x14x14
    assert not panel.channel_view.isVisible()
    click_tile(qtbot, panel.grid, 9)
    assert panel.channel == 9
    assert panel.channel_view.isVisible() and panel.kernel_view.isVisible()
    np.testing.assert_allclose(panel.channel_view.mosaic(), panel.records[4].array[9])
    assert "Channel 9 of layer2.0" in panel.detail_heading.text()
    assert "16×5×5" in panel.kernel_heading.text()
    kernel = model.model.layer2[0].weight[9].detach().numpy()
    assert panel.kernel_view.count == 16
    np.testing.assert_allclose(panel.kernel_view.mosaic()[:5, :5], kernel[0], rtol=1e-6)

    panel.layer_list.setCurrentRow(7)  # the pooled map of the same channel, made by the same kernel
    assert panel.channel == 9 and panel.channel_view.mosaic().shape == (7, 7)
    assert "kernel 9 of layer2.0" in panel.kernel_heading.text()


def test_a_new_input_or_model_is_captured_again(panel, qtbot, digit):
    panel.state.show_model(replica("cnn", seed=0))
    panel.state.set_input(digit, "drawing")
    qtbot.waitUntil(lambda: panel.layer_list.count() == 8, timeout=10_000)
    before = panel.records[0].array.copy()
    panel.state.set_input(np.rot90(digit).copy(), "drawing")
    qtbot.waitUntil(lambda: not np.allclose(panel.records[0].array, before), timeout=10_000)
    rotated = panel.records[0].array.copy()
    panel.state.show_model(replica("cnn", seed=1))
    qtbot.waitUntil(lambda: not np.allclose(panel.records[0].array, rotated), timeout=10_000)


def test_without_an_input_it_starts_from_a_test_digit(panel, qtbot):
    panel.state.show_model(replica("cnn"))
    qtbot.waitUntil(lambda: panel.layer_list.count() == 8, timeout=30_000)
    first = panel.state.input_source
    assert first.startswith("test item #0 of MNIST")
    panel._rng = np.random.default_rng(3)  # its first pick is not digit 0
    panel.random_button.click()
    qtbot.waitUntil(lambda: panel.state.input_source != first, timeout=30_000)
    qtbot.waitUntil(lambda: panel.input_label.text()[1:] == panel.state.input_source[1:], timeout=10_000)
    assert panel.test_index.value() != 0


def test_a_colour_model_gets_a_colour_test_item_of_its_own(panel, qtbot, digit, tinted):
    from resviz.core import models as registry

    panel.state.set_input(digit, "drawing")  # a grey drawing: this model cannot take it
    model = registry.build("resnet", in_channels=3, image_size=32).eval()
    panel.state.show_model(ModelReplica("resnet", registry.model_config(model), model, dataset="tinted"))
    qtbot.waitUntil(lambda: bool(panel.records) and panel.records[0].array.shape[-1] == 32, timeout=30_000)
    assert "tinted digits" in panel.input_label.text() and panel.input_view.shown.shape == (32, 32, 3)
    assert panel.state.input_source == "drawing"  # the digit panels keep the drawing
