"""MNIST-1D (seed 004, section 4.1): the ten digits as 40-point 1-D signals.

Sam Greydanus's ``mnist1d`` package builds it offline from ten hand-made templates,
each padded, shifted, scaled, sheared and given correlated and white noise, with its
default arguments (seed 42): 5,000 signals, the first 4,000 to train on and the last
1,000 to test on, standardised over the whole set. Inputs are float32 [N, 1, 40].

Building takes a few seconds (about 3.5 s, plus 2.7 s to import the package, on a busy
2-core machine), so the arrays are kept as one ``.npz`` in the per-user cache folder
and read back in milliseconds. The file name carries the package version and a hash
of the arguments, so a package that builds a different set never reads a stale one.
The file also holds a SHA-256 of its arrays and is read without pickles: a cache that
is damaged, altered, incomplete or not an ``.npz`` at all is rebuilt (with a logged
note), never trusted and never the reason every later run fails.
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib import metadata
from pathlib import Path

import numpy as np
import torch

from ..atomic import UnsafeTarget, atomic_write
from .dataset import Dataset
from .folders import default_cache_dir
from .registry import DatasetSpec, DatasetUnavailable, register_dataset

DIGITS = tuple(str(d) for d in range(10))
LENGTH = 40  # mnist1d's final_seq_length
KEYS = ("x", "y", "x_test", "y_test")
DIGEST_KEY = "sha256"  # the cache's own entry: arrays_digest() of the four arrays

log = logging.getLogger("resviz")


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


def arrays_digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over each array's name, dtype, shape and bytes, in ``KEYS`` order."""
    digest = hashlib.sha256()
    for key in KEYS:
        array = np.ascontiguousarray(arrays[key])
        digest.update(f"{key}\0{array.dtype.str}\0{array.shape}\0".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _save(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write the arrays and their digest atomically; a cache that cannot be written is skipped."""
    entries = {key: arrays[key] for key in KEYS}
    entries[DIGEST_KEY] = np.array(arrays_digest(entries))
    try:
        atomic_write(path, lambda file: np.savez(file, **entries))
    except (OSError, UnsafeTarget) as error:  # a read-only home, a full disk: build again next time
        log.info("MNIST-1D: not cached (%s); it is built again next time.", error)


def _read(path: Path) -> dict[str, np.ndarray]:
    """The cached arrays, checked against their digest and shapes; ValueError says what is wrong."""
    stored = np.load(path, allow_pickle=False)  # a pickle inside is refused, never run
    if not isinstance(stored, np.lib.npyio.NpzFile):
        raise ValueError("not an .npz archive")
    with stored:
        missing = [key for key in (*KEYS, DIGEST_KEY) if key not in stored.files]
        if missing:
            raise ValueError(f"no {', '.join(missing)} in it")
        arrays = {key: stored[key] for key in KEYS}
        expected = stored[DIGEST_KEY]
    if expected.dtype.kind != "U" or expected.shape != () or str(expected) != arrays_digest(arrays):
        raise ValueError("its arrays do not match the digest saved with them")
    _check_shapes(arrays)
    return arrays


def _check_shapes(arrays: dict[str, np.ndarray]) -> None:
    """Signals [N, L] of numbers and labels [N] of whole numbers, for both splits."""
    for signals, labels in (("x", "y"), ("x_test", "y_test")):
        x, y = arrays[signals], arrays[labels]
        if x.dtype.kind not in "fiu" or x.ndim != 2 or y.dtype.kind not in "iu" or y.shape != (len(x),):
            raise ValueError(f"its {signals!r} {x.dtype}{list(x.shape)} and {labels!r} {y.dtype}{list(y.shape)} "
                             "are not signals and their labels")


def _cached(path: Path) -> dict[str, np.ndarray] | None:
    """The verified cache, or None (logged) when it is missing or cannot be trusted."""
    if not path.is_file():
        return None
    try:
        return _read(path)
    except Exception as error:  # noqa: BLE001 — damaged bytes fail numpy's zip reader in any way (BadZipFile, EOFError, ...)
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        log.warning("MNIST-1D: the cache %s is damaged or not resviz's (%s); building it again.", path, reason)
        return None


def load_arrays(cache_dir: Path | None = None, progress=None) -> dict[str, np.ndarray]:
    args = _arguments()
    path = cache_path(args, cache_dir)
    arrays = _cached(path)
    if arrays is not None:
        return arrays
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
