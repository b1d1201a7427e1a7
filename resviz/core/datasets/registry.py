"""The dataset registry: key -> ``DatasetSpec`` (title, input shape, classes, loader), and the errors a load raises.

Each source file in this package registers its datasets here; ``load_dataset(key)`` is
the one way in for the trainer, the CLI and the panels.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from .dataset import Dataset

ProgressCallback = Callable[[str, float], None]  # (message, fraction 0..1)


class DatasetUnavailable(RuntimeError):
    """The dataset is neither on disk nor downloadable; the message says what to do."""


class DatasetFileError(DatasetUnavailable, ValueError):
    """A dataset file on disk is damaged (truncated, not gzip, not idx); the message names it and says
    to delete or download it again. A DatasetUnavailable, so every place that says those says this."""


def describe_error(error: BaseException) -> str:
    """An exception as a readable reason, also when its text is empty (a bare timeout)."""
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


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
