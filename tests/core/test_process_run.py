"""A run trains in a worker process: its events come back, Stop saves, a killed process is a failed run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from resviz.core.events import Done, Epoch, Failed, Loading, Snapshot, Started, Step
from resviz.core.process_run import ChildDied, ProcessRun, WorkerPool, describe_exit
from resviz.core.run_folder import RunFolderReader
from resviz.core.trainer import TrainConfig


def small_config(**overrides) -> TrainConfig:
    settings = dict(model="cnn", device="cpu", epochs=2, batch_size=64, train_subset=256, test_subset=100,
                    log_every=1, snapshot_every=2)
    return TrainConfig(**{**settings, **overrides})


@pytest.fixture(scope="module")
def pool():
    workers = WorkerPool()
    workers.warm_up()
    yield workers
    workers.close()


def test_a_run_in_a_process_sends_its_events_and_writes_its_folder(pool, tmp_path):
    run = ProcessRun(small_config(), tmp_path / "run.pt", tmp_path / "folder", pool=pool, snapshot_interval=0)
    assert run.pid != os.getpid()
    events = list(run.events())
    kinds = [type(e) for e in events]
    assert kinds[0] is Loading and Started in kinds and kinds[-1] is Done
    assert kinds.count(Epoch) == 2 and Step in kinds
    snapshots = [e for e in events if isinstance(e, Snapshot)]
    assert snapshots and snapshots[-1].step == events[-1].step  # the panels end on the final weights
    assert all(isinstance(a, np.ndarray) for a in snapshots[-1].state.values())
    done = events[-1]
    assert not done.stopped and done.checkpoint == str(tmp_path / "run.pt") and Path(done.checkpoint).is_file()
    saved = torch.load(done.checkpoint, weights_only=True)["state_dict"]
    for name, array in snapshots[-1].state.items():  # the last snapshot is the saved model
        np.testing.assert_array_equal(array, saved[name].numpy())
    # the folder holds the same run for anyone to follow, and only the last weights are left on disk
    followed = RunFolderReader(tmp_path / "folder").poll()
    assert [type(e) for e in followed if not isinstance(e, Snapshot)] == [k for k in kinds if k not in (Loading, Snapshot)]
    assert [p.name for p in (tmp_path / "folder" / "snapshots").iterdir()] == [f"step-{done.step:08d}.pt"]
    assert run.wait(5)


def test_stop_ends_the_process_after_saving(pool, tmp_path):
    run = ProcessRun(small_config(epochs=50), tmp_path / "stopped.pt", pool=pool)
    last = None
    for event in run.events():
        if isinstance(event, Step) and not run.stopped:
            run.stop()
        last = event
    assert isinstance(last, Done) and last.stopped and Path(last.checkpoint).is_file()
    assert last.step < 50 * 4  # it stopped, it did not finish
    assert run.wait(5)


def test_pause_holds_the_steps_until_resume(pool, tmp_path):
    run = ProcessRun(small_config(epochs=50), pool=pool)
    events = run.events()
    next(e for e in events if isinstance(e, Step))
    run.pause()
    assert run.paused
    time.sleep(1.0)  # a step already under way may still report; then nothing comes
    run.resume()
    run.stop()
    assert isinstance(list(events)[-1], Done)


def test_a_killed_process_is_a_failed_run_that_says_why(pool, tmp_path):
    run = ProcessRun(small_config(epochs=50), tmp_path / "never.pt", pool=pool)
    events = []
    for event in run.events():
        events.append(event)
        if isinstance(event, Step) and len([e for e in events if isinstance(e, Step)]) == 2:
            os.kill(run.pid, signal.SIGKILL)
    last = events[-1]
    assert isinstance(last, ChildDied) and isinstance(last, Failed)
    assert "killed by signal 9 (SIGKILL)" in last.message and str(run.pid) in last.message
    assert last.exit_code == -signal.SIGKILL
    assert not (tmp_path / "never.pt").exists()


def test_a_run_that_cannot_start_fails_with_its_reason(pool):
    run = ProcessRun(small_config(model="no-such-model"), pool=pool)
    last = list(run.events())[-1]
    assert isinstance(last, Failed) and not isinstance(last, ChildDied)
    assert "no-such-model" in last.message


def test_a_process_whose_window_went_away_stops_and_saves(tmp_path):
    """The window's process dies mid-run: its child sees the socket close, stops as if Stop were pressed,
    saves its checkpoint and exits (no child outlives the window)."""
    script = textwrap.dedent(f"""
        import os, sys
        from resviz.core.events import Step
        from resviz.core.process_run import ProcessRun, WorkerPool
        from resviz.core.trainer import TrainConfig
        config = TrainConfig(model="cnn", device="cpu", epochs=50, batch_size=64, train_subset=256,
                             test_subset=100, log_every=1)
        run = ProcessRun(config, {str(tmp_path / 'orphan.pt')!r}, pool=WorkerPool(spare=0))
        for event in run.events():
            if isinstance(event, Step):
                print(run.pid, flush=True)
                os._exit(0)  # the window dies without a word
    """)
    window = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    child = int(window.stdout.split()[0])
    deadline = time.monotonic() + 60
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(child), "the training process outlived its window"
    assert (tmp_path / "orphan.pt").is_file()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_exit_statuses_read_as_sentences():
    assert describe_exit(-9) == "was killed by signal 9 (SIGKILL) — the system may have run out of memory, or it was killed"
    assert describe_exit(-11).startswith("was killed by signal 11 (SIGSEGV)")
    assert describe_exit(3) == "exited with status 3"


def test_a_worker_trains_at_a_lower_priority_than_its_window(monkeypatch):
    monkeypatch.delenv("RESVIZ_TRAIN_NICE")  # the default, as the app runs
    worker = WorkerPool(spare=0).take()
    deadline = time.monotonic() + 60
    while _nice(worker.pid) == _nice(os.getpid()) and time.monotonic() < deadline:
        time.sleep(0.05)  # it lowers its own priority first thing
    assert _nice(worker.pid) == min(19, _nice(os.getpid()) + 5)
    assert worker.close(wait_s=60) == 0


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[16])


def test_the_pool_keeps_a_warm_worker_and_ends_idle_ones():
    workers = WorkerPool(spare=1)
    first = workers.take()  # none was waiting: started now, and a spare starts behind it
    assert first.alive() and len(workers._idle) == 1
    spare = workers._idle[0]
    assert workers.take() is spare
    workers.close()
    assert spare.alive()  # taken: not the pool's to end
    for worker in (first, spare):
        assert worker.close(wait_s=30) == 0  # an unused worker exits quietly when its socket closes


def test_a_warm_worker_preloads_the_default_dataset_and_gives_it_only_to_a_job_that_wants_it(monkeypatch):
    from resviz.core import data, run_child

    monkeypatch.setattr(data, "load_dataset", lambda key, data_dir, **_: f"{key} from {data_dir}")
    preload = run_child._Preload()
    preload.start()
    assert preload.for_job(TrainConfig(dataset="mnist")) == "mnist from None"
    assert preload.for_job(TrainConfig(dataset="fashion")) is None
    assert preload.for_job(TrainConfig(dataset="mnist", data_dir="/elsewhere")) is None
    assert preload.for_job(TrainConfig(dataset="mnist", dataset_options={"size": 1})) is None

