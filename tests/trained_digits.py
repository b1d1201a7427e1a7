"""A small CNN trained for a few seconds on MNIST (or the offline digits): a real, half-trained classifier
for the feature visualisation tests, and its checkpoint for the CLI's."""

from __future__ import annotations

from contextlib import contextmanager
from functools import cache

import torch
import torch.nn.functional as F

from resviz.core import models
from resviz.core.checkpoints import save_checkpoint
from resviz.core.data import load_dataset
from resviz.core.datasets.dataset import to_model_input


@cache
def trained_cnn(steps: int = 120, batch: int = 64):
    """(model in eval mode, dataset): the registry's 'cnn' after ``steps`` Adam steps, seed 0."""
    data = load_dataset("mnist").subset(steps * batch, 1000)
    model = models.build("cnn", seed=0)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(len(data.train_labels), generator=generator)
    model.train()
    for step in range(steps):
        rows = order[(step * batch) % len(order):][:batch]
        loss = F.cross_entropy(model(to_model_input(data.train_inputs[rows])), data.train_labels[rows])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    optimiser.zero_grad()  # no gradient left on the weights: the tests check nothing writes one
    return model.eval(), data


def save_trained_cnn(path) -> str:
    model, data = trained_cnn()
    save_checkpoint(path, model="cnn", model_config=models.model_config(model), state_dict=model.state_dict(),
                    objective="classifier", dataset=data.key, classes=list(data.classes))
    return str(path)


@contextmanager
def one_thread():
    """Tiny batches on a busy 2-core machine: one torch thread is many times faster than two (put back after)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
