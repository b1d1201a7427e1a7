"""VAE panels: sliders redraw the decoded digit, prior samples, clusters in the background."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from resviz.core import models
from resviz.core.replica import ModelReplica
from resviz.qt.panels.clusters import ClustersPanel
from resviz.qt.panels.generated import GeneratedPanel
from resviz.qt.panels.latent import NO_VAE, LatentPanel, fixed_test_digits
from resviz.qt.state import AppState


def vae_replica(name="vae", seed=0, step=0, **config):
    """An untrained VAE whose BatchNorm statistics come from one batch, as after a first training step.

    (Straight from its constructor, eval-mode BatchNorm has mean 0 / variance 1 and the tiny
    activations of a fresh decoder die at the last ReLU: every z decodes to the same image.)
    """
    torch.manual_seed(seed)
    model = models.build(name, **config)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for norm in norms:
        norm.momentum = 1.0  # running statistics := this batch's
    with torch.no_grad():
        model.train()(torch.rand(32, 1, 28, 28))
    for norm in norms:
        norm.momentum = 0.1
    model.eval()
    return ModelReplica(name, models.model_config(model), model, step=step)


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_fixed_test_digits_are_the_first_of_each_class():
    labels = np.array([3, 1, 0, 1, 2, 9, 4, 5, 6, 7, 8, 0])
    indices = fixed_test_digits(None, labels)
    assert labels[indices].tolist() == list(range(10)) and indices[0] == 2 and indices[1] == 1


def test_moving_a_slider_changes_the_decoded_image(qtbot):
    panel = shown(qtbot, LatentPanel(AppState()))
    assert panel.message.text() == NO_VAE and not panel.sample_button.isEnabled()
    panel.state.show_model(vae_replica("vae"))
    assert len(panel.sliders) == 8 and panel.sliders[0].name.text() == "z1"
    before = panel.digit.mosaic().copy()
    panel.sliders[2].slider.setValue(panel.sliders[2].slider.maximum())  # z3 = +3
    assert panel.values[2] == pytest.approx(3.0)
    after = panel.digit.mosaic()
    assert not np.allclose(before, after)
    expected = panel.replica.model.decode(torch.tensor([[0, 0, 3.0, 0, 0, 0, 0, 0]])).detach().numpy()[0, 0]
    np.testing.assert_allclose(after, expected, atol=1e-5)

    panel.encode_test_digit(0)  # the sliders jump to the test digit's mean
    data = panel.state.test_set("mnist")
    with torch.no_grad():
        mean = panel.replica.model.encode(data.test_images[:1].float().div(255).unsqueeze(1))[0][0].numpy()
    np.testing.assert_allclose(panel.values, mean, atol=1e-5)
    assert "#0" in panel.origin.text()
    panel.reset()
    assert not panel.values.any() and panel.sliders[0].slider.value() == 0


def test_sliders_follow_principal_directions_for_the_seed_models(qtbot):
    panel = shown(qtbot, LatentPanel(AppState()))
    run = panel.state.show_model(vae_replica("vae2"))
    qtbot.waitUntil(lambda: panel.axes is not None, timeout=60_000)  # PCA runs in the background
    assert panel.axes.principal and panel.sliders[0].name.text().startswith("PC1")
    before = panel.digit.mosaic().copy()
    panel.sliders[0].slider.setValue(panel.sliders[0].slider.minimum())
    assert not np.allclose(before, panel.digit.mosaic())
    z = panel.axes.point(panel.values)  # -3σ along PC1 from the means' centre
    np.testing.assert_allclose(z, panel.axes.centre - 3 * panel.axes.stds[0] * panel.axes.directions[0], atol=1e-5)
    # a new snapshot of the same VAE redraws the same slider setting with the new weights
    setting = panel.values.copy()
    panel.state.show_model(vae_replica("vae2", seed=1, step=50), into=run.id)
    np.testing.assert_allclose(panel.values, setting)
    assert "step 50" in panel.status.text()


def test_drawn_digit_and_manifold_grid(qtbot):
    panel = shown(qtbot, LatentPanel(AppState()))
    panel.state.show_model(vae_replica("vae2d"))
    assert panel.manifold_box.isVisible() and panel.manifold.count == 225
    assert not panel.encode_drawn_button.isEnabled()
    drawn = np.zeros((28, 28), np.float32)
    drawn[5:23, 12:16] = 1.0
    panel.state.set_input(drawn, "test")
    assert panel.encode_drawn_button.isEnabled()
    panel.encode_drawn_button.click()
    with torch.no_grad():
        mean = panel.replica.model.encode(torch.from_numpy(drawn)[None, None])[0][0].numpy()
    np.testing.assert_allclose(panel.values, mean, atol=1e-5)
    assert panel.reconstructions.count == 20 and panel.interpolation.count == 10


def test_generated_panel_shows_each_vae_and_regenerates(qtbot):
    state = AppState()
    panel = shown(qtbot, GeneratedPanel(state))
    assert panel.message.isVisible()
    model2 = state.show_model(vae_replica("vae2")).id
    model1 = state.show_model(vae_replica("vae1")).id
    assert list(panel.grids) == [model2, model1] and panel.grids[model1].count == 64
    first = panel.samples(model2).copy()
    panel.regenerate_button.click()
    assert not np.allclose(first, panel.samples(model2))
    # the seed's Model 1 is shown left of Model 2
    assert panel.grid_row.indexOf(panel._boxes[model1]) < panel.grid_row.indexOf(panel._boxes[model2])


def test_clusters_run_in_the_background_and_hover_shows_the_digit(qtbot):
    state = AppState()
    panel = shown(qtbot, ClustersPanel(state))
    assert not panel.run_button.isEnabled()  # reconstructions need a VAE
    state.show_model(vae_replica("vae", latent_dim=4))
    panel.size_box.addItem("300 test digits", 300)
    panel.size_box.setCurrentIndex(panel.size_box.count() - 1)
    panel.source_box.setCurrentIndex(panel.source_box.findData("latent"))
    panel.run_button.click()
    assert not panel.run_button.isEnabled() and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=120_000)
    assert "ACC" in panel.metrics.text() and "raw pixels" in panel.metrics.text()
    assert panel.result.source == "latent" and panel.baselines[300].source == "pixels"
    assert sum(len(item.data) for item in panel.scatter_items) == 300
    assert panel.centres.count == 10

    qtbot.wait(50)
    index = 17
    x, y = (float(v) for v in panel.result.projection[index])
    zoom = float(np.ptp(panel.result.projection)) / 500  # close in, so no other point is within reach
    panel.plot.getViewBox().setRange(xRange=(x - zoom, x + zoom), yRange=(y - zoom, y + zoom), padding=0)
    scene_pos = panel.plot.getViewBox().mapViewToScene(pg_point(x, y))
    panel.plot.scene().sigMouseMoved.emit(scene_pos)
    assert f"#{index}:" in panel.preview_label.text()
    np.testing.assert_allclose(panel.preview.mosaic(), panel.result.images[index])

    panel.colour_box.setCurrentIndex(1)  # by true label: one scatter group per digit present
    assert len(panel.scatter_items) == len(np.unique(panel.result.labels))


def test_clusters_can_be_cancelled(qtbot):
    state = AppState()
    panel = shown(qtbot, ClustersPanel(state))
    panel.source_box.setCurrentIndex(panel.source_box.findData("pixels"))
    assert panel.run_button.isEnabled()  # raw pixels need no VAE
    panel.run()
    panel.cancel_button.click()  # checked between k-means starts, so it stops within one
    qtbot.waitUntil(lambda: not panel._runner.busy, timeout=60_000)
    assert panel.status.text() == "Cancelled." and panel.result is None
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()


def pg_point(x, y):
    from PySide6.QtCore import QPointF

    return QPointF(float(x), float(y))


def test_slider_latency_bench_moves_the_real_panel():
    from resviz.bench.latent_latency import screen_latency

    times = screen_latency("vae", moves=6, warmup=1)
    assert len(times) == 6 and all(t > 0 for t in times)
