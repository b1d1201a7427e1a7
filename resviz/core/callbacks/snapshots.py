"""Snapshot events: host copies of the weights every N steps and at every epoch's end.

Made here, in the training thread, so nothing on the UI thread ever reads a model
while an optimizer step writes it. The first one (step 0) is the untrained network.
"""

from __future__ import annotations

from .. import models
from ..events import Snapshot
from ..host_copy import state_to_numpy
from .base import Callback


class Snapshotter(Callback):
    name = "snapshots"

    def __init__(self, every: int):
        self.every = every
        self.last_step: int | None = None

    def _take(self, ctx) -> tuple[Snapshot, ...]:
        self.last_step = ctx.step
        return (Snapshot(ctx.step, ctx.epoch, ctx.config.model, models.model_config(ctx.model),
                         state_to_numpy(ctx.model)),)

    def on_fit_start(self, ctx):
        return self._take(ctx)

    def on_step_end(self, ctx):
        return self._take(ctx) if ctx.step % self.every == 0 else ()

    def on_epoch_end(self, ctx):
        tested = ctx.tested_epoch == ctx.epoch
        return self._take(ctx) if tested and self.last_step != ctx.step else ()
