"""Run folders: what a run's process writes is what a follower reads back, whole lines only."""

from __future__ import annotations

import json
import logging
import os
import socket
from pathlib import Path

import numpy as np
import pytest

from resviz.core.atomic import UnsafeTarget
from resviz.core.data import load_dataset
from resviz.core.events import Done, Epoch, Failed, Loading, Recorded, Snapshot, Started, Step
from resviz.core.run_folder import (
    EVENTS_FILE,
    FORMAT,
    NUL_RETRIES,
    RunFolderReader,
    RunFolderWriter,
    is_run_folder,
)
from resviz.core.runs import Run
from resviz.core.trainer import TrainConfig, Trainer


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist").subset(600, 200)


@pytest.fixture(scope="module")
def trained(mnist, tmp_path_factory):
    """A real tiny run's events (snapshots and gradient-norm records included) and its folder, written as they came."""
    folder = tmp_path_factory.mktemp("runs") / "cnn-run"
    config = TrainConfig(model="cnn", device="cpu", epochs=2, batch_size=64, train_subset=256, test_subset=128,
                         log_every=1, snapshot_every=2, record=("grad_norms",), record_every=2)
    events = []
    with RunFolderWriter(folder, keep_snapshots=100) as writer:
        for event in Trainer(config, mnist, checkpoint_path=folder / "checkpoint.pt").fit():
            events.append(event)
            writer.write(event)
    return events, folder


@pytest.fixture
def warnings_of_the_reader(caplog):
    """The reader's warnings (the resviz logger may not pass them on to the root logger that caplog watches)."""
    logger = logging.getLogger("resviz.run_folder")
    logger.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.WARNING)
    yield caplog
    logger.removeHandler(caplog.handler)


def _step(n: int) -> Step:
    return Step(n, 10, 1, 2.0 / n, {"recon": 1.0 / n}, 1e-3, 100.0, 0.1 * n, 1.0)


def _append(folder: Path, data: bytes) -> None:
    with open(folder / EVENTS_FILE, "ab") as file:
        file.write(data)


def test_a_real_run_reads_back_as_it_was_written(trained):
    events, folder = trained
    reader = RunFolderReader(folder)
    read = reader.poll()
    written = [e for e in events if not isinstance(e, Loading)]
    assert [type(e) for e in read] == [type(e) for e in written]
    assert {Started, Step, Epoch, Snapshot, Recorded, Done} <= {type(e) for e in read}
    for original, copy in zip(written, read, strict=True):
        if isinstance(original, Snapshot):
            assert (copy.step, copy.epoch, copy.model) == (original.step, original.epoch, original.model)
            assert copy.model_config == json.loads(json.dumps(original.model_config))
            assert copy.state.keys() == original.state.keys()
            assert all(np.array_equal(copy.state[k], original.state[k]) for k in original.state)
        elif isinstance(original, Recorded):
            assert (copy.name, copy.step, copy.labels) == (original.name, original.step, original.labels)
            assert copy.values.dtype == original.values.dtype and np.array_equal(copy.values, original.values)
        elif isinstance(original, Done):
            assert copy.checkpoint == str(folder / "checkpoint.pt") and Path(copy.checkpoint).is_file()
            assert copy == original  # unsaved is not compared (and never logged)
        elif isinstance(original, Started):
            assert copy.classes == original.classes and copy.input_shape == original.input_shape
            assert copy.model_config == json.loads(json.dumps(original.model_config))
        else:
            assert copy == original
    assert reader.finished and reader.last_update is not None
    assert reader.checkpoint == folder / "checkpoint.pt" and reader.poll() == []
    assert '"checkpoint":"checkpoint.pt"' in (folder / EVENTS_FILE).read_text()  # relative: the folder may move


def test_a_run_fed_from_the_folder_draws_the_same_curves(trained):
    events, folder = trained
    original, followed = Run("1", "original", "cnn", "mnist"), Run("2", "followed", "cnn", "mnist")
    for event in events:
        original.apply(event)
    for event in RunFolderReader(folder).poll():
        followed.apply(event)
    assert followed.status == original.status and followed.metrics == original.metrics
    assert followed.curves.steps.keys() == original.curves.steps.keys()
    for name, series in original.curves.steps.items():
        assert len(series) > 1
        for mine, theirs in zip(followed.curves.steps[name].data(), series.data(), strict=True):
            assert np.array_equal(mine, theirs)
    assert followed.curves.epochs == original.curves.epochs and len(original.curves.epochs) == 2
    assert [s.step for s in followed.snapshots] == [s.step for s in original.snapshots]
    assert followed.recorded.keys() == original.recorded.keys()


def test_events_arrive_across_polls_and_a_half_written_line_waits(tmp_path):
    writer = RunFolderWriter(tmp_path / "run")
    reader = RunFolderReader(tmp_path / "run")
    assert reader.poll() == [] and reader.last_update is None
    writer.write(_step(1))
    writer.write(Loading("reading", 0.5))  # not kept
    assert reader.poll() == [_step(1)]
    line = json.dumps({"type": "Step", **vars(_step(2)), "time": 123.0}).encode() + b"\n"
    _append(tmp_path / "run", line[:25])  # a writer caught in the middle of its line
    assert reader.poll() == [] and reader.poll() == []
    _append(tmp_path / "run", line[25:])
    assert reader.poll() == [_step(2)] and reader.last_update == 123.0
    writer.write(_step(3))
    assert reader.poll() == [_step(3)] and not reader.finished
    writer.write(Failed("it broke", detail="RuntimeError: x", checkpoint=str(tmp_path / "elsewhere.pt")))
    failed = reader.poll()
    assert failed == [Failed("it broke", detail="RuntimeError: x", checkpoint=str(tmp_path / "elsewhere.pt"))]
    assert reader.finished
    writer.close()
    writer.close()


