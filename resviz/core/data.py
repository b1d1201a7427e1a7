"""Datasets as whole tensors, and the registry that says which datasets exist: the one way in.

MNIST-sized sets are small (60k x 28 x 28 = 47 MB as uint8), so each split is one
tensor that lives on the training device and batches are indexed out of it: no
per-sample DataLoader, which is the single biggest slowdown in MNIST training.

Every dataset is a ``Dataset``: inputs shaped [N, C, H, W] (uint8 images, 0..255) or
[N, C, L] (float signals), int64 labels, class names, and a note when it is not the
real thing. Each source lives in its own file under ``datasets/`` and registers a
``DatasetSpec`` (key, title, input shape, classes, loader); ``load_dataset(key)`` is
the one way in for the trainer, the CLI and the panels. The code lives in the
``datasets`` package, whose sources import its registry and never this module; this
module imports that package (so every source is registered) and names what it offers.
"""

from __future__ import annotations

from .datasets import *  # noqa: F403 — this module is the name everyone imports them by
from .datasets import __all__  # noqa: F401 — the same names, listed once (in datasets/__init__.py)
