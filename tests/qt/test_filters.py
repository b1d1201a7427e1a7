"""Filters panel: every conv layer's kernels; the picture changes as training changes them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from resviz.core import models
from resviz.core.events import Done, Snapshot
from resviz.core.replica import ModelReplica
from resviz.core.trainer import TrainConfig
from resviz.qt.panels.filters import COLOUR, MEAN, NO_MODEL, FiltersPanel, colour_kernels, kernel_stack
from resviz.qt.state import AppState


@pytest.fixture
def panel(qtbot):
    widget = FiltersPanel(AppState())
    qtbot.addWidget(widget)
    widget.resize(1000, 650)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def replica(name="cnn", seed=0):
    torch.manual_seed(seed)
    return ModelReplica(name, {}, models.build(name).eval())


def test_kernel_stack_picks_an_input_channel_or_the_mean():
    weight = np.random.default_rng(0).normal(size=(4, 3, 5, 5))
    np.testing.assert_array_equal(kernel_stack(weight, 2), weight[:, 2])
    np.testing.assert_allclose(kernel_stack(weight, MEAN), weight.mean(axis=1))
    np.testing.assert_array_equal(kernel_stack(weight[:, :1], MEAN), weight[:, 0])


def test_every_conv_layer_is_listed_and_shown_with_its_weight_shape(panel):
    assert panel.message.text() == NO_MODEL
    model = replica("resnet")
    panel.state.show_model(model)
    assert panel.layer_list.count() == 13
    assert "features.0.conv" in panel.layer_list.item(0).text()
    assert "16×1×3×3" in panel.heading.text()
    assert panel.grid.count == 16
    first = model.model.features[0].conv.weight.detach().numpy()[:, 0]
    assert np.nanmax(np.abs(panel.mosaic())) == pytest.approx(np.abs(first).max(), rel=1e-5)
    assert not panel.channel_box.isEnabled()  # one input channel: nothing to choose

    panel.layer_list.setCurrentRow(1)  # features.1.conv: 32 kernels over 16 inputs
    assert "32×16×3×3" in panel.heading.text() and panel.grid.count == 32
    assert panel.channel_box.isEnabled() and panel.channel_box.count() == 17
    mean_view = panel.mosaic()
    panel.channel_box.setCurrentIndex(panel.channel_box.findData(5))
    assert "input channel 5" in panel.heading.text()
    assert not np.array_equal(mean_view, panel.mosaic(), equal_nan=True)
    weight = model.model.features[1].conv.weight.detach().numpy()
    np.testing.assert_allclose(panel.mosaic()[:3, :3], weight[0, 5], rtol=1e-6)


def test_filters_change_between_two_training_snapshots_and_history_scrubs_back(panel, qtbot):
    state = panel.state
    events = []
    state.run_event.connect(lambda kind, event: events.append(event))
    config = TrainConfig.for_model("cnn", device="cpu", epochs=1, batch_size=64, train_subset=640,
                                   test_subset=200, snapshot_every=2, log_every=2)
    run = state.start_run(config)
    qtbot.waitUntil(lambda: any(isinstance(e, Done) for e in events), timeout=120_000)
    qtbot.waitUntil(lambda: not state.running_jobs(), timeout=10_000)
    snapshots = state.snapshots(run.id)
    assert len(snapshots) >= 2 and snapshots[0].step == 0 and snapshots[-1].step == 10
    assert sum(isinstance(e, Snapshot) for e in events) == len(snapshots)

    live = panel.mosaic()
    assert f"step {snapshots[-1].step}" in panel.heading.text()
    assert panel.history.live_button.isChecked()
    panel.history.slider.setValue(0)  # back to the untrained weights
    assert state.history_index(run.id) == 0
    assert "step 0" in panel.heading.text() and "step 0" in panel.history.label.text()
    start = panel.mosaic()
    assert start.shape == live.shape
    assert np.nanmax(np.abs(start - live)) > 1e-3  # the kernels moved during training
    first_kernels = snapshots[0].state["layer1.0.weight"][:, 0]
    assert np.nanmax(np.abs(start)) == pytest.approx(np.abs(first_kernels).max(), rel=1e-5)

    panel.history.live_button.click()
    assert state.history_index(run.id) is None
    np.testing.assert_array_equal(panel.mosaic(), live)


def test_the_first_layer_of_a_colour_model_is_shown_in_colour(panel):
    torch.manual_seed(0)
    model = models.build("resnet50-transfer", num_classes=3, image_size=64).eval()
    panel.state.show_model(ModelReplica("resnet50-transfer", models.model_config(model), model, ("a", "b", "c")))
    assert "backbone.conv1" in panel.layer_list.item(0).text()
    assert panel.grid.count == 64 and "64×3×7×7" in panel.heading.text() and "in colour" in panel.heading.text()
    mosaic = panel.mosaic()
    assert mosaic.shape[-1] == 3  # an RGB picture, not a colour-mapped one
    weight = model.backbone.conv1.weight.detach().numpy()
    np.testing.assert_allclose(mosaic[:7, :7], colour_kernels(weight)[0], atol=1e-6)  # kernel 0's R, G, B slices
    np.testing.assert_array_equal(mosaic[:7, 7], 1.0)  # a white gutter between kernels
    assert not panel.grid.colorbar or not panel.grid.colorbar.isVisible()  # no colour scale to read

    panel.channel_box.setCurrentIndex(panel.channel_box.findData(1))  # the green input alone, red/blue map
    assert panel.mosaic().ndim == 2 and "input channel 1" in panel.heading.text()
    np.testing.assert_allclose(panel.mosaic()[:7, :7], weight[0, 1], rtol=1e-6)
    panel.layer_list.setCurrentRow(1)  # deeper layers see feature maps, not colours
    assert panel.channel_box.findData(COLOUR) == -1 and panel.mosaic().ndim == 2


def test_colour_kernels_put_zero_at_grey_on_one_scale():
    weight = np.zeros((2, 3, 1, 1), np.float32)
    weight[0, 0] = 2.0  # kernel 0 answers to red
    weight[1, 2] = -1.0  # kernel 1 is against blue
    tiles = colour_kernels(weight)
    np.testing.assert_allclose(tiles[0, 0, 0], [1.0, 0.5, 0.5])
    np.testing.assert_allclose(tiles[1, 0, 0], [0.5, 0.5, 0.25])  # half the layer's largest weight
    np.testing.assert_allclose(colour_kernels(weight, per_kernel=True)[1, 0, 0], [0.5, 0.5, 0.0])