def test_a_corrupt_line_in_the_middle_is_skipped_and_said(tmp_path, warnings_of_the_reader):
    folder = tmp_path / "run"
    writer = RunFolderWriter(folder)
    writer.write(_step(1))
    _append(folder, b'{"type": "Step", "step": 2, "tot\n')  # cut short, then the writer went on
    _append(folder, b'{"type": "NoSuchEvent"}\n\n')
    writer.write(_step(3))
    writer.close()
    assert RunFolderReader(folder).poll() == [_step(1), _step(3)]
    assert "corrupt line" in warnings_of_the_reader.text


def test_a_line_of_nul_bytes_is_read_again_then_skipped(tmp_path):
    """On a network file system the size may arrive before the data: NULs are waited for, a while."""
    folder = tmp_path / "run"
    writer = RunFolderWriter(folder)
    writer.write(_step(1))
    _append(folder, b"\0" * 40 + b"\n")
    writer.write(_step(2))
    reader = RunFolderReader(folder)
    assert reader.poll() == [_step(1)]
    for _ in range(NUL_RETRIES - 1):
        assert reader.poll() == []
    assert reader.poll() == [_step(2)]


def test_rotated_snapshots_are_skipped_and_the_newest_are_kept(tmp_path):
    folder = tmp_path / "run"
    state = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(2, dtype=np.float32)}
    with RunFolderWriter(folder, keep_snapshots=2) as writer:
        for step in (0, 5, 10, 15):
            writer.write(Snapshot(step, 1, "cnn", {"channels": [4]}, {k: v + step for k, v in state.items()}))
    assert sorted(p.name for p in (folder / "snapshots").iterdir()) == ["step-00000010.pt", "step-00000015.pt"]
    snapshots = RunFolderReader(folder).poll()
    assert [s.step for s in snapshots] == [10, 15]
    assert np.array_equal(snapshots[1].state["w"], state["w"] + 15) and snapshots[1].model_config == {"channels": [4]}


def test_unsaved_weights_stay_out_of_the_log_and_outside_checkpoints_stay_absolute(tmp_path):
    folder = tmp_path / "run"
    with RunFolderWriter(folder) as writer:
        writer.write(Done(False, 1, 10, {"test_accuracy": 0.5}, 3.0, str(tmp_path / "other.pt"),
                          unsaved=object()))
    record = json.loads((folder / EVENTS_FILE).read_text())
    assert "unsaved" not in record and record["checkpoint"] == str(tmp_path / "other.pt")
    assert RunFolderReader(folder).poll()[0].checkpoint == str(tmp_path / "other.pt")


def test_writer_alive_knows_its_own_host_only(tmp_path):
    folder = tmp_path / "run"
    RunFolderWriter(folder).close()
    assert RunFolderReader(folder).writer_alive() is True  # this process wrote it
    info = json.loads((folder / "run.json").read_text())
    assert info["format"] == FORMAT and info["version"] == 1 and info["pid"] == os.getpid()
    assert {"created", "host", "resviz_version"} <= info.keys()
    (folder / "run.json").write_text(json.dumps({**info, "host": socket.gethostname() + "-elsewhere"}))
    assert RunFolderReader(folder).writer_alive() is None


def test_what_is_not_a_run_folder_is_refused_by_the_reader(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "run.json").write_text('{"format": "something else"}')
    for path in ("empty", "a-file", "missing", "other"):
        assert not is_run_folder(tmp_path / path)
        with pytest.raises(ValueError, match="not a"):
            RunFolderReader(tmp_path / path)
    (tmp_path / "newer").mkdir()
    (tmp_path / "newer" / "run.json").write_text(json.dumps({"format": FORMAT, "version": 99}))
    with pytest.raises(ValueError, match="newer resviz"):
        RunFolderReader(tmp_path / "newer")


def test_the_writer_refuses_another_runs_events_and_a_folder_of_other_things(tmp_path):
    with RunFolderWriter(tmp_path / "used") as writer:
        writer.write(_step(1))
    with pytest.raises(UnsafeTarget, match="another run"):
        RunFolderWriter(tmp_path / "used")
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "notes.txt").write_text("mine")
    with pytest.raises(UnsafeTarget, match="not empty"):
        RunFolderWriter(tmp_path / "papers")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ValueError, match="not a folder"):
        RunFolderWriter(tmp_path / "a-file")
    (tmp_path / "empty").mkdir()
    RunFolderWriter(tmp_path / "empty").close()  # an empty folder is taken
    RunFolderWriter(tmp_path / "empty").close()  # and so is a run folder whose run wrote nothing yet
    assert is_run_folder(tmp_path / "empty") and is_run_folder(tmp_path / "used")
