"""Datasets as whole tensors, and the registry that says which datasets exist.

MNIST-sized sets are small (60k x 28 x 28 = 47 MB as uint8), so each split is one
tensor that lives on the training device and batches are indexed out of it: no
per-sample DataLoader, which is the single biggest slowdown in MNIST training.

Every dataset is a ``Dataset``: inputs shaped [N, C, H, W] (uint8 images, 0..255) or
[N, C, L] (float signals), int64 labels, class names, and a note when it is not the
real thing. Each source lives in its own file under ``datasets/`` and registers a
``DatasetSpec`` (key, title, input shape, classes, loader); ``load_dataset(key)`` is
the one way in for the trainer, the CLI and the panels.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

ProgressCallback = Callable[[str, float], None]  # (message, fraction 0..1)


class DatasetUnavailable(RuntimeError):
    """The dataset is neither on disk nor downloadable; the message says what to do."""


class DatasetFileError(DatasetUnavailable, ValueError):
    """A dataset file on disk is damaged (truncated, not gzip, not idx); the message names it and says
    to delete or download it again. A DatasetUnavailable, so every place that says those says this."""


@dataclass(frozen=True)
class Dataset:
    """One dataset as four tensors (see the module docstring for their shapes)."""

    key: str
    title: str
    classes: tuple[str, ...]
    train_inputs: torch.Tensor
    train_labels: torch.Tensor
    test_inputs: torch.Tensor
    test_labels: torch.Tensor
    source: str  # the folder read, or what was used instead
    note: str | None = None  # shown to the person when this is not the full dataset
    options: dict = field(default_factory=dict)  # how it was loaded (an image folder's path and size, ...)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """(channels, height, width) for images, (channels, length) for signals."""
        return tuple(self.train_inputs.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def is_grey_image(self) -> bool:
        return len(self.input_shape) == 3 and self.input_shape[0] == 1

    @property
    def train_images(self) -> torch.Tensor:
        """A grey image set as uint8 [N, H, W] (what digit panels draw and cluster)."""
        return self._grey(self.train_inputs)

    @property
    def test_images(self) -> torch.Tensor:
        return self._grey(self.test_inputs)

    def _grey(self, inputs: torch.Tensor) -> torch.Tensor:
        if not self.is_grey_image:
            raise ValueError(f"{self.title} is not a set of grey images (its inputs are {self.input_shape})")
        return inputs[:, 0]

    @property
    def device(self) -> torch.device:
        return self.train_inputs.device

    def to(self, device: torch.device | str) -> Dataset:
        return replace(
            self,
            train_inputs=self.train_inputs.to(device),
            train_labels=self.train_labels.to(device),
            test_inputs=self.test_inputs.to(device),
            test_labels=self.test_labels.to(device),
        )

    def subset(self, train: int | None = None, test: int | None = None) -> Dataset:
        """The first ``train`` / ``test`` examples (for quick runs and tests)."""
        return replace(
            self,
            train_inputs=self.train_inputs[:train],
            train_labels=self.train_labels[:train],
            test_inputs=self.test_inputs[:test],
            test_labels=self.test_labels[:test],
        )

    def display_image(self, index: int, split: str = "test") -> np.ndarray:
        """One example as a picture: grey [H, W] or colour [H, W, 3] floats in [0, 1]; a signal as [C, L]."""
        inputs = self.test_inputs if split == "test" else self.train_inputs
        x = to_model_input(inputs[index:index + 1])[0].cpu().numpy()
        if x.ndim == 3:
            return x[0] if x.shape[0] == 1 else np.moveaxis(x, 0, -1)
        return x


@dataclass(frozen=True)
class DatasetSpec:
    key: str  # what the CLI and UI call it
    title: str
    description: str  # one line for pickers and --help
    input_shape: tuple[int, ...] | None  # None: depends on how it is loaded (an image folder's size)
    classes: tuple[str, ...] | None  # None: found when loaded (an image folder's sub-folders)
    # load(data_dir, download=..., progress=..., **options) -> Dataset
    loader: Callable[..., Dataset] = field(repr=False)
    drawable: bool = False  # its examples are things a person can draw with a mouse (digits)


_REGISTRY: dict[str, DatasetSpec] = {}


def register_dataset(spec: DatasetSpec) -> DatasetSpec:
    _REGISTRY[spec.key] = spec
    return spec


def dataset_names() -> list[str]:
    return list(_REGISTRY)


def dataset_title(key: str, loaded: str = "") -> str:
    """What people call dataset ``key``: the loaded data's own title when there is one ('digits 0–4'),
    else the registry's ('Fashion-MNIST' for 'fashion'); the key itself only when it is unknown."""
    if loaded and loaded != key:
        return loaded
    spec = _REGISTRY.get(key)
    return spec.title if spec is not None else key


def dataset_spec(key: str) -> DatasetSpec:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise DatasetUnavailable(f"Unknown dataset {key!r}; choose one of {', '.join(_REGISTRY)}.") from None


def is_drawable(key: str) -> bool:
    """Whether a person can draw this dataset's examples (the Draw tab's canvas), for a known key."""
    spec = _REGISTRY.get(key)
    return bool(spec and spec.drawable)


def load_dataset(
    key: str,
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    progress: ProgressCallback | None = None,
    **options,
) -> Dataset:
    """Load dataset ``key`` on the CPU (raises DatasetUnavailable with a message a person can act on)."""
    return dataset_spec(key).loader(data_dir, download=download, progress=progress, **options)


def to_model_input(inputs: torch.Tensor) -> torch.Tensor:
    """A batch as the float tensor models take: uint8 images -> [0, 1]; float signals as they are."""
    if inputs.dtype == torch.uint8:
        return inputs.float().div_(255.0)
    return inputs.float()


def as_float_images(images_u8: torch.Tensor) -> torch.Tensor:
    """Grey uint8 images [N, H, W] -> float [N, 1, H, W] in [0, 1]."""
    return to_model_input(images_u8.unsqueeze(1))


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "resviz" / "data"


def candidate_roots(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched, in order: explicit, $RESVIZ_DATA, the per-user cache."""
    roots = []
    if data_dir:
        roots.append(Path(data_dir))
    if os.environ.get("RESVIZ_DATA"):
        roots.append(Path(os.environ["RESVIZ_DATA"]))
    roots.append(default_cache_dir())
    return roots


def describe_error(error: BaseException) -> str:
    """An exception as a readable reason, also when its text is empty (a bare timeout)."""
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# Each source registers itself on import (order = order in the UI).
from . import datasets  # noqa: E402,F401
