"""The images a landscape is measured on: a fixed random subset of the training set.

Every point of the grid is scored on the same images (else the surface would be noise),
and the same seed picks the same images again, so two runs' landscapes compare.
"""

from __future__ import annotations

import torch

from ..data import Dataset, to_model_input


def fixed_subset(dataset: Dataset, count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(float inputs as the model takes them, labels) of ``count`` training examples chosen by ``seed``."""
    total = len(dataset.train_labels)
    generator = torch.Generator().manual_seed(seed)
    chosen = torch.randperm(total, generator=generator)[:min(count, total)]
    chosen = chosen.sort().values.to(dataset.train_inputs.device)  # read in order: kinder to the cache
    return to_model_input(dataset.train_inputs[chosen]), dataset.train_labels[chosen]
