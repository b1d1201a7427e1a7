"""Checkpoints: round trip, atomic writes, and every kind of bad file refused clearly."""

import logging
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest
import torch

from resviz.core import models
from resviz.core.atomic import UnsafeTarget
from resviz.core.checkpoints import CheckpointError, load_checkpoint, save_checkpoint, weights_digest


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


# --- the weights' digest, non-finite weights, every metadata field checked ---------------------------

def _flip_a_byte_inside_the_weights(path):
    """Invert one byte in the middle of the largest tensor's record (torch.load still reads it)."""
    with zipfile.ZipFile(path) as archive:
        record = max(archive.infolist(), key=lambda info: info.file_size)
    data = bytearray(path.read_bytes())
    name_length, extra_length = struct.unpack("<HH", data[record.header_offset + 26:record.header_offset + 30])
    start = record.header_offset + 30 + name_length + extra_length
    data[start + record.file_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _payload(path):
    return torch.load(path, weights_only=True)


def test_the_digest_of_the_weights_is_saved_and_checked(tmp_path):
    path = tmp_path / "run.pt"
    model = _save(path)
    assert _payload(path)["weights_digest"] == weights_digest(model.state_dict())
    assert weights_digest(model.state_dict()).startswith("sha256:")


def test_bytes_flipped_inside_the_weights_are_refused_as_corrupt(tmp_path):
    path = tmp_path / "run.pt"
    _save(path)
    _flip_a_byte_inside_the_weights(path)
    torch.load(path, weights_only=True)  # torch itself notices nothing
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(path)


def test_weights_changed_under_the_saved_digest_are_refused(tmp_path):
    path = tmp_path / "run.pt"
    _save(path)
    payload = _payload(path)
    name = next(iter(payload["state_dict"]))
    payload["state_dict"][name] = payload["state_dict"][name] + 1e-3
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(path)


def test_the_digest_covers_names_dtypes_and_shapes():
    weights = {"a": torch.zeros(4), "b": torch.ones(2)}
    assert weights_digest(weights) != weights_digest({"a": torch.ones(2), "b": torch.zeros(4)})
    assert weights_digest(weights) != weights_digest({"a": torch.zeros(2, 2), "b": torch.ones(2)})
    assert weights_digest(weights) != weights_digest({"a": torch.zeros(4, dtype=torch.int32), "b": torch.ones(2)})
    assert weights_digest({"x": torch.zeros(3, dtype=torch.bfloat16)})  # dtypes numpy lacks are hashed too


def test_an_older_checkpoint_without_a_digest_still_loads(tmp_path):
    path = tmp_path / "old.pt"
    _save(path)
    payload = _payload(path)
    del payload["weights_digest"]
    torch.save(payload, path)
    assert load_checkpoint(path).model_name == "cnn"


def test_non_finite_weights_load_with_a_warning_a_person_sees(tmp_path, caplog):
    path = tmp_path / "diverged.pt"
    model = models.build("cnn")
    state = model.state_dict()
    state["fc.weight"][0, 0] = float("nan")
    state["fc.bias"][1] = float("inf")
    save_checkpoint(path, model="cnn", model_config=models.model_config(model), state_dict=state)
    with caplog.at_level(logging.WARNING, logger="resviz"):
        checkpoint = load_checkpoint(path)
    assert set(checkpoint.non_finite) == {"fc.weight", "fc.bias"}
    assert len(checkpoint.warnings) == 1 and "NaN or infinite" in checkpoint.warnings[0]
    assert "NaN or infinite" in caplog.text and "diverged.pt" in caplog.text
    clean = tmp_path / "clean.pt"
    _save(clean)
    assert load_checkpoint(clean).warnings == [] and load_checkpoint(clean).non_finite == ()


BAD_FIELDS = [
    ("history", "loss 2.3 then 2.1", "str"),
    ("history", {"loss": "2.3"}, "dict"),
    ("history", {"loss": [2.3, "x"]}, "dict"),
    ("metrics", [0.5], "list"),
    ("metrics", {"test_accuracy": "high"}, "dict"),
    ("epoch", "1", "str"),
    ("epoch", 1.5, "float"),
    ("epoch", -1, "int"),
    ("epoch", True, "bool"),
    ("step", None, "NoneType"),
    ("model_config", "channels=16", "str"),
    ("model_config", {"channels": torch.zeros(2)}, "dict"),
    ("classes", "0123456789", "str"),
    ("classes", [0, 1, 2], "list holding int"),
    ("input_shape", [1, "28", 28], "list holding int, str"),
    ("input_shape", [1, -28, 28], "list holding int"),
    ("input_shape", 784, "int"),
    ("train_config", ["lr", 0.1], "list"),
    ("dataset_options", "folder", "str"),
    ("dataset", 7, "int"),
    ("objective", ["classifier"], "list"),
    ("seconds", "fast", "str"),
    ("format_version", "1", "str"),
    ("weights_digest", 12345, "int"),
    ("weights_digest", "md5:abc", "str"),
    ("extra_tensor", torch.zeros(3), "Tensor"),
]


@pytest.mark.parametrize("key, value, kind", BAD_FIELDS, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(BAD_FIELDS)])
def test_each_metadata_field_not_as_resviz_writes_it_is_refused(tmp_path, key, value, kind):
    path = tmp_path / "run.pt"
    _save(path, history={"step": [1, 2], "loss": [2.3, 2.1]}, classes=list("0123456789"),
          input_shape=[1, 28, 28], train_config={"lr": 0.1}, dataset_options={}, seconds=1.5)
    payload = _payload(path)
    payload[key] = value
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=f"its '{key}' is an? {kind}"):
        load_checkpoint(path)


def test_the_metadata_resviz_writes_passes_with_none_where_readers_allow_it(tmp_path):
    path = tmp_path / "run.pt"
    _save(path, history=None, classes=None, input_shape=None, dataset_options=None, seconds=None,
          train_config={"betas": (0.9, 0.999), "init_from": None, "augmentation": {"mirror_p": 0.5}})
    assert load_checkpoint(path).meta["train_config"]["betas"] == [0.9, 0.999]


def test_model_settings_a_builder_cannot_use_are_refused(tmp_path):
    path = tmp_path / "run.pt"
    _save(path)
    payload = _payload(path)
    payload["model_config"]["num_classes"] = -3  # torch: "negative dimension" (a RuntimeError)
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="do not fit model 'cnn'"):
        load_checkpoint(path)


def test_a_link_is_never_replaced_by_a_checkpoint(tmp_path):
    real = tmp_path / "real.pt"
    real.write_bytes(b"keep")
    link = tmp_path / "link.pt"
    link.symlink_to(real)
    with pytest.raises(UnsafeTarget, match="symbolic link"):
        _save(link)
    assert link.is_symlink() and real.read_bytes() == b"keep"
