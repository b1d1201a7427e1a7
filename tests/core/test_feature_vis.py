"""Feature visualisation: gradient ascent raises a unit's activation past the test set's best, within its range."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from trained_digits import one_thread, trained_cnn

from resviz.core import models
from resviz.core.analysis.feature_vis import FeatureVisSettings, frozen_copy, visualise
from resviz.core.analysis.feature_vis_regularisers import blur, jitter, total_variation
from resviz.core.analysis.unit_activation import (
    LOGITS,
    best_test_activations,
    find_layer,
    unit_activations,
    visualisable_layers,
)
from resviz.core.cancelling import Cancelled
from resviz.core.datasets.dataset import to_model_input

QUICK = FeatureVisSettings(steps=120)


@pytest.fixture(scope="module")
def cnn():
    with one_thread():
        return trained_cnn()


def test_the_seed_resnets_layers_are_its_convs_then_the_logits_each_read_after_its_relu():
    layers = visualisable_layers(models.build("resnet", seed=0).eval())
    assert len(layers) == 14 and [layer.kind for layer in layers] == ["conv"] * 13 + [LOGITS]
    assert layers[0].name == "features.0.conv" and layers[0].readout == "features.0.relu" and layers[0].units == 16
    # a residual block's last conv is read after the addition's ReLU; the logits as they are
    assert find_layer(models.build("resnet", seed=0), "features.1.residual.conv2").readout == "features.1.residual.relu2"
    assert layers[-1].name == layers[-1].readout == "fc" and layers[-1].units == 10
    with pytest.raises(KeyError, match="choose one of: features.0.conv"):
        find_layer(models.build("resnet", seed=0), "features.9.conv")


def test_a_units_activation_is_the_mean_of_its_channel_after_the_relu(cnn):
    model, data = cnn
    x = to_model_input(data.test_inputs[:5])
    conv = find_layer(model, "layer1.0")
    by_hand = torch.relu(model.layer1[1](model.layer1[0](x))).mean((2, 3))  # conv -> BatchNorm -> ReLU
    with torch.no_grad():
        torch.testing.assert_close(unit_activations(model, conv.readout, x), by_hand)
        torch.testing.assert_close(unit_activations(model, "fc", x), model(x))


def test_ascent_raises_every_units_activation_by_a_clear_margin(cnn):
    model, _ = cnn
    layer = find_layer(model, "layer2.0")
    with one_thread():
        result = visualise(model, layer, range(8), (1, 28, 28), QUICK)
    assert result.images.shape == (8, 1, 28, 28) and result.units == tuple(range(8))
    assert np.all(result.activations > result.start_activations + 0.5)
    assert np.all(result.activations > 2 * np.maximum(result.start_activations, 0.05))


def test_every_unit_reaches_at_least_the_best_test_images_activation(cnn):
    model, data = cnn
    for name in ("layer1.0", "layer2.0", "fc"):
        layer = find_layer(model, name)
        units = range(min(layer.units, 16))
        peak = best_test_activations(model, layer, data.test_inputs, units, count=1000)
        with one_thread():
            result = visualise(model, layer, units, (1, 28, 28), QUICK)
        assert peak.count == 1000
        shortfall = {unit: (float(a), float(t)) for unit, a, t in zip(units, result.activations, peak.values) if a < t}
        assert not shortfall, f"{name}: units below their best test image (reached, test_max): {shortfall}"


SLOW_START = FeatureVisSettings(steps=40, learning_rate=0.005, restart_speedup=10.0)  # the first climb falls short


def test_units_below_their_target_start_again_until_they_reach_it(cnn):
    model, data = cnn
    layer = find_layer(model, "layer2.0")
    units = range(16)
    targets = best_test_activations(model, layer, data.test_inputs, units, count=1000).values
    with one_thread():
        once = visualise(model, layer, units, (1, 28, 28), replace(SLOW_START, retries=0), targets=targets)
        again = visualise(model, layer, units, (1, 28, 28), SLOW_START, targets=targets)
    short = once.activations < targets
    assert short.sum() >= 4  # the first climb alone leaves units below: the restarts have work to do
    below = {unit: (float(a), float(t)) for unit, a, t in zip(units, again.activations, targets) if a < t}
    assert not below, f"units still below their best test image (reached, test_max): {below}"
    # a unit that was there after the first climb keeps its picture; a restarted one got a new, better one
    np.testing.assert_array_equal(again.images[~short], once.images[~short])
    assert np.all(again.activations[short] > once.activations[short])
    with one_thread():
        measured = visualise(model, layer, units, (1, 28, 28), replace(SLOW_START, retries=0))
    np.testing.assert_allclose(measured.activations, once.activations)  # without targets: no restarts


def test_restarts_stop_after_their_rounds_when_a_target_is_out_of_reach(cnn):
    model, _ = cnn
    seen = []
    settings = FeatureVisSettings(steps=10, retries=2, restarts=3)
    with one_thread():
        result = visualise(model, find_layer(model, "fc"), [3, 7], (1, 28, 28), settings,
                           progress=lambda message, fraction: seen.append(message),
                           targets=np.array([-1e9, 1e9], np.float32))  # 3 is there at once; 7 never gets there
    restarts = [message for message in seen if "fresh start" in message]
    assert restarts == ["fc: 1 below the best test image, fresh start 1 of 2, step 10 of 10",
                        "fc: 1 below the best test image, fresh start 2 of 2, step 10 of 10"]
    assert np.all(np.isfinite(result.activations)) and result.images.shape == (2, 1, 28, 28)


def test_best_test_activation_is_the_max_over_the_images_and_names_the_image(cnn):
    model, data = cnn
    layer = find_layer(model, "fc")
    peak = best_test_activations(model, layer, data.test_inputs, [3, 7], count=200)
    with torch.no_grad():
        logits = model(to_model_input(data.test_inputs[:200]))
    np.testing.assert_allclose(peak.values, logits[:, [3, 7]].max(0).values.numpy(), rtol=1e-5)
    np.testing.assert_array_equal(peak.images, logits[:, [3, 7]].argmax(0).numpy())


def test_the_pixels_stay_in_the_range_the_settings_give(cnn):
    model, _ = cnn
    settings = FeatureVisSettings(steps=30, pixel_min=0.2, pixel_max=0.6, learning_rate=0.5)
    with one_thread():
        result = visualise(model, find_layer(model, "fc"), range(10), (1, 28, 28), settings)
    assert result.images.min() >= 0.2 and result.images.max() <= 0.6
    assert result.images.min() == pytest.approx(0.2) and result.images.max() == pytest.approx(0.6)  # both used


def test_settings_out_of_range_are_clamped():
    odd = FeatureVisSettings(steps=-3, jitter=50, blur_sigma=-1, decay=2.0, pixel_min=1.0, pixel_max=0.0,
                             learning_rate=0, polish_steps=99, retries=-1, restarts=0).clamped()
    assert (odd.steps, odd.jitter, odd.blur_sigma, odd.decay) == (1, 8, 0.0, 0.5)
    assert (odd.retries, odd.restarts) == (0, 1)
    assert (odd.pixel_min, odd.pixel_max) == (0.0, 1.0) and odd.learning_rate > 0 and odd.polish_steps == 1


def test_the_shared_model_is_left_as_it_was(cnn):
    model, _ = cnn
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    flags = {name: p.requires_grad for name, p in model.named_parameters()}
    copy = frozen_copy(model)
    assert not any(p.requires_grad for p in copy.parameters()) and not copy.training
    with one_thread():
        visualise(model, find_layer(model, "layer1.0"), range(4), (1, 28, 28), FeatureVisSettings(steps=5))
    for name, p in model.named_parameters():
        assert torch.equal(p, before[name]) and p.requires_grad == flags[name] and p.grad is None
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_cancel_stops_it_and_progress_is_reported(cnn):
    model, _ = cnn
    seen = []

    def cancelled() -> bool:
        return len(seen) >= 2

    with pytest.raises(Cancelled), one_thread():
        visualise(model, find_layer(model, "fc"), range(10), (1, 28, 28), FeatureVisSettings(steps=100),
                  progress=lambda message, fraction: seen.append((message, fraction)), cancelled=cancelled)
    assert seen[0] == ("fc: step 10 of 100", 0.1) and len(seen) == 2


def test_regularisers_keep_a_flat_image_and_smooth_a_noisy_one():
    flat = torch.full((2, 1, 8, 8), 0.3)
    torch.testing.assert_close(blur(flat, 1.0), flat)
    assert torch.all(total_variation(flat) == 0)
    noise = torch.rand((2, 1, 16, 16), generator=torch.Generator().manual_seed(0))
    assert torch.all(total_variation(blur(noise, 1.0)) < 0.5 * total_variation(noise))
    shifted = jitter(noise, 2, torch.Generator().manual_seed(1))
    assert any(torch.equal(shifted, torch.roll(noise, (dy, dx), (-2, -1))) for dy in range(-2, 3) for dx in range(-2, 3))
    assert torch.equal(jitter(noise, 0, torch.Generator()), noise)
