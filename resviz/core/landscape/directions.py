"""Filter-normalised random directions in weight space (Li et al. 2018, section 4).

A random direction d has one Gaussian entry per weight. Weights of different nets (or
layers) differ in scale, and a net with ReLUs and BatchNorm computes the same function
when a filter's weights are multiplied by 10, so a step of 1 along a raw Gaussian means
different things for different nets. Filter normalisation rescales each *filter* of
d — one output unit of a conv or linear layer: ``d[i]``, a slice along dim 0 — to the
norm of the same filter of the weights: ``d[i] <- d[i] / |d[i]| * |w[i]|``. A step of
1 then changes every filter by as much as it is big, whatever the scale of the net.

Biases and BatchNorm's scale and shift (every 1-D parameter) get a zero direction: they
are not moved, as the paper's code does by default (``ignore='biasbn'``). Buffers
(BatchNorm's running statistics) are not parameters and are never moved either.
"""

from __future__ import annotations

import torch
from torch import nn

Direction = dict[str, torch.Tensor]  # parameter name -> a tensor shaped like it


def moves(parameter: torch.Tensor) -> bool:
    """Whether a parameter is moved along a direction: conv and linear weights, not 1-D ones."""
    return parameter.dim() > 1


def moved_parameters(model: nn.Module) -> dict[str, torch.Tensor]:
    """The parameters a direction moves, by name, in the model's own order."""
    return {name: p for name, p in model.named_parameters() if moves(p)}


def filter_normalise(direction: torch.Tensor, weight: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """``direction`` with each filter (slice along dim 0) rescaled to the norm of ``weight``'s same filter."""
    d = direction.reshape(len(direction), -1)
    w = weight.detach().reshape(len(weight), -1).to(direction.dtype)
    scale = w.norm(dim=1, keepdim=True) / (d.norm(dim=1, keepdim=True) + eps)
    return (d * scale).reshape(direction.shape)


def random_direction(model: nn.Module, generator: torch.Generator) -> Direction:
    """One filter-normalised Gaussian direction for every parameter of ``model`` (1-D ones zero)."""
    direction = {}
    for name, p in model.named_parameters():
        if moves(p):
            gaussian = torch.randn(p.shape, generator=generator, dtype=torch.float32)
            direction[name] = filter_normalise(gaussian, p.detach().cpu().float())
        else:
            direction[name] = torch.zeros(p.shape, dtype=torch.float32)
    return direction


def random_directions(model: nn.Module, seed: int) -> tuple[Direction, Direction]:
    """Two independent filter-normalised directions, the same for the same seed and model shape."""
    generator = torch.Generator().manual_seed(seed)
    return random_direction(model, generator), random_direction(model, generator)
