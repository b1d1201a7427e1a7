"""The image priors that make an optimised input readable (Yosinski et al. 2015; Olah et al. 2017).

Plain gradient ascent on the pixels finds high-frequency patterns that excite a unit
but look like noise to a person. Each prior removes some of that freedom:

- ``jitter``: shift the image a few pixels at random before each step, so the pattern
  must work wherever it lands (Mordvintsev et al.'s "transformation robustness");
- ``blur``: smooth the image with a small Gaussian every few steps (Yosinski's
  Gaussian blur), which damps the highest frequencies;
- ``total_variation``: a penalty on the differences between neighbouring pixels, the
  same idea as a loss term instead of a filter;
- L2 decay and the pixel range clamp live in the optimiser loop (``feature_vis.py``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def jitter(images: torch.Tensor, pixels: int, generator: torch.Generator) -> torch.Tensor:
    """The batch shifted by one random (dy, dx) in [-pixels, pixels], wrapping round (differentiable)."""
    if pixels <= 0:
        return images
    dy, dx = (int(v) for v in torch.randint(-pixels, pixels + 1, (2,), generator=generator))
    return torch.roll(images, shifts=(dy, dx), dims=(-2, -1))


def gaussian_kernel(sigma: float) -> torch.Tensor:
    """A normalised 2-D Gaussian, radius ceil(2 sigma), as [1, 1, k, k]."""
    radius = max(1, math.ceil(2 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    line = torch.exp(-x**2 / (2 * sigma**2))
    line = line / line.sum()
    return (line[:, None] * line[None, :])[None, None]


def blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Each channel of [N, C, H, W] smoothed by a Gaussian of ``sigma`` pixels (edges replicated)."""
    if sigma <= 0:
        return images
    kernel = gaussian_kernel(sigma).to(images)
    channels = images.shape[1]
    pad = kernel.shape[-1] // 2
    padded = F.pad(images, (pad, pad, pad, pad), mode="replicate")
    return F.conv2d(padded, kernel.expand(channels, 1, -1, -1), groups=channels)


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """[N]: each image's mean absolute difference between neighbouring pixels."""
    down = (images[..., 1:, :] - images[..., :-1, :]).abs().flatten(1).mean(1)
    right = (images[..., :, 1:] - images[..., :, :-1]).abs().flatten(1).mean(1)
    return down + right
