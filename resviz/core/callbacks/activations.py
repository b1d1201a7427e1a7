"""Per-layer activation statistics: the mean and standard deviation of each layer's output.

Taken during a real training forward pass at the first step and every ``every``
steps after, through forward hooks that are live only on those steps. Without
BatchNorm, a deep stack's activations drift towards zero or blow up layer by layer;
with it they stay near mean 0, std 1 — the picture behind seed 001's BatchNorm section.
"""

from __future__ import annotations

import torch

from ..events import Recorded
from .base import Callback
from .layers import recorded_layers


class ActivationStats(Callback):
    name = "activations"

    def __init__(self, every: int = 10):
        self.every = max(1, every)
        self._active = False
        self._stats: list[torch.Tensor] = []
        self._handles = []

    def on_fit_start(self, ctx):
        self.layers = recorded_layers(ctx.model)
        self._handles = [module.register_forward_hook(self._hook) for _, module in self.layers]
        return ()

    def _hook(self, module, inputs, output):
        if self._active and isinstance(output, torch.Tensor):
            detached = output.detach().float()
            self._stats.append(torch.stack([detached.mean(), detached.std()]))

    def on_step_start(self, ctx):
        step = ctx.step + 1
        self._active = step == 1 or step % self.every == 0
        self._stats = []

    def on_step_end(self, ctx, results):
        if not self._active:
            return ()
        self._active = False
        if len(self._stats) != len(self.layers):  # a layer ran twice or not at all: skip this one
            return ()
        values = torch.stack(self._stats).cpu().numpy()  # [layers, 2]: mean, std
        self._stats = []
        return (Recorded(self.name, ctx.step, ctx.epoch, tuple(n for n, _ in self.layers), values),)

    def close(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self.layers = []
