"""Latent-space sliders: axes, decoding, sampling, interpolation, the manifold grid."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from resviz.core import models
from resviz.core.analysis import latent


@pytest.fixture(scope="module")
def compact():
    torch.manual_seed(0)
    return models.build("vae", latent_dim=8).eval()


@pytest.fixture(scope="module")
def digits():
    return np.random.default_rng(0).integers(0, 256, (6, 28, 28), dtype=np.uint8)


def test_image_batches_from_uint8_and_float():
    u8 = np.full((2, 28, 28), 255, np.uint8)
    assert latent.as_image_batch(u8).shape == (2, 1, 28, 28)
    assert latent.as_image_batch(u8).max() == 1.0
    one = np.full((28, 28), 0.5, np.float32)
    assert latent.as_image_batch(one).shape == (1, 1, 28, 28) and latent.as_image_batch(one).max() == 0.5


def test_means_decode_and_reconstruct_agree(compact, digits):
    means = latent.latent_means(compact, digits, batch_size=4)  # two batches
    with torch.no_grad():
        expected = compact.encode(latent.as_image_batch(digits))[0].numpy()
    np.testing.assert_allclose(means, expected, atol=1e-5)
    images = latent.decode(compact, means)
    assert images.shape == (6, 28, 28) and 0 <= images.min() and images.max() <= 1
    assert latent.decode(compact, means[0]).shape == (28, 28)
    np.testing.assert_allclose(latent.reconstruct(compact, digits), images, atol=1e-6)


def test_direct_axes_are_the_latent_dimensions():
    axes = latent.direct_axes(3)
    assert axes.labels == ("z1", "z2", "z3") and not axes.principal
    np.testing.assert_allclose(axes.point([1, -2, 0.5]), [1, -2, 0.5])
    low, high = axes.slider_range()
    np.testing.assert_allclose(high, [3, 3, 3])  # ±3 prior standard deviations
    np.testing.assert_allclose(axes.residual([4, 5, 6]), 0)


def test_principal_axes_find_the_spread_direction():
    rng = np.random.default_rng(0)
    direction = np.zeros(50, np.float32)
    direction[[3, 7]] = 1 / np.sqrt(2)
    means = 5 + rng.normal(0, 3, (2000, 1)) * direction + rng.normal(0, 0.05, (2000, 50))
    axes = latent.principal_axes(means, count=4)
    assert axes.principal and axes.count == 4 and axes.labels[0].startswith("PC1")
    assert abs(float(axes.directions[0] @ direction)) == pytest.approx(1, abs=1e-3)
    assert axes.stds[0] == pytest.approx(3, rel=0.05)
    assert axes.explained[0] > 0.9
    np.testing.assert_allclose(axes.directions @ axes.directions.T, np.eye(4), atol=1e-5)
    z = means[0].astype(np.float32)
    values = axes.coordinates(z)
    np.testing.assert_allclose(axes.point(values, axes.residual(z)), z, atol=1e-4)  # encode keeps the digit
    np.testing.assert_allclose(axes.coordinates(axes.point([1, 2, 3, 4])), [1, 2, 3, 4], atol=1e-4)


def test_latent_axes_pick_sliders_by_latent_size(compact, digits):
    assert not latent.latent_axes(compact).principal
    seed_model = models.build("vae2").eval()
    with pytest.raises(ValueError, match="needs images"):
        latent.latent_axes(seed_model)
    axes = latent.latent_axes(seed_model, digits, count=3)
    assert axes.principal and axes.directions.shape == (3, 28 * 16)


def test_prior_samples_and_interpolation(compact, digits):
    samples = latent.prior_samples(compact, 5, seed=1)
    assert samples.shape == (5, 28, 28)
    np.testing.assert_allclose(samples, latent.prior_samples(compact, 5, seed=1))
    strip = latent.interpolate(compact, digits[0], digits[1], steps=5)
    ends = latent.reconstruct(compact, digits[:2])
    assert strip.shape == (5, 28, 28)
    np.testing.assert_allclose(strip[[0, -1]], ends, atol=1e-5)


def test_manifold_grid_for_a_2d_latent(compact):
    model = models.build("vae", latent_dim=2).eval()
    grid = latent.manifold_grid(model, size=3, span=2.0)
    assert grid.shape == (9, 28, 28)
    np.testing.assert_allclose(grid[0], latent.decode(model, np.array([-2.0, 2.0])), atol=1e-6)  # top left
    np.testing.assert_allclose(grid[8], latent.decode(model, np.array([2.0, -2.0])), atol=1e-6)
    with pytest.raises(ValueError, match="2-D latent"):
        latent.manifold_grid(compact)


def test_axes_keep_their_sign_across_updates():
    rng = np.random.default_rng(1)
    means = rng.normal(0, 1, (300, 6)) * [5, 3, 1, 1, 1, 1]
    before = latent.principal_axes(means, count=2)
    flipped = latent.LatentAxes(before.centre, -before.directions, before.stds, before.labels, principal=True)
    np.testing.assert_allclose(flipped.aligned_to(before).directions, before.directions)
    assert flipped.aligned_to(None) is flipped
