"""Roughness: one number that is larger for a sharper, less bowl-like landscape.

    roughness = (mean loss on the ring at half the span - centre loss) / centre loss

The ring is every grid point whose distance from the centre, sqrt(alpha² + beta²), is
within half a grid step of span / 2 (0.5 for the default span of 1: every filter moved
by half its norm). It says by how many times its own loss a net's loss rises when its
weights move a fixed, scale-free distance (the directions are filter-normalised) in any
direction of the slice: a wide bowl rises little, a narrow or chaotic landscape a lot.
Dividing by the centre loss makes it a relative rise, which, if anything, favours the
worse-trained net (a higher centre divides more) — so when a deep plain net, which
trains worse, still comes out above a residual one, its landscape is the sharper one.

We also measured the share of grid points whose finite-difference 2-D Hessian of
log-loss is not positive definite (the 2-D analogue of the paper's convexity maps): it
did not separate plain from residual nets on MNIST (0.24 vs 0.43 for 40-conv nets,
the other way round), because far from the centre every landscape flattens at a high
plateau, which counts as non-convex however smooth it is. So roughness is the ring's rise.
"""

from __future__ import annotations

import numpy as np


def ring_mask(alphas: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """[N, N] True on the ring at half the span (within half a grid step of it)."""
    alphas, betas = np.asarray(alphas, float), np.asarray(betas, float)
    a, b = np.meshgrid(alphas, betas, indexing="ij")
    radius = np.hypot(a, b)
    span = min(np.abs(alphas).max(), np.abs(betas).max())
    step = max(np.abs(np.diff(alphas)).mean(), np.abs(np.diff(betas)).mean())
    return np.abs(radius - span / 2) <= step / 2 + 1e-9


def roughness(alphas, betas, loss, center_loss: float) -> float:
    """The mean relative rise of the loss over the ring at half the span (NaN if it cannot be measured)."""
    loss = np.asarray(loss, float)
    ring = loss[ring_mask(alphas, betas)]
    ring = np.where(np.isfinite(ring), ring, np.finfo(float).max / loss.size)  # overflowed: as high as it gets
    if not len(ring) or not center_loss > 0:
        return float("nan")
    return float((ring.mean() - center_loss) / center_loss)
