"""One copy of a model whose weights are rewritten in place for each point of a grid.

Loss at (alpha, beta) = loss(theta + alpha * d1 + beta * d2). Building a model per point
would allocate and copy everything 441 times; here one copy is made, the moved weights'
centre values and the two directions are kept beside it (same device, same memory
layout), and each point is three in-place tensor operations per weight. Eval-mode
BatchNorm is folded into the conv before it (``folding.py``: the same function, about a
third less work). The loss is a plain no-grad, eval-mode forward over the fixed images in
batches, the images already converted to float (and to channels-last for conv nets,
measurably faster on CPUs).
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from .directions import Direction, moves
from .folding import fold_batchnorm


def _like(template: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """``values`` copied into a tensor with ``template``'s device, dtype and memory layout."""
    return torch.empty_like(template).copy_(values)


class PerturbedModel:
    def __init__(self, model: nn.Module, d1: Direction, d2: Direction, device: torch.device | str = "cpu",
                 channels_last: bool = False, fold: bool = True):
        self.model = copy.deepcopy(model).to(device).eval()
        scales = fold_batchnorm(self.model) if fold else {}
        if channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        for p in self.model.parameters():
            p.requires_grad_(False)
        named = [(name, p) for name, p in self.model.named_parameters() if moves(p)]
        self._weights = [p for _, p in named]
        self._centre = [p.detach().clone(memory_format=torch.preserve_format) for p in self._weights]
        # along a folded weight W * s, the direction d becomes d * s
        self._d1 = [_like(p, d1[name].to(p.device) * scales.get(name, 1.0)) for name, p in named]
        self._d2 = [_like(p, d2[name].to(p.device) * scales.get(name, 1.0)) for name, p in named]

    @torch.no_grad()
    def move_to(self, alpha: float, beta: float) -> None:
        """Set the weights to centre + alpha * d1 + beta * d2 (alpha = beta = 0: exactly the centre)."""
        for weight, centre, d1, d2 in zip(self._weights, self._centre, self._d1, self._d2):
            weight.copy_(centre)
            if alpha:
                weight.add_(d1, alpha=alpha)
            if beta:
                weight.add_(d2, alpha=beta)


class SubsetLoss:
    """Mean cross-entropy of a model on fixed examples, in batches (buffers made once)."""

    def __init__(self, inputs: torch.Tensor, labels: torch.Tensor, batch_size: int, device, channels_last: bool):
        inputs = inputs.to(device)
        if channels_last:
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        self.batches = [(inputs[i:i + batch_size], labels[i:i + batch_size].to(device))
                        for i in range(0, len(labels), batch_size)]
        self.count = len(labels)

    @torch.no_grad()
    def __call__(self, model: nn.Module) -> float:
        total = None
        for x, y in self.batches:
            batch = F.cross_entropy(model(x).float(), y, reduction="sum")
            total = batch if total is None else total + batch
        return float(total) / max(self.count, 1)
