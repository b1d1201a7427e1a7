"""MNIST-1D (seed 004, section 4.1): the dataset, the 1-D CNN and its same-sized MLP, training them."""

import errno
import logging
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest
import torch

from resviz.core import models
from resviz.core.analysis.features import capture_activations, conv_layers
from resviz.core.checkpoints import load_checkpoint
from resviz.core.data import dataset_spec, load_dataset
from resviz.core.datasets import mnist1d as mnist1d_source
from resviz.core.events import Done, Epoch, Failed, Step
from resviz.core.models.registry import ModelDoesNotFit
from resviz.core.runs import Run
from resviz.core.trainer import TrainConfig, Trainer


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Models of 2k-60k weights train fastest on one thread (two fight over a busy 2-core CPU)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def data():
    return load_dataset("mnist1d")


def test_the_default_split_is_4000_train_and_1000_test_signals_of_40_points(data):
    assert data.key == "mnist1d" and data.classes == tuple("0123456789")
    assert data.train_inputs.shape == (4000, 1, 40) and data.test_inputs.shape == (1000, 1, 40)
    assert data.train_inputs.dtype == torch.float32 and data.train_labels.dtype == torch.int64
    assert data.input_shape == (1, 40) == dataset_spec("mnist1d").input_shape
    assert set(data.train_labels.tolist()) == set(range(10)) and set(data.test_labels.tolist()) == set(range(10))
    assert 350 < np.bincount(data.train_labels.numpy()).min()  # about 400 a class
    # mnist1d standardises the whole set: mean 0, std 1
    both = torch.cat([data.train_inputs, data.test_inputs])
    assert abs(float(both.mean())) < 1e-3 and abs(float(both.std()) - 1) < 1e-2
    assert data.note is None  # the real thing, not a stand-in
    assert data.display_image(0).shape == (1, 40)


def test_it_is_built_once_then_read_from_the_cache(tmp_path, monkeypatch):
    builds = []
    real_build = mnist1d_source.build_arrays
    monkeypatch.setattr(mnist1d_source, "build_arrays", lambda args: builds.append(1) or real_build(args))
    first = mnist1d_source.load_mnist1d(cache_dir=tmp_path)
    assert len(builds) == 1 and len(list((tmp_path / "MNIST1D").glob("mnist1d-*.npz"))) == 1
    second = mnist1d_source.load_mnist1d(cache_dir=tmp_path)
    assert len(builds) == 1  # read back, not rebuilt
    assert torch.equal(first.train_inputs, second.train_inputs) and torch.equal(first.test_labels, second.test_labels)


def _small_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(20, 40)), "y": rng.integers(0, 10, 20),
            "x_test": rng.normal(size=(5, 40)), "y_test": rng.integers(0, 10, 5)}


@pytest.fixture
def fake_build(monkeypatch):
    """build_arrays counted and fast: small random arrays instead of mnist1d's generator."""
    builds = []
    monkeypatch.setattr(mnist1d_source, "build_arrays", lambda args: builds.append(1) or _small_arrays())
    return builds


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


