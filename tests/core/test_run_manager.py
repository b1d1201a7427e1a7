"""The run engine without Qt: queue or alongside, captions that name what a run waits for, stop and pause
reaching the job, a dead process's weights kept, and one real training process driven to the end."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import numpy as np
import pytest

from resviz.core.events import Done, Failed, Snapshot, Started, Step
from resviz.core.process_run import ChildDied, ProcessRun
from resviz.core.run_manager import RunManager
from resviz.core.runs import RunStatus, RunStore
from resviz.core.trainer import TrainConfig


class FakeJob:
    """A job whose events the test sends itself."""

    def __init__(self, can_pause=True):
        self.can_pause = can_pause
        self.calls: list[str] = []

    def stop(self):
        self.calls.append("stop")

    def pause(self):
        self.calls.append("pause")

    def resume(self):
        self.calls.append("resume")

    def kill(self):
        self.calls.append("kill")


class DetachableJob(FakeJob):
    can_detach = True

    def __init__(self, folder):
        super().__init__()
        self.folder = folder

    def detach(self):
        self.calls.append("detach")
        return self.folder


def config(**overrides) -> TrainConfig:
    return TrainConfig(**{"model": "cnn", "device": "cpu", "epochs": 1, **overrides})


@pytest.fixture
def engine():
    launched: dict[str, FakeJob] = {}

    def launch(run, config, checkpoint, folder):
        launched[run.id] = FakeJob(can_pause=run.processes == 1)
        return launched[run.id]

    manager = RunManager(RunStore(), launch, parallel_runs=1)
    manager.launched = launched
    return manager


def test_a_second_run_queues_and_starts_when_the_first_ends(engine):
    first = engine.start(config(), name="first")
    second = engine.start(config(), name="second")
    assert first.status == RunStatus.RUNNING and first.id in engine.launched
    assert second.status == RunStatus.QUEUED and second.id not in engine.launched
    assert second.message == "Queued: starts when “first” ends."
    assert Path(first.folder).parent.name == "runs" and first.planned_checkpoint.endswith(".pt")
    engine.on_event(first.id, Done(False, 1, 10, {}, 1.0, None))
    assert second.id not in engine.launched  # its job has not ended yet: the process is still saving
    engine.on_finished(first.id)
    assert second.id in engine.launched and second.status == RunStatus.RUNNING
    assert engine.training_runs() == [second] and engine.queued_runs() == []


def test_alongside_starts_at_once_and_queued_captions_name_every_run_ahead(engine):
    a = engine.start(config(), name="a")
    b = engine.start(config(), alongside=True, name="b, with a comma")
    c = engine.start(config(), name="c")
    assert b.id in engine.launched and c.status == RunStatus.QUEUED
    assert c.message == "Queued: starts when these 2 runs end: “a”, “b, with a comma”."  # one trains at a time
    engine.stop(a.id)
    assert engine.launched[a.id].calls == ["stop"]
    engine.on_event(a.id, Done(True, 0, 3, {}, 1.0, None))
    engine.on_finished(a.id)
    assert c.status == RunStatus.QUEUED and c.message == "Queued: starts when “b, with a comma” ends."  # 1 still trains


def test_stop_takes_a_queued_run_out_and_stop_all_stops_everything(engine):
    a = engine.start(config())
    b = engine.start(config())
    engine.stop(b.id)
    assert b.status == RunStatus.STOPPED and "queue" in b.message and engine.queued_runs() == []
    c = engine.start(config())
    jobs = engine.stop_all()
    assert jobs == [engine.launched[a.id]] and jobs[0].calls == ["stop"]
    assert c.status == RunStatus.STOPPED and c.message == "The window closed before it started."


def test_pause_reaches_the_job_unless_it_can_only_stop(engine):
    one = engine.start(config(), alongside=True)
    many = engine.start(config(), alongside=True, processes=2)
    engine.on_event(one.id, Step(1, 10, 1, 2.3, {}, 1e-3, 100.0, 0.1, 1.0))
    engine.pause(one.id)
    assert one.status == RunStatus.PAUSED and engine.launched[one.id].calls == ["pause"]
    engine.pause(one.id, False)
    assert one.status == RunStatus.RUNNING and engine.launched[one.id].calls == ["pause", "resume"]
    assert not engine.can_pause(many.id)
    engine.pause(many.id)
    assert engine.launched[many.id].calls == [] and many.status == RunStatus.RUNNING


def test_listeners_hear_each_event_with_what_changed(engine):
    heard = []
    engine.listeners.append(lambda run_id, event, changes: heard.append((run_id, type(event).__name__, changes)))
    run = engine.start(config())
    engine.on_event(run.id, Step(1, 10, 1, 2.3, {}, 1e-3, 100.0, 0.1, 1.0))
    assert heard == [(run.id, "Step", {"progress", "curves"})]


def test_a_job_that_ends_without_a_last_event_fails_its_run(engine):
    run = engine.start(config())
    engine.on_finished(run.id)
    assert run.status == RunStatus.FAILED and run.message == "Training ended unexpectedly."


def test_closing_with_keep_training_leaves_detachable_jobs_to_their_processes():
    jobs = {}

    def launch(run, config, checkpoint, folder):
        jobs[run.id] = DetachableJob(str(folder)) if run.name == "one process" else FakeJob(can_pause=False)
        return jobs[run.id]

    manager = RunManager(RunStore(), launch, parallel_runs=2)
    alone = manager.start(config(), name="one process")
    multi = manager.start(config(), alongside=True, name="torchrun")
    left = manager.detach_all()
    assert left == [(alone, alone.folder)] and jobs[alone.id].calls == ["detach"]
    assert jobs[multi.id].calls == []  # it cannot train on unwatched: stop_all stops it, as before
    manager.on_finished(alone.id)  # its reader ended (the window let go), the process trains on
    assert alone.status == RunStatus.RUNNING and "unexpectedly" not in alone.message


def test_a_dead_process_keeps_its_newest_snapshot_as_the_checkpoint(tmp_path):
    saved = []
    manager = RunManager(RunStore(), lambda *a: FakeJob(), lambda run_id, path, snapshot: saved.append((path, snapshot)))
    run = manager.start(config())
    for step in (0, 4):
        manager.on_event(run.id, Snapshot(step, 1, "cnn", {}, {"w": np.zeros(2, np.float32)}))
    manager.on_event(run.id, ChildDied("The training process (pid 7) was killed by signal 9 (SIGKILL).", exit_code=-9))
    assert saved == [(run.planned_checkpoint, run.snapshots[-1])]
    assert run.status == RunStatus.FAILED and run.checkpoint == run.planned_checkpoint
    assert f"Its weights at step 4 were saved to {run.planned_checkpoint}." in run.message


def test_a_launch_that_cannot_start_a_process_fails_the_run():
    def launch(*_):
        raise OSError(11, "Resource temporarily unavailable")

    manager = RunManager(RunStore(), launch)
    run = manager.start(config())
    assert run.status == RunStatus.FAILED and "could not start" in run.message and manager.training_runs() == []


def test_an_unknown_model_is_refused_before_a_run_is_made(engine):
    with pytest.raises(KeyError):
        engine.start(config(model="no-such-model"))
    assert len(engine.store) == 0


def test_a_real_training_process_through_the_engine():
    """The executor a window would use, minus Qt: a thread reads the process, the test's loop delivers."""
    inbox: queue.Queue = queue.Queue()

    def launch(run, config, checkpoint, folder):
        process = ProcessRun(config, checkpoint, folder)

        def read():
            for event in process.events():
                inbox.put((run.id, event))
            inbox.put((run.id, None))
        threading.Thread(target=read, daemon=True).start()
        return process

    manager = RunManager(RunStore(), launch)
    run = manager.start(config(train_subset=256, test_subset=100, batch_size=64, log_every=1, snapshot_every=2))
    while True:
        run_id, event = inbox.get(timeout=240)
        if event is None:
            manager.on_finished(run_id)
            break
        manager.on_event(run_id, event)
    assert run.status == RunStatus.DONE and Path(run.checkpoint).is_file()
    assert isinstance(run.started, Started) and run.progress.step == run.started.total_steps
    assert run.snapshots[-1].step == run.progress.step and not isinstance(run.message, Failed)
