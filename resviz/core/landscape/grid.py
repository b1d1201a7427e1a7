"""The loss on a grid of points in a 2-D slice of weight space: ``evaluate_grid`` and its result.

The slice is spanned by two directions d1, d2 through the trained weights theta:
``loss[i, j] = loss(theta + alphas[i] * d1 + betas[j] * d2)`` (row = alpha), all on the
same fixed images. ``center_loss`` is the unmoved model's own loss on them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..cancelling import Cancelled
from .directions import Direction
from .perturbed import PerturbedModel, SubsetLoss
from .roughness import roughness
from .settings import BATCHNORM

Progress = Callable[[str, float], None]  # (what is being done, fraction done)


class LandscapeCancelled(Cancelled):
    """The person cancelled the grid before it was done."""


@dataclass(frozen=True)
class Landscape:
    alphas: np.ndarray  # [N] steps along d1
    betas: np.ndarray  # [N] steps along d2
    loss: np.ndarray = field(repr=False)  # [N, N], row = alpha, column = beta
    center_loss: float  # at alpha = beta = 0: the model's own loss on the same images
    subset: int  # how many images each point was scored on
    seed: int
    seconds: float
    batchnorm: str = BATCHNORM  # how BatchNorm was handled
    directions: str = "random, filter-normalised"  # or "PCA of the trajectory"

    @property
    def roughness(self) -> float:
        return roughness(self.alphas, self.betas, self.loss, self.center_loss)

    def to_json(self) -> dict:
        return {"alphas": [round(float(a), 6) for a in self.alphas], "betas": [round(float(b), 6) for b in self.betas],
                "loss": [[_finite(v) for v in row] for row in self.loss], "center_loss": _finite(self.center_loss),
                "subset": self.subset, "seed": self.seed, "batchnorm": self.batchnorm,
                "directions": self.directions, "seconds": round(self.seconds, 2),
                "roughness": _finite(self.roughness)}


def _finite(value: float) -> float | None:
    """A loss for JSON: rounded, and None where the net overflowed (JSON has no inf or NaN)."""
    value = float(value)
    return round(value, 6) if np.isfinite(value) else None


def grid_axis(points: int, span: float) -> np.ndarray:
    """``points`` evenly spaced steps from -span to +span (the middle one exactly 0 when ``points`` is odd)."""
    axis = np.linspace(-span, span, points)
    if points % 2:
        axis[points // 2] = 0.0
    return axis


def evaluate_grid(model: nn.Module, d1: Direction, d2: Direction, inputs: torch.Tensor, labels: torch.Tensor,
                  alphas: np.ndarray, betas: np.ndarray, *, seed: int = 0, batch_size: int = 250,
                  device: torch.device | str = "cpu", progress: Progress | None = None,
                  cancelled: Callable[[], bool] | None = None, directions: str = "random, filter-normalised",
                  fold: bool = True) -> Landscape:
    """The loss at every (alpha, beta); raises ``LandscapeCancelled`` when ``cancelled()`` turns true.

    ``fold``: BatchNorm folded into its conv (``folding.py``), the same losses to float rounding, faster."""
    start = time.perf_counter()
    channels_last = inputs.dim() == 4
    perturbed = PerturbedModel(model, d1, d2, device, channels_last, fold)
    loss_of = SubsetLoss(inputs, labels, batch_size, device, channels_last)
    perturbed.move_to(0.0, 0.0)
    center = loss_of(perturbed.model)
    loss = np.full((len(alphas), len(betas)), np.nan)
    total = loss.size
    for i, alpha in enumerate(alphas):
        for j, beta in enumerate(betas):
            if cancelled is not None and cancelled():
                raise LandscapeCancelled("The landscape was cancelled.")
            perturbed.move_to(float(alpha), float(beta))
            loss[i, j] = loss_of(perturbed.model)
            done = i * len(betas) + j + 1
            if progress is not None:
                progress(f"point {done}/{total}", done / total)
    return Landscape(np.asarray(alphas, float), np.asarray(betas, float), loss, center, loss_of.count, seed,
                     time.perf_counter() - start, directions=directions)
