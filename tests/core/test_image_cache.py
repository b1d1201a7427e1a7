"""The image-folder cache: verified when read, rebuilt (and said) when it does not verify, optional when the disk is full."""

from __future__ import annotations

import errno
import logging
import os
import shutil
from pathlib import Path

import pytest
import torch
from image_folders import write_digit_folder

from resviz.core.data import load_dataset
from resviz.core.datasets import image_folder


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return write_digit_folder(tmp_path_factory.mktemp("photos") / "digits", per_class=5)


@pytest.fixture
def folder(source, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # this test's cache folder alone
    return Path(shutil.copytree(source, tmp_path / "digits"))


@pytest.fixture
def warnings_logged(caplog):
    """What core says on the "resviz" logger (attached directly: the app's logging may not propagate)."""
    logger = logging.getLogger("resviz")
    logger.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.WARNING)
    yield caplog
    logger.removeHandler(caplog.handler)


def _load(folder):
    return load_dataset("folder", path=str(folder), image_size=32)


def _cache_file() -> Path:
    files = list(image_folder.cache_dir().glob("*.pt"))
    assert len(files) == 1, files
    return files[0]


def _no_decoding(monkeypatch):
    def must_not_decode(*_):
        raise AssertionError("decoded again")

    monkeypatch.setattr(image_folder, "decode_image", must_not_decode)


class Payload:
    """Unpickling this would run code (it would create ``marker``): weights_only refuses it."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _poison(target: Path, tmp_path: Path) -> None:
    torch.save({"version": image_folder.CACHE_VERSION, "hook": Payload(tmp_path / "ran")}, target)


def _keyless(target: Path, tmp_path: Path) -> None:
    torch.save({"version": image_folder.CACHE_VERSION}, target)


def _not_a_zip(target: Path, tmp_path: Path) -> None:
    target.write_bytes(b"PK\x03\x04" + b"\x00" * 64)


def _flipped_pixel(target: Path, tmp_path: Path) -> None:
    payload = torch.load(target, weights_only=True)
    payload["train_inputs"][0, 0, 0, 0] ^= 0xFF  # the digest stays the old one
    torch.save(payload, target)


def _flipped_file_byte(target: Path, tmp_path: Path) -> None:
    blob = bytearray(target.read_bytes())
    blob[len(blob) // 2] ^= 0xFF  # the middle of the file: the training images' bytes
    target.write_bytes(bytes(blob))


@pytest.mark.parametrize("damage, reason", [
    (_poison, "Python objects other than tensors"),
    (_keyless, "it lacks train_inputs, train_labels"),
    (_not_a_zip, "cannot be read"),
    (_flipped_pixel, "do not match their digest"),
    (_flipped_file_byte, "not used and is rebuilt"),
])
def test_a_damaged_cache_is_rebuilt_and_said(folder, tmp_path, monkeypatch, warnings_logged, damage, reason):
    first = _load(folder)
    target = _cache_file()
    damage(target, tmp_path)
    again = _load(folder)
    assert torch.equal(again.train_inputs, first.train_inputs) and torch.equal(again.test_labels, first.test_labels)
    assert reason in again.note and str(target) in again.note
    assert any(reason in record.getMessage() for record in warnings_logged.records)
    assert not (tmp_path / "ran").exists()  # the poisoned file's code never ran
    _no_decoding(monkeypatch)
    third = _load(folder)  # the rebuilt cache verifies
    assert third.note is None and torch.equal(third.train_inputs, first.train_inputs)


def test_a_cache_that_verifies_is_used_without_a_note(folder, monkeypatch, warnings_logged):
    first = _load(folder)
    payload = torch.load(_cache_file(), weights_only=True)
    assert payload["digest"] == image_folder.payload_digest(payload)
    _no_decoding(monkeypatch)
    assert _load(folder).note is None and first.note is None
    assert not warnings_logged.records


def _raise_disk_full(payload, file):
    raise OSError(errno.ENOSPC, "No space left on device")


def _raise_torch_writer(payload, file):
    raise RuntimeError("[enforce fail at inline_container.cc:603] . unexpected pos 4096 vs 128")


@pytest.mark.parametrize("save, said", [(_raise_disk_full, "the disk is full"), (_raise_torch_writer, "unexpected pos")])
def test_a_cache_that_cannot_be_written_does_not_stop_training(folder, monkeypatch, warnings_logged, save, said):
    monkeypatch.setattr(torch, "save", save)
    data = _load(folder)
    assert len(data.train_labels) == 12 and len(data.test_labels) == 3
    assert "could not be cached" in data.note and said in data.note and "training goes on" in data.note
    assert any("could not be cached" in record.getMessage() for record in warnings_logged.records)
    folder_files = os.listdir(image_folder.cache_dir())
    assert not folder_files  # neither a cache nor a temporary file stays


def test_a_link_where_the_cache_goes_is_not_followed(folder, tmp_path):
    first = _load(folder)
    target = _cache_file()
    elsewhere = tmp_path / "elsewhere.pt"
    target.unlink()
    target.symlink_to(elsewhere)
    again = _load(folder)
    assert torch.equal(again.train_inputs, first.train_inputs)
    assert "could not be cached" in again.note and "symbolic link" in again.note
    assert not elsewhere.exists()

