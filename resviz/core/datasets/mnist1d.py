"""MNIST-1D (seed 004, section 4.1): the ten digits as 40-point 1-D signals.

Sam Greydanus's ``mnist1d`` package builds it offline from ten hand-made templates,
each padded, shifted, scaled, sheared and given correlated and white noise, with its
default arguments (seed 42): 5,000 signals, the first 4,000 to train on and the last
1,000 to test on, standardised over the whole set. Inputs are float32 [N, 1, 40].

Building takes a few seconds (about 3.5 s, plus 2.7 s to import the package, on a busy
2-core machine), so the arrays are kept as one ``.npz`` in the per-user cache folder
and read back in milliseconds. The file name carries the package version and a hash
of the arguments, so a package that builds a different set never reads a stale one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np
import torch

from ..data import Dataset, DatasetSpec, DatasetUnavailable, default_cache_dir, register_dataset

DIGITS = tuple(str(d) for d in range(10))
LENGTH = 40  # mnist1d's final_seq_length


def _arguments() -> dict:
    try:
        from mnist1d.data import get_dataset_args
    except ImportError:
        raise DatasetUnavailable("MNIST-1D needs the mnist1d package: pip install mnist1d") from None
    args = get_dataset_args(as_dict=True)
    args.pop("url", None)  # where the package would download its own copy: not part of what is built
    return args


def cache_path(args: dict, cache_dir: Path | None = None) -> Path:
    version = metadata.version("mnist1d")
    digest = hashlib.sha256(json.dumps(args, sort_keys=True).encode()).hexdigest()[:12]
    return (cache_dir or default_cache_dir()) / "MNIST1D" / f"mnist1d-{version}-{digest}.npz"


def build_arrays(args: dict) -> dict[str, np.ndarray]:
    """Run mnist1d's own generator (its default split: 4,000 train / 1,000 test)."""
    from mnist1d.data import make_dataset
    from mnist1d.utils import ObjectView

    built = make_dataset(ObjectView(dict(args)))
    return {"x": built["x"], "y": built["y"], "x_test": built["x_test"], "y_test": built["y_test"]}


def _save(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write atomically (a temporary file, then rename); a cache that cannot be written is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".npz", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except OSError:
        pass  # read-only home: build again next time


def load_arrays(cache_dir: Path | None = None, progress=None) -> dict[str, np.ndarray]:
    args = _arguments()
    path = cache_path(args, cache_dir)
    if path.is_file():
        try:
            with np.load(path) as stored:
                return {key: stored[key] for key in ("x", "y", "x_test", "y_test")}
        except (OSError, KeyError, ValueError):
            pass  # a damaged cache file is rebuilt
    if progress:
        progress("Building MNIST-1D (a few seconds, once)…", 0.0)
    arrays = build_arrays(args)
    _save(path, arrays)
    return arrays


def load_mnist1d(data_dir=None, *, download: bool = True, progress=None, cache_dir: Path | None = None) -> Dataset:
    """MNIST-1D as a Dataset; ``data_dir`` and ``download`` are not needed (it is built, not fetched)."""
    arrays = load_arrays(cache_dir, progress)

    def signals(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)[:, None, :])

    def labels(y: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.asarray(y, dtype=np.int64))

    return Dataset("mnist1d", "MNIST-1D", DIGITS, signals(arrays["x"]), labels(arrays["y"]),
                   signals(arrays["x_test"]), labels(arrays["y_test"]), source="mnist1d.data.make_dataset")


register_dataset(DatasetSpec(
    "mnist1d", "MNIST-1D",
    "The ten digits as 40-point 1-D signals (seed 004): 4,000 train / 1,000 test, built offline",
    (1, LENGTH), DIGITS, load_mnist1d,
))
