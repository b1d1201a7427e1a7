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

A process that stops answering (stalled, SIGSTOPped, swapping) would leave the others
waiting in a collective for ever: every collective gives up after ``timeout_s``
(``--dist-timeout``), and the processes still alive then name the silent ones to each
other through torchrun's store (``LostContact``), so the job ends with a message and
rank 0's checkpoint instead of a hang.
"""

from __future__ import annotations

import datetime
import os
import time
from contextlib import contextmanager

import torch

DEFAULT_TIMEOUT_S = 300  # a slow step or a test pass takes seconds; a stalled process, for ever
_ROLL_CALL_S = 30  # how long the living wait for each other's answer once a collective timed out
_ROLL_CALL_KEY = "resviz/answering/{}"


class LostContact(RuntimeError):
    """A collective failed: some process stopped answering; the message names it when it can."""


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

    def __init__(self, device: torch.device, timeout_s: float = DEFAULT_TIMEOUT_S):
        import torch.distributed as dist

        self._dist = dist
        self.timeout_s = timeout_s
        self._lost: LostContact | None = None  # the roll call is made once
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if device.type == "cuda":
            torch.cuda.set_device(self.local_rank)  # "cuda" now means this process's own GPU
            self.device, backend = torch.device("cuda", self.local_rank), "nccl"
        else:
            self.device, backend = torch.device("cpu"), "gloo"
        if not dist.is_initialized():
            # env://: the rendezvous torchrun set up; the timeout bounds every collective
            dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s))
        self.rank = dist.get_rank()
        self.world_size = dist.get_world_size()
        # kept: the roll call may come after the process group is gone (a failed run is closed first)
        self._store = dist.distributed_c10d._get_default_store()

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, order: torch.Tensor) -> torch.Tensor:
        # every rank draws the same permutation (one seed), and takes every world_size-th entry:
        # step i of rank r then holds entries r, r + N, ... of the global batch i
        return order[self.rank::self.world_size]

    def mean(self, value: torch.Tensor) -> torch.Tensor:
        total = value.detach().clone()
        self._all_reduce(total, self._dist.ReduceOp.SUM)
        return total / self.world_size

    def any(self, flag: bool) -> bool:
        vote = torch.tensor(1.0 if flag else 0.0, device=self.device)
        self._all_reduce(vote, self._dist.ReduceOp.MAX)
        return bool(vote.item())

    def _all_reduce(self, tensor: torch.Tensor, op) -> None:
        try:
            self._dist.all_reduce(tensor, op=op)
        except RuntimeError as error:  # gloo/NCCL: a timeout, or a peer's connection closed
            raise self.lost_contact(error) from error

    def lost_contact(self, error: BaseException) -> LostContact:
        """Why a collective failed, naming the processes that did not answer the roll call.

        Every living process answers once (a key in torchrun's store, which outlives any
        worker), then waits a while for the others' answers; those missing are named."""
        if self._lost is None:
            self._lost = LostContact(self._roll_call(error))
        return self._lost

    def _roll_call(self, error: BaseException) -> str:
        detail = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
        try:
            store = self._store
            store.set(_ROLL_CALL_KEY.format(self.rank), "1")
            deadline = time.monotonic() + min(_ROLL_CALL_S, self.timeout_s)  # one wait for all of them
            silent = [rank for rank in range(self.world_size)
                      if rank != self.rank and not _answered(store, rank, deadline)]
        except RuntimeError as store_error:  # the store went too (rank 0 or torchrun is gone)
            return f"the processes lost contact ({detail}); the store is unreachable too ({store_error})"
        if not silent:
            return f"the processes lost contact: {detail}"
        who = f"rank {silent[0]}" if len(silent) == 1 else f"ranks {', '.join(map(str, silent))}"
        return (f"{who} stopped answering: no word within --dist-timeout {self.timeout_s:g} s "
                "(stalled, stopped or swapping?); the other processes ended the job")

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


def _answered(store, rank: int, deadline: float) -> bool:
    key = _ROLL_CALL_KEY.format(rank)
    try:
        store.wait([key], datetime.timedelta(seconds=max(0.1, deadline - time.monotonic())))
    except RuntimeError:  # the store's wait timed out: no answer
        return store.check([key])
    return True


def looks_like_lost_contact(detail: str | None) -> bool:
    """A failure's text says a collective timed out or a peer went away (not a bug in the step)."""
    text = (detail or "").lower()
    return any(mark in text for mark in ("timed out", "timeout", "connection closed", "connection reset",
                                         "pair closure", "lost contact"))


def context_for(device: torch.device, timeout_s: float = DEFAULT_TIMEOUT_S) -> SingleProcess | TorchDistributed:
    """The context for this process: TorchDistributed when torchrun started several, else SingleProcess."""
    return TorchDistributed(device, timeout_s) if launched_world_size() > 1 else SingleProcess()
