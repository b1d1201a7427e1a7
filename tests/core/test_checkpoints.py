"""Checkpoints: round trip, atomic writes, and every kind of bad file refused clearly."""

import os
import pickle

import numpy as np
import pytest
import torch

from resviz.core import models
from resviz.core.checkpoints import CheckpointError, load_checkpoint, save_checkpoint


def _save(path, name="cnn", **meta):
    model = models.build(name)
    save_checkpoint(path, model=name, model_config=models.model_config(model),
                    state_dict=model.state_dict(), objective="classifier", dataset="mnist",
                    epoch=1, metrics={"test_accuracy": 0.5}, **meta)
    return model


def test_round_trip_keeps_weights_and_metadata(tmp_path):
    path = tmp_path / "run.pt"
    model = _save(path, history={"step": [1, 2], "loss": [2.3, 2.1]})
    checkpoint = load_checkpoint(path)
    assert checkpoint.model_name == "cnn" and checkpoint.meta["metrics"] == {"test_accuracy": 0.5}
    assert checkpoint.meta["history"]["loss"] == [2.3, 2.1]
    loaded = checkpoint.build_model()
    x = torch.rand(2, 1, 28, 28)
    assert torch.allclose(loaded(x), model.eval()(x))
    assert not loaded.training


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    path = tmp_path / "run.pt"
    _save(path)
    before = path.read_bytes()

    def broken_save(obj, f, *a, **k):
        f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        _save(path)
    assert path.read_bytes() == before  # the old checkpoint is untouched
    assert os.listdir(tmp_path) == ["run.pt"]


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "run.pt"
    _save(path)
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(CheckpointError, match="corrupt|truncated"):
        load_checkpoint(path)


def test_random_bytes_are_refused(tmp_path):
    # many seeded tries, some behind a pickle header so the unpickler gets further: each
    # corruption fails differently inside torch (IndexError, KeyError, ...), all must be refused
    path = tmp_path / "noise.pt"
    rng = np.random.default_rng(0)
    for attempt in range(300):
        noise = rng.integers(0, 256, int(rng.integers(1, 4096)), dtype=np.uint8).tobytes()
        path.write_bytes((b"\x80\x02" if attempt % 2 else b"") + noise)
        with pytest.raises(CheckpointError):
            load_checkpoint(path)


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


def test_pickle_that_would_run_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pt"
    torch.save({"format": "resviz.checkpoint", "payload": _RunsCode()}, path)
    with pytest.raises(CheckpointError, match="could run code"):
        load_checkpoint(path)
    assert not (tmp_path / "pwned.txt").exists()
    plain = tmp_path / "evil.pkl"
    plain.write_bytes(pickle.dumps(_RunsCode()))
    with pytest.raises(CheckpointError):
        load_checkpoint(plain)
    assert not (tmp_path / "pwned.txt").exists()


def test_other_torch_file_and_wrong_weights_are_refused(tmp_path):
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(CheckpointError, match="not a resviz checkpoint"):
        load_checkpoint(other)
    wrong = tmp_path / "wrong.pt"
    resnet = models.build("resnet")
    save_checkpoint(wrong, model="cnn", model_config={}, state_dict=resnet.state_dict())
    with pytest.raises(CheckpointError, match="do not fit model 'cnn'"):
        load_checkpoint(wrong)
    unknown = tmp_path / "unknown.pt"
    save_checkpoint(unknown, model="alexnet-9000", model_config={}, state_dict={})
    with pytest.raises(CheckpointError, match="does not know"):
        load_checkpoint(unknown)


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="No such file"):
        load_checkpoint(tmp_path / "nope.pt")
