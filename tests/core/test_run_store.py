"""Runs and the run store: events folded in, one snapshot budget, checkpoints as runs, observers told."""

import numpy as np
import pytest

from resviz.core.checkpoints import load_checkpoint
from resviz.core.data import load_dataset
from resviz.core.events import Done, Epoch, Failed, Loading, Recorded, Snapshot, Started, Step
from resviz.core.runs import SNAPSHOTS_PER_RUN, Curves, Run, RunStatus, RunStore, thin
from resviz.core.trainer import TrainConfig, Trainer


def snapshot(step, megabytes=1.0):
    return Snapshot(step, 1, "cnn", {}, {"w": np.zeros(int(megabytes * 2 ** 18), np.float32)})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The events of a real small run, and its checkpoint."""
    path = tmp_path_factory.mktemp("run") / "cnn.pt"
    config = TrainConfig(model="cnn", device="cpu", epochs=2, batch_size=64, train_subset=512, test_subset=200,
                         log_every=2, snapshot_every=4, record=("grad_norms",), record_every=4)
    return list(Trainer(config, load_dataset("mnist"), checkpoint_path=path).fit()), path


def test_a_run_folds_in_every_event_of_a_real_training(trained):
    events, path = trained
    store = RunStore()
    run = store.create("cnn", "mnist")
    assert run.status == RunStatus.QUEUED and run.name == "cnn #1"
    for event in events:
        store.apply(run.id, event)
    assert run.status == RunStatus.DONE and run.checkpoint == str(path)
    assert isinstance(run.started, Started) and run.classes == tuple(str(d) for d in range(10))
    assert len(run.curves.steps["loss"]) == 8 and [e["epoch"] for e in run.curves.epochs] == [1, 2]
    key, best = run.headline
    assert key == "test_accuracy" and best == max(e["test_accuracy"] for e in run.curves.epochs)
    assert run.snapshots[0].step == 0 and run.snapshots[-1].step == 16
    assert [r.step for r in run.recorded["grad_norms"]] == [1, 4, 8, 12, 16]
    assert run.classifies and not run.generates and run.step == 16


def test_a_checkpoint_becomes_an_opened_run_with_its_curves(trained):
    events, path = trained
    run = Run.from_checkpoint("run9", "opened", load_checkpoint(path))
    live = Curves()
    for event in events:
        if isinstance(event, Step):
            live.add_step(event)
        elif isinstance(event, Epoch):
            live.add_epoch(event)
    assert run.status == RunStatus.OPENED and run.input_shape == (1, 28, 28)
    np.testing.assert_allclose(run.curves.steps["loss"].data()[1], live.steps["loss"].data()[1])
    assert [e["test_accuracy"] for e in run.curves.epochs] == [e["test_accuracy"] for e in live.epochs]
    assert len(run.snapshots) == 1 and run.snapshots[0].step == 16 and run.headline is not None
    done = events[-1]
    assert isinstance(done, Done) and run.seconds == done.seconds and run.seconds > 0  # one clock for both


def test_status_follows_the_run_to_its_end():
    run = Run("run1", "r", "cnn", "mnist")
    run.apply(Loading("Loading mnist…"))
    assert run.loading == "Loading mnist…"
    run.status = RunStatus.RUNNING
    run.set_paused(True)
    assert run.status == RunStatus.PAUSED and run.status.active
    run.apply(Done(True, 0, 3, {}, 1.0, None, "saved elsewhere"))
    assert run.status == RunStatus.STOPPED and not run.status.active and run.message == "saved elsewhere"
    failed = Run("run2", "f", "cnn", "mnist")
    failed.apply(Failed("boom", traceback="Traceback ...", log="/x.log"))
    assert failed.status == RunStatus.FAILED and failed.traceback and failed.log == "/x.log"


def test_snapshots_stay_within_one_budget_by_bytes_first_and_last_kept():
    store = RunStore(snapshot_budget=10 * 2 ** 20)  # 10 MB for every run together
    big, small = store.create("resnet", "mnist"), store.create("cnn", "mnist")
    for step in range(12):
        store.apply(big.id, snapshot(step, megabytes=1.0))
        store.apply(small.id, snapshot(step, megabytes=0.05))
    assert store.snapshot_bytes <= 10 * 2 ** 20
    assert big.snapshots[0].step == 0 and big.snapshots[-1].step == 11  # thinned in the middle only
    assert len(small.snapshots) == 12  # the light run kept everything: the heavy one paid


def test_many_kept_runs_stay_within_the_budget_the_oldest_keeping_only_their_last():
    """An hour of Train -> Stop: once only firsts and lasts are left, old finished runs give up their first."""
    store = RunStore(snapshot_budget=12 * 2 ** 20)  # 8 runs of 4 snapshots of 1 MB: 32 MB
    runs = []
    for _ in range(8):
        run = store.create("resnet", "mnist")
        for step in range(4):
            store.apply(run.id, snapshot(step, megabytes=1.0))
        store.set_status(run.id, RunStatus.STOPPED)
        runs.append(run)
    assert store.snapshot_bytes <= 12 * 2 ** 20
    assert all(r.snapshots[-1].step == 3 for r in runs)  # each run can still be shown as it ended
    assert len(runs[0].snapshots) == 1 and runs[-1].snapshots[0].step == 0  # the oldest paid first


def test_a_run_keeps_at_most_so_many_snapshots_and_recordings():
    run = Run("run1", "r", "cnn", "mnist")
    for step in range(SNAPSHOTS_PER_RUN + 1):
        run.apply(snapshot(step, megabytes=0.001))
        run.apply(Recorded("grad_norms", step, 1, ("a",), np.ones(1)))
    assert len(run.snapshots) <= SNAPSHOTS_PER_RUN and run.snapshots[-1].step == SNAPSHOTS_PER_RUN
    assert thin(list(range(7))) == [0, 2, 4, 6] and thin([1, 2]) == [1, 2]


def test_observers_hear_what_changed_and_names_are_tidied():
    store, heard = RunStore(), []
    store.subscribe(lambda what, run, changes: heard.append((what, run.id, frozenset(changes))))
    run = store.create("cnn", "mnist")
    store.rename(run.id, "  my   run ")
    store.rename(run.id, "   ")  # an empty name is refused
    store.apply(run.id, Step(1, 10, 1, 0.5, {}, 1e-3, 100.0, 0.1, 1.0))
    store.remove(run.id)
    store.apply(run.id, Step(2, 10, 1, 0.4, {}, 1e-3, 100.0, 0.2, 1.0))  # after removal: ignored
    assert run.name == "my run"
    assert heard == [("added", "run1", frozenset({"status"})), ("changed", "run1", frozenset({"name"})),
                     ("changed", "run1", frozenset({"progress", "curves"})), ("removed", "run1", frozenset())]
    assert store.create("cnn", "mnist").name == "cnn #1"  # the removed one no longer counts
