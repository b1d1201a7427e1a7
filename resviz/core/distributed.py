"""The trainer's view of the processes it runs in: one by default, several under torchrun.

The training loop asks this object, never torch.distributed directly, for the four
things data-parallel training changes: which share of each epoch's order this process
takes, the mean of a number over all processes, whether any process wants to stop
(so no rank is left waiting in a collective), and whether this process is the one that
prints and writes files (rank 0). ``SingleProcess`` is the identity of all four.
"""

from __future__ import annotations

import torch


class SingleProcess:
    rank = 0
    world_size = 1
    is_main = True

    def shard(self, order: torch.Tensor) -> torch.Tensor:
        """This process's part of one epoch's shuffled order."""
        return order

    def mean(self, value: torch.Tensor) -> torch.Tensor:
        """``value`` averaged over all processes (a tensor on the training device)."""
        return value

    def any(self, flag: bool) -> bool:
        """True on every process if it is True on any (agreeing to stop)."""
        return flag

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The module the optimizer steps through (DistributedDataParallel under torchrun)."""
        return model

    def close(self) -> None:
        pass
