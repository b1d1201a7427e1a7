"""What a model is trained to do: its loss per batch and its test metrics.

The trainer is the same loop for every model; the objective (picked by the model
spec's ``kind``) says how to score a batch and how to evaluate on the test set.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .data import as_float_images


class Objective:
    kind = ""
    part_names: tuple[str, ...] = ()  # extra loss terms shown as their own curves

    def loss(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        raise NotImplementedError

    @torch.no_grad()
    def evaluate(self, model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> dict[str, float]:
        raise NotImplementedError


class ClassificationObjective(Objective):
    """Cross-entropy, as the seeds use; test loss and accuracy each epoch."""

    kind = "classifier"

    def loss(self, model, x, y):
        return F.cross_entropy(model(x), y), {}

    @torch.no_grad()
    def evaluate(self, model, images, labels, batch_size=1000):
        total_loss = torch.zeros((), device=images.device)
        correct = torch.zeros((), device=images.device, dtype=torch.long)
        for start in range(0, len(images), batch_size):
            x = as_float_images(images[start:start + batch_size])
            y = labels[start:start + batch_size]
            logits = model(x).float()
            total_loss += F.cross_entropy(logits, y, reduction="sum")
            correct += (logits.argmax(1) == y).sum()
        n = max(len(images), 1)
        return {"test_loss": total_loss.item() / n, "test_accuracy": correct.item() / n}


_OBJECTIVES: dict[str, type[Objective]] = {"classifier": ClassificationObjective}


def register_objective(cls: type[Objective]) -> type[Objective]:
    _OBJECTIVES[cls.kind] = cls
    return cls


def objective_for(kind: str) -> Objective:
    return _OBJECTIVES[kind]()
