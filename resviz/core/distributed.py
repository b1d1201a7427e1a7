"""The trainer's view of the processes it runs in: one by default, several under torchrun.

The training loop asks this object, never torch.distributed directly, for the four
things data-parallel training changes: which share of each epoch's order this process
takes, the mean of a number over all processes, whether any process wants to stop
(so no rank is left waiting in a collective), and whether this process is the one that
prints and writes files (rank 0). ``SingleProcess`` is the identity of all four;
``TorchDistributed`` does them with torch.distributed under ``torchrun`` (gloo between
CPU processes, NCCL between GPUs) and steps the model through DistributedDataParallel,
which averages the gradients of every step over the processes.

``--batch-size`` means the global batch: each of N processes takes ``batch / N``
examples per step, so N processes take the same optimizer steps on the same examples
as one process would (only BatchNorm's batch statistics are per process).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import torch


class SingleProcess:
    rank = 0
    world_size = 1
    is_main = True

    def shard(self, order: torch.Tensor) -> torch.Tensor:
        """This process's part of one epoch's shuffled order (or of any tensor, by its first dimension)."""
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

    @contextmanager
    def main_first(self):
        """Run the body on rank 0 first, then on the others (a download or cache they can then share)."""
        yield

    def close(self) -> None:
        pass


class TorchDistributed:
    """One of ``WORLD_SIZE`` processes started by torchrun (it sets RANK, LOCAL_RANK, MASTER_ADDR, ...)."""

    def __init__(self, device: torch.device):
        import torch.distributed as dist

        self._dist = dist
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if device.type == "cuda":
            torch.cuda.set_device(self.local_rank)  # "cuda" now means this process's own GPU
            self.device, backend = torch.device("cuda", self.local_rank), "nccl"
        else:
            self.device, backend = torch.device("cpu"), "gloo"
        if not dist.is_initialized():
            dist.init_process_group(backend)  # env://: the rendezvous torchrun set up
        self.rank = dist.get_rank()
        self.world_size = dist.get_world_size()

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, order: torch.Tensor) -> torch.Tensor:
        # every rank draws the same permutation (one seed), and takes every world_size-th entry:
        # step i of rank r then holds entries r, r + N, ... of the global batch i
        return order[self.rank::self.world_size]

    def mean(self, value: torch.Tensor) -> torch.Tensor:
        total = value.detach().clone()
        self._dist.all_reduce(total, op=self._dist.ReduceOp.SUM)
        return total / self.world_size

    def any(self, flag: bool) -> bool:
        vote = torch.tensor(1.0 if flag else 0.0, device=self.device)
        self._dist.all_reduce(vote, op=self._dist.ReduceOp.MAX)
        return bool(vote.item())

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.local_rank] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)  # broadcasts rank 0's weights now

    @contextmanager
    def main_first(self):
        if not self.is_main:
            self._dist.barrier()
        try:
            yield
        finally:
            if self.is_main:
                self._dist.barrier()

    def close(self) -> None:
        if self._dist.is_initialized():
            self._dist.destroy_process_group()


def launched_world_size() -> int:
    """How many processes torchrun started (1 when run plainly)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def context_for(device: torch.device) -> SingleProcess | TorchDistributed:
    """The context for this process: TorchDistributed when torchrun started several, else SingleProcess."""
    return TorchDistributed(device) if launched_world_size() > 1 else SingleProcess()
