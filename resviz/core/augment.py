"""Batched data augmentation on the training device (no per-sample Python work)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def random_affine(
    x: torch.Tensor,
    max_shift: float = 2.0,
    max_degrees: float = 10.0,
    scale: tuple[float, float] = (0.9, 1.1),
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Shift (pixels), rotate and scale every image of [B, C, H, W] by its own random amount.

    One ``affine_grid`` + ``grid_sample`` for the whole batch: small handwriting
    variations that MNIST models generalise better for (0.1-0.2 points of accuracy).
    """
    b, _, h, w = x.shape
    opts = dict(device=x.device, dtype=torch.float32, generator=generator)
    angle = (torch.rand(b, **opts) * 2 - 1) * math.radians(max_degrees)
    zoom = torch.rand(b, **opts) * (scale[1] - scale[0]) + scale[0]
    shift = (torch.rand(b, 2, **opts) * 2 - 1) * max_shift
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([
        torch.stack([cos, -sin, shift[:, 0] * 2 / w], 1),
        torch.stack([sin, cos, shift[:, 1] * 2 / h], 1),
    ], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x.float(), grid, mode="bilinear", padding_mode="zeros", align_corners=False).to(x.dtype)
