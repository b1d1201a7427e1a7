"""Points drawn from a Gaussian mixture with numpy's generator: a fitted prior's, or a learned one's.

A component by its weight, then its Gaussian; at temperature T each covariance is T² times
as large, as N(0, I) at T is N(0, T²I); T = 0 draws the components' means. The same seed
draws the same points."""

from __future__ import annotations

import numpy as np


def mixture_draws(weights: np.ndarray, means: np.ndarray, cholesky: np.ndarray, n: int,
                  seed: int | None = None, temperature: float = 1.0) -> np.ndarray:
    """n points [n, D] (float32) from sum_k weights[k] N(means[k], cholesky[k] cholesky[k]^T)."""
    rng = np.random.default_rng(seed)
    component = rng.choice(len(weights), size=n, p=weights / weights.sum())
    noise = rng.standard_normal((n, means.shape[1]))
    return (means[component] + temperature * np.einsum("nij,nj->ni", cholesky[component], noise)).astype(np.float32)
