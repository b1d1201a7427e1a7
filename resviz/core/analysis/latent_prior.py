"""A better prior to sample a trained VAE from: a Gaussian mixture fitted to its latent means.

A VAE is trained so that its latent codes spread like N(0, I), but they never quite do:
the codes of the training digits form clumps with gaps between them, and a point drawn
from N(0, I) often lands in a gap, where the decoder draws an in-between shape (a 4/9, a
smudged 0). Ex-post density estimation (Ghosh et al. 2020, "From Variational to
Deterministic Autoencoders", ICLR; Dai & Wipf 2019's two-stage VAE is the same idea with
a second VAE) fits a density to the training set's latent means after training and
samples z from it instead: the decoder is untouched, only where z comes from changes.

Here the density is scikit-learn's full-covariance Gaussian mixture. Measured on the
8-epoch ``cvae`` (README, issue 22): a digit classifier's belief in 1,000 samples rises
from 0.86 (N(0, I)) to 0.97 with 30 components (real digits: 0.99), every digit keeps
its share, and the samples stay nearly as varied as real digits. 30 components fit in
~8 CPU seconds on 60,000 16-D means; 10 give 0.95, 50 and 100 no more than 30.

Sampling at temperature T scales every component's covariance by T², as T scales
N(0, I) to N(0, T²I); T = 0 draws the components' means.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from torch import nn

from ..cancelling import Cancelled
from .latent import decode, latent_means, prior_latents
from .mixture_draws import mixture_draws

MIXTURE_COMPONENTS = 30  # measured: 0.95 belief at 10, 0.97 at 30, no more at 50 or 100 (2-6x the time)
MAX_MIXTURE_LATENT = 64  # a full covariance per component: seed 000's 7,168- and 448-D latents are far too big
ENCODE_SHARE = 0.3  # of the progress bar: encoding the images; the rest is the fit


@dataclass(frozen=True)
class MixturePrior:
    """A Gaussian mixture over a VAE's latent space, and what it was fitted on."""

    weights: np.ndarray  # [K], sums to 1
    means: np.ndarray  # [K, D]
    cholesky: np.ndarray  # [K, D, D], lower-triangular: covariance_k = L_k L_k^T
    weights_digest: str  # the VAE's weights it was fitted for (checkpoints.weights_digest)
    data: str  # which images, e.g. "MNIST"
    images: int  # how many of them
    seed: int  # scikit-learn's random_state for the k-means start
    fit_seconds: float  # encoding + fitting, wall clock
    iterations: int  # EM iterations run
    converged: bool

    @property
    def components(self) -> int:
        return len(self.weights)

    @property
    def latent_dim(self) -> int:
        return self.means.shape[1]

    def describe(self) -> str:
        return (f"a {self.components}-component Gaussian mixture fitted to the latent means of "
                f"{self.images:,} {self.data} training images")

    def sample(self, n: int, seed: int | None = None, temperature: float = 1.0) -> np.ndarray:
        """n latent vectors [n, D] (float32): a component by its weight, then its Gaussian with covariance
        scaled by T². The same seed draws the same points."""
        return mixture_draws(self.weights, self.means, self.cholesky, n, seed, temperature)


def mixture_refusal(model: nn.Module) -> str:
    """Why a mixture cannot be fitted to this VAE's latent ('' when it can)."""
    if model.latent_dim > MAX_MIXTURE_LATENT:
        return (f"its latent has {model.latent_dim:,} numbers; a full-covariance mixture is fitted to latents of "
                f"at most {MAX_MIXTURE_LATENT}")
    return ""


def fit_mixture_prior(model: nn.Module, images, *, weights_digest: str, data: str,
                      components: int = MIXTURE_COMPONENTS, seed: int = 0,
                      progress: Callable[[str, float], None] = lambda text, fraction: None,
                      cancelled: Callable[[], bool] = lambda: False) -> MixturePrior:
    """Encode ``images`` (uint8 [N, 28, 28], the VAE's training digits) to their latent means and fit
    ``components`` full-covariance Gaussians to them (the same mixture for the same seed)."""
    from sklearn.mixture import GaussianMixture  # imported here: it adds to the app's start

    refusal = mixture_refusal(model)
    if refusal:
        raise ValueError(f"No mixture prior for this VAE: {refusal}.")
    started = time.perf_counter()
    count = len(images)

    def encoded(fraction: float) -> None:
        if cancelled():
            raise Cancelled("fitting the mixture was stopped")
        progress(f"Encoding {count:,} training digits…", ENCODE_SHARE * fraction)

    means = latent_means(model, images, progress=encoded).astype(np.float64)
    if len(means) < components:
        raise ValueError(f"A {components}-component mixture needs at least {components} images; got {len(means)}.")
    if cancelled():
        raise Cancelled("fitting the mixture was stopped")
    progress(f"Fitting a {components}-component mixture to {count:,} latent means…", ENCODE_SHARE)
    # one fit() call: stepping EM one iteration a call (warm_start) gives the same mixture with a
    # cancel between steps, but re-validates the data every step: 1.5x the time, measured
    mixture = GaussianMixture(components, covariance_type="full", random_state=seed).fit(means)
    progress(f"Fitted a {components}-component mixture.", 1.0)
    return MixturePrior(
        weights=mixture.weights_ / mixture.weights_.sum(), means=mixture.means_,
        cholesky=np.linalg.cholesky(mixture.covariances_), weights_digest=weights_digest, data=data,
        images=count, seed=seed, fit_seconds=time.perf_counter() - started, iterations=int(mixture.n_iter_),
        converged=bool(mixture.converged_))


def sample_latents(model: nn.Module, n: int, seed: int | None = None, temperature: float = 1.0,
                   mixture: MixturePrior | None = None) -> np.ndarray:
    """n latent vectors from ``mixture``, or when it is None from the prior the VAE was trained with (N(0, T²I),
    or its learned mixture)."""
    if mixture is None:
        return prior_latents(model, n, seed, temperature)
    if mixture.latent_dim != model.latent_dim:
        raise ValueError(f"The mixture is over {mixture.latent_dim}-D latents; this VAE's has {model.latent_dim}.")
    return mixture.sample(n, seed, temperature)


def generated_digits(model: nn.Module, n: int, seed: int | None = None, temperature: float = 1.0,
                     mixture: MixturePrior | None = None) -> np.ndarray:
    """n decodes [n, 28, 28] of latent vectors from ``mixture`` (or N(0, T²I))."""
    return decode(model, sample_latents(model, n, seed, temperature, mixture))
