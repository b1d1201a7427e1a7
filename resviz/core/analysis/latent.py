"""The VAE's latent space as sliders: means, slider axes, decoding, sampling, interpolation.

A slider panel needs a few axes through latent space with a sensible range each:

- The compact VAE has a small latent (8 or 2 numbers): one slider per dimension,
  spanning ±3 prior standard deviations (the prior is N(0, I); a prior learned in
  training has its own centre and spread along each dimension).
- Seed Models 1 and 2 have a latent of 28 x h numbers (7,168 / 448), far too many
  sliders. Their sliders move along the top principal directions of the test set's
  latent means (PCA in latent space), each spanning ±3 standard deviations of the
  means along it, and are labelled "PC1", "PC2", ...

A slider setting is ``z = centre + sum_i value_i * direction_i + residual``. The
residual is the part of an encoded (or prior-sampled) z that the sliders do not
reach, kept so that "encode this digit" reproduces its reconstruction exactly and
the sliders then move it; "reset" clears it.

Every function here takes a plain ``nn.Module`` with ``encode``/``decode`` (a
``ModelReplica.model``), runs without gradients and returns numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from .mixture_draws import mixture_draws

PCA_AXES = 8  # sliders for the seed models (their latent is 28 x h)
DIRECT_AXES_LIMIT = 16  # a latent this small gets one slider per dimension


def as_image_batch(images) -> torch.Tensor:
    """uint8 [N,28,28] tensor/array or float [N,28,28] / [28,28] in [0, 1] -> float [N,1,28,28]."""
    x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
    x = x.float().div(255.0) if x.dtype == torch.uint8 else x.float()
    return x.reshape(-1, 1, *x.shape[-2:]).cpu()


def model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def latent_means(model: nn.Module, images, batch_size: int = 500, progress=None) -> np.ndarray:
    """The encoder's mean for each image: [N, latent_dim]."""
    x = as_image_batch(images)
    device = model_device(model)
    means = []
    for start in range(0, len(x), batch_size):
        means.append(model.encode(x[start:start + batch_size].to(device))[0].float().cpu())
        if progress:
            progress(min(start + batch_size, len(x)) / len(x))
    return torch.cat(means).numpy() if means else np.zeros((0, model.latent_dim), np.float32)


@torch.no_grad()
def decode(model: nn.Module, z, batch_size: int = 500) -> np.ndarray:
    """Latent vectors [N, D] (or one [D]) -> pixel probabilities [N, 28, 28] (or [28, 28])."""
    z = torch.as_tensor(np.asarray(z, dtype=np.float32))
    single = z.ndim == 1
    z = z.reshape(-1, z.shape[-1]).to(model_device(model))
    images = [model.decode(z[s:s + batch_size]).float()[:, 0].cpu() for s in range(0, len(z), batch_size)]
    out = torch.cat(images).numpy() if images else np.zeros((0, 28, 28), np.float32)
    return out[0] if single else out


def reconstruct(model: nn.Module, images, batch_size: int = 500) -> np.ndarray:
    """Decode of each image's latent mean (the VAE's best guess, no sampling noise): [N, 28, 28]."""
    return decode(model, latent_means(model, images, batch_size), batch_size)


def prior_latents(model: nn.Module, n: int, seed: int | None = None, temperature: float = 1.0) -> np.ndarray:
    """n latent vectors from the VAE's prior: N(0, I), or N(0, T²I) at sampling temperature T (a prior
    learned in training: its mixture, each component's covariance T² as large).

    T < 1 keeps z nearer the prior's centre, where the decoder has seen the most
    training codes: fewer in-between shapes, less variety (Glow, Kingma & Dhariwal
    2018, samples at T = 0.7). T = 0 is the decode of the prior's mean. The same seed
    draws the same noise at every T.
    """
    prior = getattr(model, "prior", None)
    if prior is not None:  # a prior learned in training: its mixture, each Gaussian T² as wide
        return mixture_draws(*prior.as_arrays(), n, seed, temperature)
    rng = np.random.default_rng(seed)
    return (temperature * rng.standard_normal((n, model.latent_dim))).astype(np.float32)


def prior_samples(model: nn.Module, n: int, seed: int | None = None, temperature: float = 1.0) -> np.ndarray:
    """n generated digits: decodes of prior samples (at ``temperature``), [n, 28, 28]."""
    return decode(model, prior_latents(model, n, seed, temperature))


def interpolate(model: nn.Module, image_a, image_b, steps: int = 8) -> np.ndarray:
    """Decodes along the straight line between two images' latent means: [steps, 28, 28]."""
    means = latent_means(model, np.stack([np.asarray(image_a), np.asarray(image_b)]))
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    return decode(model, (1 - t) * means[0] + t * means[1])


