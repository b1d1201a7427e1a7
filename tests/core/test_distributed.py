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


# --- stopping: Ctrl-C, SIGTERM and a stalled process end the job with a checkpoint and a message ----
def _start(launcher, out, *extra):
    command = [*launcher, "train", "--model", "cnn", "--epochs", "200", "--device", "cpu", "--threads", "1",
               "--train-subset", "1024", "--test-subset", "128", "--batch-size", "64", "--out", str(out), *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})


def _read_until(proc, word, timeout=180.0) -> str:
    import select
    import time

    deadline, seen = time.monotonic() + timeout, b""
    while time.monotonic() < deadline:
        if select.select([proc.stderr], [], [], 0.5)[0]:
            chunk = os.read(proc.stderr.fileno(), 65536)
            if not chunk:
                break
            seen += chunk
            if word.encode() in seen:
                return seen.decode(errors="replace")
    os.killpg(proc.pid, 9)
    raise AssertionError(f"never printed {word!r}: {seen.decode(errors='replace')[-3000:]}")


def _finish(proc, timeout=120) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        raise AssertionError(f"the job hung: {err.decode()[-3000:]}") from None
    return proc.returncode, out.decode(), err.decode()


def _workers(launcher_pid: int) -> dict[int, int]:
    """{rank: pid} of the processes torchrun started."""
    found = {}
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            if parent == launcher_pid:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
                found[int(env[b"RANK"])] = int(entry)
        except (OSError, ValueError, KeyError, IndexError):
            continue  # not a process, gone, or not one of ours
    return found


@needs_mnist
def test_ctrl_c_under_torchrun_saves_prints_and_shows_no_traceback(tmp_path):
    import signal
    import time

    proc = _start([sys.executable, "-m", "resviz", "torchrun", "--nproc-per-node", "2"], tmp_path / "m.pt")
    _read_until(proc, " step ")
    workers = _workers(proc.pid)
    assert sorted(workers) == [0, 1]
    os.killpg(proc.pid, signal.SIGINT)  # the terminal's Ctrl-C reaches the launcher and every process
    time.sleep(0.001)
    for pid in workers.values():  # ... and torchrun's SIGTERM follows (older torch sends SIGTERM, newer SIGINT)
        os.kill(pid, signal.SIGTERM)
    code, out, err = _finish(proc)
    assert code == 130 and "stopped by SIGINT" in err, err[-3000:]
    assert "Traceback" not in err and "SignalException" not in err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["stopped"] and result["world_size"] == 2 and result["epochs"] < 200
    assert load_checkpoint(result["checkpoint"]).model_name == "cnn"  # rank 0 saved it


@needs_mnist
def test_a_stalled_process_ends_the_job_naming_it(tmp_path):
    import signal

    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                "-m", "resviz"]
    proc = _start(torchrun, tmp_path / "m.pt", "--dist-timeout", "10")
    _read_until(proc, " step ")
    stalled = _workers(proc.pid)[1]
    os.kill(stalled, signal.SIGSTOP)
    try:
        said = _read_until(proc, "stopped answering", timeout=90)  # 10 s timeout + up to 10 s roll call
    finally:
        os.kill(stalled, signal.SIGCONT)  # so torchrun need not wait 30 s to SIGKILL it
    code, out, _ = _finish(proc)
    assert "rank 1 stopped answering" in said and "--dist-timeout 10 s" in said
    assert code != 0 and "rank 1 stopped answering" in out


def test_resviz_torchrun_runs_only_commands_that_train(capfd):
    from resviz import cli

    assert cli.main(["torchrun", "--nproc-per-node", "2", "eval", "--checkpoint", "x.pt"]) == 2
    assert "runs train or transfer (got eval)" in capfd.readouterr().err
    assert cli.main(["torchrun", "--nproc-per-node", "0", "train"]) == 2
    assert "argument --nproc-per-node" in capfd.readouterr().err