def _flip_a_byte_of_x(path):
    with zipfile.ZipFile(path) as archive:
        record = archive.getinfo("x.npy")
    data = bytearray(path.read_bytes())
    name_length, extra_length = struct.unpack("<HH", data[record.header_offset + 26:record.header_offset + 30])
    data[record.header_offset + 30 + name_length + extra_length + record.file_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _damage(kind, path):
    """Turn the good cache at ``path`` into one of the ways a cache file can be wrong."""
    good = _small_arrays(seed=1)
    if kind == "random-bytes":
        path.write_bytes(np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes())
    elif kind == "truncated":
        path.write_bytes(path.read_bytes()[:700])
    elif kind == "a-pickle":
        path.write_bytes(pickle.dumps(_RunsCode()))
    elif kind == "object-array-inside":
        with open(path, "wb") as f:
            np.savez(f, **{**good, "x": np.array([_RunsCode()], dtype=object)},
                     sha256=np.array(mnist1d_source.arrays_digest(good)))
    elif kind == "a-key-missing":
        with open(path, "wb") as f:
            np.savez(f, x=good["x"], y=good["y"], sha256=np.array("0" * 64))
    elif kind == "bytes-flipped":
        _flip_a_byte_of_x(path)
    elif kind == "altered-under-its-digest":
        with np.load(path) as stored:
            arrays = {key: stored[key] for key in stored.files}
        arrays["x"] = arrays["x"] + 1.0
        with open(path, "wb") as f:
            np.savez(f, **arrays)
    elif kind == "no-digest":
        with open(path, "wb") as f:
            np.savez(f, **good)
    elif kind == "labels-not-matching":
        bad = {**good, "y": good["y"][:3]}
        with open(path, "wb") as f:
            np.savez(f, **bad, sha256=np.array(mnist1d_source.arrays_digest(bad)))
    elif kind == "a-plain-npy":
        with open(path, "wb") as f:
            np.save(f, good["x"])


DAMAGES = ["random-bytes", "truncated", "a-pickle", "object-array-inside", "a-key-missing", "bytes-flipped",
           "altered-under-its-digest", "no-digest", "labels-not-matching", "a-plain-npy"]


@pytest.mark.parametrize("kind", DAMAGES)
def test_a_cache_that_cannot_be_trusted_is_rebuilt_with_a_note(tmp_path, monkeypatch, caplog, fake_build, kind):
    monkeypatch.chdir(tmp_path)
    path = mnist1d_source.cache_path(mnist1d_source._arguments(), tmp_path)
    mnist1d_source.load_arrays(tmp_path)
    assert len(fake_build) == 1 and path.is_file()
    _damage(kind, path)
    with caplog.at_level(logging.WARNING, logger="resviz"):
        arrays = mnist1d_source.load_arrays(tmp_path)
    assert len(fake_build) == 2 and "building it again" in caplog.text and str(path) in caplog.text
    assert all(np.array_equal(arrays[k], v) for k, v in _small_arrays().items())
    assert not (tmp_path / "pwned.txt").exists()
    mnist1d_source.load_arrays(tmp_path)  # the rebuilt cache is good again: read, not rebuilt
    assert len(fake_build) == 2


def test_a_cache_that_cannot_be_written_leaves_no_temporary_file(tmp_path, monkeypatch, fake_build):
    real_savez = np.savez

    def savez_on_a_full_disk(file, **arrays):
        real_savez(file, **arrays)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", savez_on_a_full_disk)
    arrays = mnist1d_source.load_arrays(tmp_path)
    assert np.array_equal(arrays["x"], _small_arrays()["x"])  # the run goes on without a cache
    assert os.listdir(tmp_path / "MNIST1D") == []


def test_the_cnn_takes_40_positions_to_19_then_9_then_4():
    model = models.build("mnist1d-cnn")
    signal = torch.randn(40)
    convs = [r for r in capture_activations(model, signal) if r.kind == "conv"]
    assert [r.array.shape for r in convs] == [(15, 19), (15, 9), (15, 4)]
    assert [tuple(conv.weight.shape) for _, conv in conv_layers(model, dims=1)] == [(15, 1, 3), (15, 15, 3), (15, 15, 3)]
    assert all(conv.stride == (2,) and conv.padding == (0,) for _, conv in conv_layers(model, dims=1))
    assert model.classifier.in_features == 60
    assert model(torch.randn(5, 1, 40)).shape == (5, 10)
    assert sum(p.numel() for p in model.parameters()) == 2050


def test_the_mlp_has_the_cnns_hidden_units_per_layer():
    model = models.build("mnist1d-mlp")
    assert model.hidden_widths == [15 * 19, 15 * 9, 15 * 4]
    assert model(torch.randn(5, 1, 40)).shape == (5, 10)
    assert sum(p.numel() for p in model.parameters()) == 59065


def test_the_models_fit_signals_and_refuse_images():
    for name in ("mnist1d-cnn", "mnist1d-mlp"):
        spec = models.spec(name)
        assert spec.objective == "classifier" and spec.input_rank == 2
        assert spec.fit_config((1, 40), 10) == {"in_channels": 1, "input_length": 40, "num_classes": 10}
        with pytest.raises(ModelDoesNotFit, match="signals"):
            spec.fit_config((1, 28, 28), 10)
    with pytest.raises(ModelDoesNotFit, match="images"):
        models.spec("cnn").fit_config((1, 40), 10)
    longer = models.build("mnist1d-cnn", input_length=64)  # (64-3)//2+1 = 31 -> 15 -> 7
    assert longer.classifier.in_features == 15 * 7 and longer.input_shape == (1, 64)


def test_an_image_model_on_mnist1d_fails_with_a_clear_message(data):
    events = list(Trainer(TrainConfig(model="cnn", dataset="mnist1d", device="cpu", epochs=1), data).fit())
    assert isinstance(events[-1], Failed)
    assert "takes images" in events[-1].message and "1×40" in events[-1].message


def test_a_short_training_lowers_the_loss_and_the_checkpoint_reopens(data, tmp_path):
    config = TrainConfig.for_model("mnist1d-cnn", dataset="mnist1d", device="cpu", epochs=3, log_every=5,
                                   snapshot_every=0)
    path = tmp_path / "cnn1d.pt"
    events = list(Trainer(config, data, checkpoint_path=path).fit())
    losses = [e.loss for e in events if isinstance(e, Step)]
    assert losses[-1] < 0.8 * losses[0], losses
    epochs = [e for e in events if isinstance(e, Epoch)]
    assert all(0 <= e.metrics["train_accuracy"] <= 1 for e in epochs)
    done = events[-1]
    assert isinstance(done, Done) and done.metrics["test_accuracy"] > 0.2  # chance is 0.1
    checkpoint = load_checkpoint(path)
    assert checkpoint.meta["input_shape"] == [1, 40] and checkpoint.meta["dataset"] == "mnist1d"
    run = Run.from_checkpoint("run1", "reopened", checkpoint)
    assert run.input_shape == (1, 40)
    assert [row["train_accuracy"] for row in run.curves.epochs] == [e.metrics["train_accuracy"] for e in epochs]


def test_the_cnn_generalises_better_than_the_mlp_after_a_short_training(data):
    """Figure 10.8 in 20 epochs (~5 s each): the MLP fits the training data faster, the CNN tests better.

    Measured over seeds 0-4: CNN 0.86-0.90 test accuracy, MLP 0.67-0.69.
    """
    results = {}
    for name in ("mnist1d-cnn", "mnist1d-mlp"):
        config = TrainConfig.for_model(name, dataset="mnist1d", device="cpu", epochs=20, snapshot_every=0)
        epochs = [e for e in Trainer(config, data).fit() if isinstance(e, Epoch)]
        results[name] = epochs
    cnn, mlp = results["mnist1d-cnn"], results["mnist1d-mlp"]
    assert cnn[-1].metrics["test_accuracy"] > mlp[-1].metrics["test_accuracy"] + 0.1
    assert mlp[4].metrics["train_accuracy"] > cnn[4].metrics["train_accuracy"]  # the MLP fits faster