@dataclass(frozen=True)
class LatentAxes:
    """Slider axes: ``z = centre + values @ directions + residual``."""

    centre: np.ndarray  # [D]
    directions: np.ndarray  # [k, D], orthonormal rows
    stds: np.ndarray  # [k]: a slider spans about ±3 of these
    labels: tuple[str, ...]
    explained: np.ndarray | None = None  # PCA: fraction of the means' variance per axis
    principal: bool = False  # True: PCA directions; False: the latent's own dimensions

    @property
    def count(self) -> int:
        return len(self.stds)

    def slider_range(self, sigmas: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
        return -sigmas * self.stds, sigmas * self.stds

    def point(self, values, residual=None) -> np.ndarray:
        """Slider values [k] (or [N, k]) -> latent vectors [D] (or [N, D])."""
        z = self.centre + np.asarray(values, dtype=np.float32) @ self.directions
        return (z if residual is None else z + residual).astype(np.float32)

    def coordinates(self, z) -> np.ndarray:
        """Where latent vector(s) sit along the axes: [D] -> [k]."""
        return ((np.asarray(z, dtype=np.float32) - self.centre) @ self.directions.T).astype(np.float32)

    def aligned_to(self, previous: LatentAxes | None) -> LatentAxes:
        """Flip axes whose direction turned round since ``previous`` (a principal direction's
        sign is arbitrary), so a slider keeps its meaning while the model trains."""
        if previous is None or previous.directions.shape != self.directions.shape:
            return self
        signs = np.where(np.sum(self.directions * previous.directions, axis=1) < 0, -1, 1).astype(np.float32)
        return replace(self, directions=self.directions * signs[:, None])

    def residual(self, z) -> np.ndarray:
        """The part of z the sliders do not reach (zero for one slider per dimension)."""
        z = np.asarray(z, dtype=np.float32)
        return (z - self.point(self.coordinates(z))).astype(np.float32)


def direct_axes(latent_dim: int, centre: np.ndarray | None = None, stds: np.ndarray | None = None) -> LatentAxes:
    """One slider per latent dimension, ±3 prior standard deviations around the prior's mean (N(0, I):
    ±3 around 0; a learned prior: its own mean and spread along each dimension)."""
    return LatentAxes(
        centre=np.zeros(latent_dim, np.float32) if centre is None else centre.astype(np.float32),
        directions=np.eye(latent_dim, dtype=np.float32),
        stds=np.ones(latent_dim, np.float32) if stds is None else stds.astype(np.float32),
        labels=tuple(f"z{i + 1}" for i in range(latent_dim)),
    )


def has_learned_prior(model: nn.Module) -> bool:
    """Whether a VAE learned its prior in training (cvae-mix's mixture) instead of keeping N(0, I)."""
    return getattr(model, "prior", None) is not None


def prior_name(model: nn.Module) -> str:
    """The prior a VAE was trained with, in words: 'N(0, I)' or 'its learned 100-Gaussian mixture'."""
    prior = getattr(model, "prior", None)
    return "N(0, I)" if prior is None else f"its learned {prior.components}-Gaussian mixture"


def prior_moments(prior) -> tuple[np.ndarray, np.ndarray]:
    """A learned mixture's mean and standard deviation along each latent dimension (of the whole
    mixture: the spread of the components' means plus each one's own)."""
    weights, means, cholesky = prior.as_arrays()
    centre = weights @ means
    variances = np.einsum("kij,kij->ki", cholesky, cholesky)  # the diagonal of L L^T
    second = weights @ (variances + means ** 2)
    return centre, np.sqrt(np.maximum(second - centre ** 2, 1e-6))


@torch.no_grad()
def likeliest_component_mean(prior) -> np.ndarray:
    """Of a learned mixture's Gaussians' means, the one where the whole mixture is densest: a typical
    code. (The mixture's own mean sits between its Gaussians, where digits blend.)"""
    means = prior.means.detach()
    return means[int(torch.argmax(prior(means)))].float().cpu().numpy()


def principal_axes(means: np.ndarray, count: int = PCA_AXES) -> LatentAxes:
    """The top principal directions of a set of latent means, with the means' std along each."""
    from sklearn.decomposition import PCA  # imported here: it adds ~1 s to the app's start

    means = np.asarray(means, dtype=np.float32)
    count = min(count, *means.shape)
    # randomized SVD: Model 1's latent has 7,168 dimensions, and we want only the top few
    pca = PCA(n_components=count, svd_solver="randomized", random_state=0).fit(means)
    return LatentAxes(
        centre=pca.mean_.astype(np.float32), directions=pca.components_.astype(np.float32),
        stds=np.maximum(np.sqrt(pca.explained_variance_), 1e-3).astype(np.float32),
        labels=tuple(f"PC{i + 1} ({100 * e:.0f}%)" for i, e in enumerate(pca.explained_variance_ratio_)),
        explained=pca.explained_variance_ratio_.astype(np.float32), principal=True,
    )


def latent_axes(model: nn.Module, images=None, count: int = PCA_AXES) -> LatentAxes:
    """Direct sliders for a small latent; otherwise PCA of ``images``' latent means."""
    if model.latent_dim <= DIRECT_AXES_LIMIT:
        prior = getattr(model, "prior", None)
        return direct_axes(model.latent_dim, *(prior_moments(prior) if prior is not None else ()))
    if images is None:
        raise ValueError("A large latent needs images to find its principal directions.")
    return principal_axes(latent_means(model, images), count)


def manifold_grid(model: nn.Module, size: int = 15, span: float = 3.0) -> np.ndarray:
    """For a 2-D latent: decodes over a size x size grid of z in [-span, span]^2, [size*size, 28, 28].

    Row r, column c decodes z = (x_c, y_r) with y decreasing down the grid, as on a plot.
    """
    if model.latent_dim != 2:
        raise ValueError("A manifold grid needs a VAE with a 2-D latent.")
    values = np.linspace(-span, span, size, dtype=np.float32)
    xs, ys = np.meshgrid(values, values[::-1])
    return decode(model, np.stack([xs.ravel(), ys.ravel()], axis=1))
