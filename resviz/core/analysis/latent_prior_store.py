"""Fit a VAE's mixture prior once per set of weights: kept as plain arrays, refitted when it does not match.

A fit costs the encoding of the training set and ~8 CPU seconds of EM; sampling from it
costs nothing. So each mixture is kept in the user's cache folder as an ``.npz`` of plain
arrays (read back with ``allow_pickle=False``: nothing in it can run code), written
whole or not at all (``atomic_write``), named and tagged by the digest of the weights
it was fitted for (``checkpoints.weights_digest``: the same one a checkpoint stores). A
kept file is used only when every field is what resviz writes and its digest, component
count, seed and image count are the ones asked for; anything else (other weights, a
truncated or edited file) is fitted again and the file replaced.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from torch import nn

from ..atomic import UnsafeTarget, atomic_write_bytes
from ..checkpoints import weights_digest
from .latent_prior import MIXTURE_COMPONENTS, MixturePrior, fit_mixture_prior

FORMAT = 1  # the layout below; another number is refitted
ARRAYS = ("weights", "means", "cholesky")
SCALARS = {"format": "i", "weights_digest": "U", "data": "U", "images": "i", "seed": "i", "fit_seconds": "f",
           "iterations": "i", "converged": "b"}


def prior_folder() -> Path:
    """The user's cache folder for fitted priors ($XDG_CACHE_HOME/resviz/latent-priors)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "resviz" / "latent-priors"


def prior_file(digest: str, components: int = MIXTURE_COMPONENTS, seed: int = 0) -> Path:
    return prior_folder() / f"{digest.removeprefix('sha256:')[:24]}-k{components}-s{seed}.npz"


def model_digest(model: nn.Module) -> str:
    return weights_digest(model.state_dict())


def save_prior(prior: MixturePrior, path: Path) -> Path:
    """Write the mixture as plain arrays (float64, ints, strings), atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, format=np.int64(FORMAT), weights=prior.weights, means=prior.means, cholesky=prior.cholesky,
             weights_digest=np.str_(prior.weights_digest), data=np.str_(prior.data), images=np.int64(prior.images),
             seed=np.int64(prior.seed), fit_seconds=np.float64(prior.fit_seconds),
             iterations=np.int64(prior.iterations), converged=np.bool_(prior.converged))
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, buffer.getvalue())


def load_prior(path: Path, *, digest: str, latent_dim: int, components: int = MIXTURE_COMPONENTS,
               seed: int = 0, images: int | None = None) -> MixturePrior | None:
    """The kept mixture if it is whole, plain and fitted for exactly this (else None: fit it again)."""
    try:
        with np.load(path, allow_pickle=False) as kept:
            fields = {name: kept[name] for name in (*ARRAYS, *SCALARS)}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # missing, truncated, not an npz, an object array, a field short
    for name, kind in SCALARS.items():
        if fields[name].shape != () or fields[name].dtype.kind != kind:
            return None
    scalars = {name: fields[name].item() for name in SCALARS}
    if (scalars["format"] != FORMAT or scalars["weights_digest"] != digest or scalars["seed"] != seed
            or (images is not None and scalars["images"] != images)):
        return None
    weights, means, cholesky = (fields[name] for name in ARRAYS)
    if not _plausible(weights, means, cholesky, components, latent_dim):
        return None
    del scalars["format"]
    return MixturePrior(weights=weights, means=means, cholesky=cholesky, **scalars)


def _plausible(weights, means, cholesky, components: int, latent_dim: int) -> bool:
    """Shapes as asked, finite floats, weights a distribution, each factor lower-triangular with a positive diagonal."""
    if (weights.shape != (components,) or means.shape != (components, latent_dim)
            or cholesky.shape != (components, latent_dim, latent_dim)):
        return False
    if any(a.dtype.kind != "f" or not np.isfinite(a).all() for a in (weights, means, cholesky)):
        return False
    diagonal = np.diagonal(cholesky, axis1=1, axis2=2)
    return bool((weights >= 0).all() and abs(weights.sum() - 1) < 1e-6 and (diagonal > 0).all()
                and np.allclose(cholesky, np.tril(cholesky)))


def mixture_prior_for(model: nn.Module, images, data: str, components: int = MIXTURE_COMPONENTS, seed: int = 0,
                      progress: Callable[[str, float], None] = lambda text, fraction: None,
                      cancelled: Callable[[], bool] = lambda: False) -> tuple[MixturePrior, str]:
    """The mixture prior for this VAE's weights on ``images``: the kept one, else fitted now and kept.

    Also says what happened, for a person: 'kept', 'fitted' or why it could not be kept.
    """
    digest = model_digest(model)
    path = prior_file(digest, components, seed)
    kept = load_prior(path, digest=digest, latent_dim=model.latent_dim, components=components, seed=seed,
                      images=len(images))
    if kept is not None:
        return kept, f"kept in {path}"
    prior = fit_mixture_prior(model, images, weights_digest=digest, data=data, components=components, seed=seed,
                              progress=progress, cancelled=cancelled)
    try:
        save_prior(prior, path)
    except (OSError, UnsafeTarget) as error:  # a full disk or a read-only cache costs a refit next time, no more
        return prior, f"fitted in {prior.fit_seconds:.1f} s (not kept: {getattr(error, 'strerror', None) or error})"
    return prior, f"fitted in {prior.fit_seconds:.1f} s, kept in {path}"
