"""What the callbacks see of a run in progress: what it trains, with what, and where it is.

Read-only for the callbacks: the fields are fixed once training starts, and only the
trainer moves the position (``step``, ``epoch``, ``step_in_epoch``). What a callback
makes of the run (the epoch's metrics, a failure) it returns from its hook instead of
writing it here; the trainer keeps the last good weights (``last_good.py``), the curves
(``Trainer.history``) and the checkpoint (``Checkpointer``) itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from ..clock import Clock
from ..data import Dataset
from ..optim import set_training_mode


@dataclass
class Position:
    step: int = 0  # optimizer steps taken, over the run
    epoch: int = 0  # the epoch being trained, 1-based
    step_in_epoch: int = 0


@dataclass(frozen=True)
class RunContext:
    config: object  # the TrainConfig
    objective: object  # the model's objective (objectives.py): its loss, parts and tests
    device: torch.device
    dist: object  # the processes it trains in (distributed.py)
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    data: Dataset  # what the steps train on (a frozen feature stage's outputs, when cached)
    batch: int  # examples per step in this process
    steps_per_epoch: int
    total_steps: int
    stopped: Callable[[], bool]  # whether Stop was pressed (asked between test batches)
    start_loss: float = 1.0  # the untrained loss: the yardstick for divergence
    clock: Clock = field(default_factory=lambda: _paused(Clock()))  # training time: runs from the first step
    position: Position = field(default_factory=Position)

    @property
    def step(self) -> int:
        return self.position.step

    @property
    def epoch(self) -> int:
        return self.position.epoch

    @property
    def step_in_epoch(self) -> int:
        return self.position.step_in_epoch

    def set_training_mode(self) -> None:
        set_training_mode(self.model, self.config.freeze)

    def dist_mean(self, value: float) -> float:
        if self.dist.world_size == 1:
            return value
        return float(self.dist.mean(torch.tensor(float(value), device=self.device)))


def _paused(clock: Clock) -> Clock:
    clock.pause()
    return clock
