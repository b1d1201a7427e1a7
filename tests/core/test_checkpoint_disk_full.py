"""A full disk while saving a run's checkpoint: saved elsewhere, or kept in memory, never lost.

The disk is filled by a writer that fails inside ``atomic_write`` as the system
(``ENOSPC``) or torch's zip writer (``RuntimeError: ... unexpected pos ...``) would, so
atomic_write's own translation into ``DiskFull`` is part of what is tested.
"""

from __future__ import annotations

import errno
import os

import pytest
import torch

from resviz.core import atomic, checkpoints
from resviz.core.checkpoints import load_checkpoint
from resviz.core.data import load_dataset
from resviz.core.events import Done, Failed
from resviz.core.trainer import TrainConfig, Trainer


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist").subset(512, 200)


def small_config(**overrides) -> TrainConfig:
    settings = dict(model="cnn", device="cpu", epochs=1, batch_size=64, train_subset=512, test_subset=200,
                    log_every=2, snapshot_every=0)
    return TrainConfig(**{**settings, **overrides})


def _no_space(file):
    raise OSError(errno.ENOSPC, "No space left on device")


def _torch_no_space(file):
    file.write(b"PK half a zip")
    raise RuntimeError("[enforce fail at inline_container.cc:858] . PytorchStreamWriter failed writing file "
                       "data/3: file write failed; unexpected pos 2496 vs 2368")


@pytest.fixture
def full_folders(monkeypatch, tmp_path):
    """``full_folders(failing_write, *folders)``: every checkpoint written into those folders fails."""
    default = tmp_path / "default"
    monkeypatch.setenv("RESVIZ_CHECKPOINTS", str(default))
    monkeypatch.setattr(atomic, "_free_bytes", lambda folder: 1000)  # what df says on a full disk
    real_write = checkpoints.atomic_write

    def fill(failing_write, *folders):
        def write(path, write_fn):
            return real_write(path, failing_write if path.parent in folders else write_fn)
        monkeypatch.setattr(checkpoints, "atomic_write", write)
        return default
    return fill


@pytest.mark.parametrize("failing_write", [_no_space, _torch_no_space], ids=["ENOSPC", "torch-unexpected-pos"])
def test_a_full_disk_at_the_asked_path_saves_to_the_default_folder(mnist, tmp_path, full_folders, failing_write):
    asked = tmp_path / "full" / "run.pt"
    default = full_folders(failing_write, asked.parent)
    done = list(Trainer(small_config(), mnist, checkpoint_path=asked).fit())[-1]
    assert isinstance(done, Done) and done.unsaved is None
    assert done.checkpoint and os.path.dirname(done.checkpoint) == str(default)
    assert "the disk is full" in done.message and str(asked) in done.message and done.checkpoint in done.message
    assert load_checkpoint(done.checkpoint).meta["epoch"] == 1
    assert os.listdir(asked.parent) == []  # no half file, no temporary file


@pytest.mark.parametrize("failing_write", [_no_space, _torch_no_space], ids=["ENOSPC", "torch-unexpected-pos"])
def test_when_no_folder_has_room_the_weights_are_kept_in_memory(mnist, tmp_path, full_folders, failing_write):
    asked = tmp_path / "full" / "run.pt"
    default = full_folders(failing_write, asked.parent, tmp_path / "default")
    trainer = Trainer(small_config(), mnist, checkpoint_path=asked)
    done = list(trainer.fit())[-1]
    assert isinstance(done, Done) and done.checkpoint is None
    assert "the disk is full" in done.message and str(asked) in done.message and str(default) in done.message
    assert done.unsaved is not None and done.unsaved.tried[0] == str(asked)
    later = done.unsaved.save(tmp_path / "later.pt")  # once there is room
    reopened = load_checkpoint(later)
    assert reopened.meta["epoch"] == 1 and reopened.meta["seconds"] == done.seconds
    for name, tensor in trainer.model.state_dict().items():
        assert torch.equal(reopened.state_dict[name], tensor.cpu())
    assert os.listdir(asked.parent) == [] and os.listdir(default) == []


def test_a_failed_run_keeps_its_last_good_weights_in_memory_when_the_disk_is_full(mnist, tmp_path, full_folders):
    asked = tmp_path / "full" / "run.pt"
    full_folders(_no_space, asked.parent, tmp_path / "default")
    trainer = Trainer(small_config(epochs=2), mnist, checkpoint_path=asked)
    real_loss, calls = trainer.objective.loss, []

    def loss_turning_nan(model, x, y):
        calls.append(1)
        loss, parts = real_loss(model, x, y)
        return (loss * float("nan") if len(calls) > 12 else loss), parts  # NaN in epoch 2

    trainer.objective.loss = loss_turning_nan
    failed = list(trainer.fit())[-1]
    assert isinstance(failed, Failed) and failed.checkpoint is None
    assert "the disk is full" in failed.message and failed.unsaved is not None
    assert failed.unsaved.meta["epoch"] == 1
    assert all(torch.isfinite(t).all() for t in failed.unsaved.state_dict.values() if t.is_floating_point())


def test_a_target_that_is_not_a_file_goes_to_the_default_folder(mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("RESVIZ_CHECKPOINTS", str(tmp_path / "default"))
    (tmp_path / "real.pt").write_bytes(b"keep")
    (tmp_path / "link.pt").symlink_to(tmp_path / "real.pt")
    done = list(Trainer(small_config(), mnist, checkpoint_path=tmp_path / "link.pt").fit())[-1]
    assert isinstance(done, Done) and done.checkpoint.startswith(str(tmp_path / "default"))
    assert "symbolic link" in done.message and (tmp_path / "real.pt").read_bytes() == b"keep"


def test_the_checkpoint_and_done_report_the_same_training_time(mnist, tmp_path):
    path = tmp_path / "run.pt"
    done = list(Trainer(small_config(), mnist, checkpoint_path=path).fit())[-1]
    assert isinstance(done, Done) and done.seconds > 0
    assert load_checkpoint(path).meta["seconds"] == done.seconds
