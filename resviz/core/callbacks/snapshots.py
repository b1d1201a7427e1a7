"""Snapshot events: host copies of the weights every N steps and at every epoch's end.

Made here, in the training thread, so nothing on the UI thread ever reads a model
while an optimizer step writes it. The first one (step 0) is the untrained network.
Frozen modules cannot change, so their arrays are copied once and shared by every later
snapshot of the run (a frozen ResNet-50 backbone is 94 MB; its head is 4 MB).
"""

from __future__ import annotations

import numpy as np

from .. import models
from ..events import Snapshot
from ..host_copy import state_to_numpy
from ..optim import frozen_state_names
from .base import Callback


class Snapshotter(Callback):
    name = "snapshots"
    needs = ("metrics",)  # an epoch's snapshot waits for its test: Stop during it leaves the epoch unshown

    def __init__(self, every: int):
        self.every = every
        self.last_step: int | None = None
        self._frozen_names: list[str] = []  # state-dict entries under TrainConfig.freeze
        self._frozen: dict[str, np.ndarray] = {}  # their host copies

    def _take(self, ctx) -> tuple[Snapshot, ...]:
        self.last_step = ctx.step
        state = state_to_numpy(ctx.model, reuse=self._frozen)
        self._frozen = {name: state[name] for name in self._frozen_names}
        return (Snapshot(ctx.step, ctx.epoch, ctx.config.model, models.model_config(ctx.model), state),)

    def on_fit_start(self, ctx):
        self.last_step, self._frozen = None, {}
        self._frozen_names = sorted(frozen_state_names(ctx.model, ctx.config.freeze))
        return self._take(ctx)

    def on_step_end(self, ctx, results):
        return self._take(ctx) if ctx.step % self.every == 0 else ()

    def on_epoch_end(self, ctx, results):
        tested = "metrics" in results
        return self._take(ctx) if tested and self.last_step != ctx.step else ()
