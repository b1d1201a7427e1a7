"""A finished run's snapshots move to files and come back memory-mapped, the same numbers (issue 20, memory)."""

from __future__ import annotations

import gc

import numpy as np

from resviz.core.events import Done, Snapshot
from resviz.core.runs import RunStatus, RunStore
from resviz.core.spilled_weights import SpilledState, resident_bytes, spill_state


def _state(seed: int, megabytes: float = 1.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(megabytes * 2 ** 20 / 16) * 4
    return {"conv.weight": rng.standard_normal(n).astype(np.float32).reshape(-1, 4),
            "bn.num_batches_tracked": np.array(7, dtype=np.int64), "empty": np.zeros((0, 3), np.float32)}


def test_a_spilled_state_gives_back_the_same_arrays_and_holds_no_memory(tmp_path):
    state = _state(1)
    spilled = spill_state(state, tmp_path)
    assert isinstance(spilled, SpilledState) and resident_bytes(spilled) == 0
    assert list(spilled) == list(state)
    for name, array in state.items():
        assert spilled[name].dtype == array.dtype and spilled[name].shape == array.shape
        np.testing.assert_array_equal(spilled[name], array)
    assert not spilled["conv.weight"].flags.writeable  # History never changes what a run did


def test_the_file_goes_when_the_state_is_let_go(tmp_path):
    spilled = spill_state(_state(2, 0.1), tmp_path)
    path = spilled.path
    assert path.is_file()
    del spilled
    gc.collect()
    assert not path.exists()


_DONE = Done(stopped=False, epochs_completed=1, step=4, metrics={}, seconds=1.0, checkpoint=None)


def _run_with_snapshots(store, count: int):
    run = store.create("resnet", "mnist")
    store.set_status(run.id, RunStatus.RUNNING)
    for step in range(count):
        store.apply(run.id, Snapshot(step, 0, "resnet", {}, _state(step)))
    return run


def test_a_run_that_ends_keeps_its_history_in_files_not_in_memory(tmp_path):
    store = RunStore(spill_dir=tmp_path)
    run = _run_with_snapshots(store, 4)
    kept = list(run.snapshots)
    assert store.snapshot_bytes >= 4 * 2 ** 20 and store.spilled_bytes == 0  # training: in memory
    store.apply(run.id, _DONE)
    assert run.status == RunStatus.DONE
    assert store.snapshot_bytes == 0 and store.spilled_bytes >= 4 * 2 ** 20
    assert run.snapshots == kept and all(a is b for a, b in zip(run.snapshots, kept))  # same objects
    np.testing.assert_array_equal(run.snapshots[2].state["conv.weight"], _state(2)["conv.weight"])


def test_spilled_snapshots_are_thinned_within_their_own_budget(tmp_path):
    store = RunStore(spill_dir=tmp_path, spilled_budget=6 * 2 ** 20)
    for _ in range(3):
        run = _run_with_snapshots(store, 4)
        store.apply(run.id, _DONE)
    gc.collect()
    assert store.spilled_bytes <= 6 * 2 ** 20
    assert all(r.snapshots for r in store)  # every run keeps at least the weights it ended with
    assert len(list(tmp_path.glob("snapshot-*.bin"))) == sum(len(r.snapshots) for r in store)


def test_without_a_spill_folder_everything_stays_in_memory():
    store = RunStore()
    run = _run_with_snapshots(store, 2)
    store.apply(run.id, _DONE)
    assert store.spilled_bytes == 0 and store.snapshot_bytes >= 2 * 2 ** 20
