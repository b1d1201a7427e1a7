"""The mixture prior: fitted to latent means, samples near them, the same for a seed; kept files are checked."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from torch import nn

from resviz.core.analysis.latent_prior import fit_mixture_prior, mixture_refusal, sample_latents
from resviz.core.analysis.latent_prior_store import (
    load_prior,
    mixture_prior_for,
    model_digest,
    prior_file,
    save_prior,
)

CENTRES = np.array([[-6.0, -6.0], [6.0, 6.0], [6.0, -6.0]])
SPREAD = 0.3


class ToyEncoder(nn.Module):
    """A 'VAE' whose latent mean is the first two pixels of an image, times a weight."""

    latent_dim = 2

    def __init__(self, scale: float = 1.0):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(scale))

    def encode(self, x):
        mean = x[:, 0, 0, :2] * self.scale
        return mean, torch.zeros_like(mean)


def toy_images(per_cluster: int = 200, seed: int = 0) -> np.ndarray:
    """Float images whose first two pixels are points in three tight, well-separated clusters."""
    rng = np.random.default_rng(seed)
    points = np.concatenate([centre + SPREAD * rng.standard_normal((per_cluster, 2)) for centre in CENTRES])
    images = np.zeros((len(points), 28, 28), np.float32)
    images[:, 0, :2] = points
    return images


def fit(model=None, components: int = 3, seed: int = 0):
    model = model or ToyEncoder()
    return fit_mixture_prior(model, toy_images(), weights_digest=model_digest(model), data="toy",
                             components=components, seed=seed)


def test_samples_land_in_the_clusters_each_by_its_share():
    prior = fit()
    z = prior.sample(3000, seed=1)
    distance = np.linalg.norm(z[:, None, :] - CENTRES[None], axis=2)
    nearest = distance.argmin(1)
    assert distance.min(1).max() < 6 * SPREAD  # none in the empty space between the clusters
    np.testing.assert_allclose(np.bincount(nearest, minlength=3) / len(z), [1 / 3] * 3, atol=0.04)
    # N(0, I) draws from the gap the clusters leave: the lesson of the mixture
    normal = sample_latents(ToyEncoder(), 3000, seed=1)
    assert np.linalg.norm(normal[:, None, :] - CENTRES[None], axis=2).min(1).min() > 2


def test_the_same_seed_draws_the_same_points_and_temperature_scales_the_spread():
    prior = fit()
    np.testing.assert_array_equal(prior.sample(50, seed=4), prior.sample(50, seed=4))
    assert not np.array_equal(prior.sample(50, seed=4), prior.sample(50, seed=5))
    np.testing.assert_array_equal(fit().means, prior.means)  # the same fit for the same seed
    cold = prior.sample(3000, seed=2, temperature=0.5)
    warm = prior.sample(3000, seed=2, temperature=1.0)
    spread = [np.linalg.norm(z[:, None] - CENTRES[None], axis=2).min(1).mean() for z in (cold, warm)]
    assert spread[0] == pytest.approx(spread[1] / 2, rel=0.02)  # the same noise, half as far from the centre
    at_zero = prior.sample(20, seed=2, temperature=0.0)
    assert np.isclose(at_zero[:, None], prior.means[None].astype(np.float32)).all(axis=2).any(axis=1).all()


def test_a_large_latent_is_refused_with_a_reason():
    model = ToyEncoder()
    model.latent_dim = 448  # seed 000's Model 2
    assert "448 numbers" in mixture_refusal(model)
    with pytest.raises(ValueError, match="No mixture prior"):
        fit_mixture_prior(model, toy_images(), weights_digest="sha256:0", data="toy")


def test_a_kept_prior_is_read_back_only_for_the_weights_it_was_fitted_for(tmp_path):
    model = ToyEncoder()
    prior, how = mixture_prior_for(model, toy_images(), "toy", components=3)
    assert how.startswith("fitted in")
    again, how = mixture_prior_for(model, toy_images(), "toy", components=3)
    assert how.startswith("kept in") and again.fit_seconds == prior.fit_seconds
    np.testing.assert_array_equal(again.sample(10, seed=0), prior.sample(10, seed=0))

    other = ToyEncoder(scale=0.5)  # other weights: their latent means are elsewhere, so fit again
    refit, how = mixture_prior_for(other, toy_images(), "toy", components=3)
    assert how.startswith("fitted in") and np.abs(refit.means).max() < 4

    path = prior_file(model_digest(model), 3)
    assert load_prior(path, digest="sha256:" + "0" * 64, latent_dim=2, components=3) is None  # stale
    assert load_prior(path, digest=model_digest(model), latent_dim=2, components=3, images=7) is None  # other data


def test_a_corrupt_or_pickled_prior_is_refitted_and_never_run(tmp_path):
    model = ToyEncoder()
    digest = model_digest(model)
    path = prior_file(digest, 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    marker = tmp_path / "ran"

    class Payload:  # unpickling it would create the marker file
        def __reduce__(self):
            return (open, (str(marker), "w"))

    good = fit(model)
    for corrupt in ("truncated", "pickled", "edited"):
        save_prior(good, path)
        if corrupt == "truncated":
            path.write_bytes(path.read_bytes()[:200])
        elif corrupt == "pickled":
            arrays = dict(np.load(path, allow_pickle=False))
            arrays["means"] = np.array([Payload()], dtype=object)
            with open(path, "wb") as file:
                np.savez(file, **arrays)
            assert pickle.dumps(Payload())  # the file really holds a pickle
        else:
            arrays = dict(np.load(path, allow_pickle=False))
            arrays["cholesky"] = -arrays["cholesky"]  # not a covariance factor any more
            with open(path, "wb") as file:
                np.savez(file, **arrays)
        assert load_prior(path, digest=digest, latent_dim=2, components=3) is None, corrupt
        prior, how = mixture_prior_for(model, toy_images(), "toy", components=3)
        assert how.startswith("fitted in"), corrupt
        np.testing.assert_array_equal(prior.means, good.means)
        assert load_prior(path, digest=digest, latent_dim=2, components=3) is not None  # replaced by a good one
    assert not marker.exists()
