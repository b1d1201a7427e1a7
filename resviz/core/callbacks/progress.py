"""Step events: the mean loss since the last report, speed, ETA; and the divergence check.

The loss is summed on the device between two reports (``LossWindow``), so a training
step costs one small add and no host sync; the host reads it once per report. A loss
that turns NaN, or grows to ``DIVERGED_FACTOR`` times its untrained value, ends the run
with a ``Failed`` that says what to change, returned from the hook: the trainer ends the
run with it and saves the last good weights.
"""

from __future__ import annotations

import math

import torch

from ..events import Failed, Step
from .base import Callback

# A loss this many times its untrained value means the run has diverged: BatchNorm
# keeps a loss blown up by a far too high learning rate finite (1e14, not NaN).
DIVERGED_FACTOR = 1000.0


def report_interval(log_every: int, total_steps: int) -> int:
    """Steps between reports: as asked, or (0) about 300 reports over the run, 1 to 50 steps apart."""
    if log_every > 0:
        return log_every
    return min(50, max(1, total_steps // 300))


class LossWindow:
    """Loss summed on the device between two Step events (one host sync per report)."""

    def __init__(self, device, part_names):
        self.device = device
        self.part_names = part_names
        self._reset()
        self.new_epoch()
        self.last_time = 0.0
        self.last_step = 0

    def new_epoch(self):
        self.epoch_loss = torch.zeros((), device=self.device)
        self.epoch_count = 0

    def epoch_mean(self) -> float:
        return (self.epoch_loss / max(self.epoch_count, 1)).item()

    def _reset(self):
        self.loss = torch.zeros((), device=self.device)
        self.parts = {n: torch.zeros((), device=self.device) for n in self.part_names}
        self.count = 0

    def add(self, loss, parts):
        self.loss += loss
        for name in self.part_names:
            self.parts[name] += parts[name].detach()
        self.count += 1

    def report(self, ctx) -> Step:
        self.epoch_loss += self.loss
        self.epoch_count += self.count
        values = torch.stack([self.loss, *self.parts.values()]).float() / max(self.count, 1)
        values = ctx.dist.mean(values).cpu()
        now = ctx.clock.elapsed()
        step = ctx.step
        rate = (step - self.last_step) * ctx.batch * ctx.dist.world_size / max(now - self.last_time, 1e-9)
        eta = now / step * (ctx.total_steps - step)
        self.last_time, self.last_step = now, step
        event = Step(
            step, ctx.total_steps, ctx.epoch, float(values[0]),
            {n: float(v) for n, v in zip(self.part_names, values[1:])},
            float(ctx.optimizer.param_groups[-1]["lr"]), rate, now, eta,
        )
        self._reset()
        return event


class ProgressReporter(Callback):
    name = "progress"
    needs = ("loss",)

    def on_fit_start(self, ctx):
        self.window = LossWindow(ctx.device, ctx.objective.part_names)
        self.every = report_interval(ctx.config.log_every, ctx.total_steps)
        return ()

    def on_step_end(self, ctx, results):
        if ctx.step_in_epoch == 1:
            self.window.new_epoch()
        self.window.add(*results["loss"])
        if ctx.step % self.every and ctx.step_in_epoch != ctx.steps_per_epoch:
            return ()
        event = self.window.report(ctx)
        if ctx.dist.any(not math.isfinite(event.loss) or event.loss > DIVERGED_FACTOR * ctx.start_loss):
            return (self._diverged(ctx, event.loss),)
        return (event,)

    def epoch_train_loss(self) -> float:
        return self.window.epoch_mean()

    @staticmethod
    def _diverged(ctx, loss: float) -> Failed:
        what = ("became NaN/infinite" if not math.isfinite(loss)
                else f"exploded to {loss:.3g} (it started at {ctx.start_loss:.3g})")
        return Failed(
            f"The loss {what} at step {ctx.step}: the learning rate "
            f"({ctx.config.lr:g}) is probably too high. Lower it and train again.",
            "non-finite loss" if not math.isfinite(loss) else "diverging loss")
