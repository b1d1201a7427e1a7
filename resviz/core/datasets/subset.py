"""Some classes of a dataset, with few labels: what a transfer experiment trains on.

``class_subset(data, classes, per_class=K)`` keeps only the examples of ``classes``
(relabelled 0..k-1 in the order given) and, with ``per_class``, just K training examples
of each, drawn with a fixed seed; the test set keeps all of theirs. ``repeat`` lists
each training example that many times, so a few-shot set makes an epoch of many steps
and the test set is not run after every one of them. Registered as the dataset
"subset" (options ``of``, ``classes``, ``per_class``, ``repeat``, ``seed``), so a run, a
checkpoint and ``resviz eval`` can name it like any other dataset: the digits demo
pretrains on MNIST's 0-4 and transfers to 5-9 with K labels a class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import torch

from .dataset import Dataset
from .registry import DatasetSpec, DatasetUnavailable, load_dataset, register_dataset


def class_subset(data: Dataset, classes: Sequence[int], per_class: int | None = None, seed: int = 0,
                 repeat: int = 1) -> Dataset:
    """The examples of ``classes`` only, relabelled 0..k-1; with ``per_class``, K training examples a class."""
    classes = [int(c) for c in classes]
    if not classes or len(set(classes)) != len(classes) or not all(0 <= c < data.num_classes for c in classes):
        raise DatasetUnavailable(f"Pick distinct classes between 0 and {data.num_classes - 1}; got {classes}.")
    train = _indices(data.train_labels, classes, per_class, seed).repeat(max(1, int(repeat)))
    test = _indices(data.test_labels, classes, None, seed)
    relabel = torch.full((data.num_classes,), -1, dtype=torch.long)
    relabel[classes] = torch.arange(len(classes))
    names = tuple(data.classes[c] for c in classes)
    labelled = f", {per_class} labelled a class" if per_class else ""
    options = {"of": data.key, "classes": classes, "per_class": per_class, "seed": seed, "repeat": int(repeat)}
    return replace(
        data, key="subset", title=f"{data.title} {', '.join(names)}{labelled}", classes=names,
        train_inputs=data.train_inputs[train], train_labels=relabel[data.train_labels[train].cpu()],
        test_inputs=data.test_inputs[test], test_labels=relabel[data.test_labels[test].cpu()],
        options=options,
    )


def _indices(labels: torch.Tensor, classes: list[int], per_class: int | None, seed: int) -> torch.Tensor:
    labels = labels.cpu().numpy()
    rng = np.random.default_rng(seed)
    chosen = []
    for label in classes:
        members = np.flatnonzero(labels == label)
        chosen.append(np.sort(rng.permutation(members)[:per_class]) if per_class else members)
    return torch.from_numpy(np.sort(np.concatenate(chosen)))  # the dataset's own order, classes mixed


def load_subset(data_dir=None, *, download: bool = True, progress=None, of: str = "mnist",
                classes: Sequence[int] = (), per_class: int | None = None, seed: int = 0, repeat: int = 1) -> Dataset:
    if of == "subset":
        raise DatasetUnavailable("A subset is taken of a dataset, not of another subset.")
    whole = load_dataset(of, data_dir, download=download, progress=progress)
    return class_subset(whole, classes, per_class, seed, repeat)


register_dataset(DatasetSpec(
    "subset", "Some classes", "a few classes of another dataset, optionally K labelled examples a class",
    None, None, load_subset,
))
