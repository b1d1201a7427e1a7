"""Training on several processes: torchrun runs `resviz train` data-parallel, and it learns what one process does."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
import torch

from resviz.core.checkpoints import load_checkpoint
from resviz.core.distributed import SingleProcess, TorchDistributed, context_for

needs_mnist = pytest.mark.skipif(not os.environ.get("RESVIZ_DATA"), reason="needs the full MNIST (RESVIZ_DATA)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_process_is_the_identity():
    single = context_for(torch.device("cpu"))
    assert isinstance(single, SingleProcess) and single.is_main and single.world_size == 1
    order = torch.arange(10)
    assert torch.equal(single.shard(order), order) and single.any(True) and not single.any(False)


def test_the_torch_context_shards_reduces_and_agrees(monkeypatch):
    """A real gloo process group of one, built the way torchrun's environment builds it."""
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(_free_port()))
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "1")
    context = TorchDistributed(torch.device("cpu"))
    try:
        assert context.is_main and context.world_size == 1
        assert torch.equal(context.shard(torch.arange(6)), torch.arange(6))
        assert float(context.mean(torch.tensor(3.0))) == 3.0
        assert context.any(True) and not context.any(False)
        wrapped = context.wrap(torch.nn.Linear(2, 1))
        assert isinstance(wrapped, torch.nn.parallel.DistributedDataParallel)
        with context.main_first():
            pass
    finally:
        context.close()
    assert not torch.distributed.is_initialized()


def test_shards_of_the_global_batch_are_the_global_batch():
    """Rank r takes every world_size-th entry: batch i of all ranks together is batch i of one process."""
    order, world, per_rank = torch.randperm(40, generator=torch.Generator().manual_seed(0)), 2, 4
    shards = [order[rank::world] for rank in range(world)]
    for step in range(5):
        together = torch.cat([s[step * per_rank:(step + 1) * per_rank] for s in shards])
        assert sorted(together.tolist()) == sorted(order[step * 8:(step + 1) * 8].tolist())


def _train(launcher, out, extra_env=None):
    command = [*launcher, "-m", "resviz", "train", "--model", "cnn", "--epochs", "1", "--device", "cpu",
               "--train-subset", "4000", "--test-subset", "1000", "--batch-size", "128", "--out", str(out)]
    env = {**os.environ, **(extra_env or {})}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done


@needs_mnist
def test_two_processes_learn_what_one_does(tmp_path):
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    two, run = _train(torchrun, tmp_path / "two.pt")
    one, _ = _train([sys.executable], tmp_path / "one.pt", {"OMP_NUM_THREADS": "1"})
    assert two["world_size"] == 2 and one["world_size"] == 1
    assert two["batch_size"] == one["batch_size"] == 128  # the same global batch: 64 per process
    assert abs(two["test_accuracy"] - one["test_accuracy"]) <= 0.01
    assert run.stdout.count('"world_size"') == 1  # rank 0 alone printed the result
    checkpoint = load_checkpoint(two["checkpoint"])  # rank 0 wrote it, without DDP's "module." prefixes
    assert not any(key.startswith("module.") for key in checkpoint.state_dict)
    assert checkpoint.meta["metrics"]["test_accuracy"] == pytest.approx(two["test_accuracy"])


class _AnotherRankStops(SingleProcess):
    """One process of two, as the loop sees it: the other process wants to stop from the third vote on
    (votes: before step 1, on step 1's divergence check, before step 2)."""

    world_size = 2

    def __init__(self):
        self.checks = 0

    def any(self, flag: bool) -> bool:
        self.checks += 1
        return flag or self.checks >= 3


def test_a_stop_on_another_process_stops_this_one_too():
    from resviz.core.data import load_dataset
    from resviz.core.events import Done, Step
    from resviz.core.trainer import TrainConfig, Trainer

    config = TrainConfig(model="cnn", device="cpu", epochs=2, batch_size=64, train_subset=1024, test_subset=100,
                         log_every=1, snapshot_every=0)
    events = list(Trainer(config, load_dataset("mnist"), dist=_AnotherRankStops()).fit())
    steps = [e for e in events if isinstance(e, Step)]
    assert isinstance(events[-1], Done) and events[-1].stopped  # stopped, though this process was never told
    assert len(steps) == 1 and steps[0].total_steps == 32  # 1024 / 2 processes = 512, by 64 / 2 = 32 a step
