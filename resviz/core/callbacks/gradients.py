"""Per-layer gradient norms: how much of the error signal reaches each layer.

Recorded at the first step and every ``every`` steps after, right after backward and
before the optimizer step: the L2 norm of each layer's weight gradient, input layer
first. In a deep plain network without BatchNorm these fall by orders of magnitude on
the way down (vanishing gradients); residual connections carry them through (seeds
000 and 004). One host copy per recorded step.
"""

from __future__ import annotations

import torch

from ..events import Recorded
from .base import Callback
from .layers import recorded_layers


class GradientNorms(Callback):
    name = "grad_norms"
    wants_gradients = True

    def __init__(self, every: int = 10):
        self.every = max(1, every)
        self._pending: torch.Tensor | None = None

    def on_fit_start(self, ctx):
        self.layers, self._pending = recorded_layers(ctx.model), None
        return ()

    def _due(self, step: int) -> bool:
        return step == 1 or step % self.every == 0

    def after_backward(self, ctx):
        if not self._due(ctx.step + 1):
            return
        norms = [m.weight.grad.detach().float().norm() if m.weight.grad is not None
                 else torch.zeros((), device=ctx.device) for _, m in self.layers]
        self._pending = torch.stack(norms)

    def on_step_end(self, ctx, results):
        if self._pending is None:
            return ()
        values = ctx.dist.mean(self._pending).cpu().numpy()
        self._pending = None
        return (Recorded(self.name, ctx.step, ctx.epoch, tuple(n for n, _ in self.layers), values),)

    def close(self):
        self.layers = []
