"""Benchmark: feature visualisation of the seed ResNet (issue 21).

- Seconds for 16 channels of one layer, as the Filters tab computes them (default
  settings, 200 steps, all 16 as one batch), on the deepest conv layer (the longest
  forward pass short of the logits), with the window's torch threads (one fewer than
  the cores). Target ``<= 20`` s on a 2-core CPU.
- The share of units whose optimised activation reaches at least ``test_max``, the
  highest any of 1,000 test digits reaches (target ``>= 1.0``: every unit's picture
  beats every real digit). The seed ResNet is trained here first, briefly (Adam,
  batch 64, seed 0: 300 steps on 19,200 MNIST training digits, 100 with ``--quick``),
  so the units are a trained network's, not a random one's; every unit of every
  conv layer and the class logits (16 per layer with ``--quick``). As in the Filters tab, units
  still below ``test_max`` after the ascent climb again from fresh noise (``FeatureVisSettings.retries``
  rounds at most), so both rows time and judge what a person gets.
"""

from __future__ import annotations

import os
import time

import torch
import torch.nn.functional as F

from ..core import models
from ..core.analysis.feature_vis import FeatureVisSettings, visualise
from ..core.analysis.unit_activation import best_test_activations, visualisable_layers
from ..core.datasets.dataset import to_model_input
from .context import BenchContext
from .rows import Row, target_row

NAME = "feature visualisation"
BATCH = 64


def run(ctx: BenchContext) -> list[Row]:
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, (os.cpu_count() or 1) - 1))  # what the window gives its analysis
    try:
        return _rows(ctx)
    finally:
        torch.set_num_threads(previous)


def _rows(ctx: BenchContext) -> list[Row]:
    data = ctx.mnist()
    steps = ctx.images(100 * BATCH if ctx.quick else 300 * BATCH) // BATCH
    started = time.perf_counter()
    model = trained_resnet(data, steps)
    ctx.log(f"seed ResNet trained for {steps} steps in {time.perf_counter() - started:.0f} s")
    shape = models.input_shape_of(model)
    layers = visualisable_layers(model, shape)
    settings = FeatureVisSettings()

    deepest = [layer for layer in layers if layer.kind == "conv"][-1]
    targets = best_test_activations(model, deepest, data.test_inputs, range(16), count=1000).values
    timed = visualise(model, deepest, range(16), shape, settings, targets=targets)
    restarted = int((timed.activations >= targets).sum())
    rows = [target_row(f"{NAME}, 16 channels, seed ResNet layer", timed.seconds, "s", "<= 20",
                       note=f"{deepest.name} (read after {deepest.readout}), {settings.steps} steps, one batch, "
                            f"fresh starts for units below test_max ({restarted} of 16 reach it), "
                            f"torch threads {torch.get_num_threads()}")]

    reached = total = 0
    short: list[str] = []
    for layer in layers:
        units = range(min(layer.units, 16) if ctx.quick else layer.units)
        peak = best_test_activations(model, layer, data.test_inputs, units, count=1000)
        result = visualise(model, layer, units, shape, settings, targets=peak.values)
        hits = result.activations >= peak.values
        reached, total = reached + int(hits.sum()), total + len(hits)
        short += [f"{layer.name}#{unit}" for unit, hit in zip(units, hits) if not hit]
        ctx.log(f"{layer.name}: {int(hits.sum())} of {len(hits)} reach test_max ({result.seconds:.1f} s)")
    note = (f"{total} units of {len(layers)} layers, seed ResNet trained {steps} steps here; "
            f"test_max over {peak.count:,} test digits" + (f"; below: {', '.join(short[:8])}" if short else ""))
    rows.append(target_row(f"{NAME}: share of units reaching the best test digit's activation",
                           reached / total, "share", ">= 1.0", note=note))
    return rows


def trained_resnet(data, steps: int, seed: int = 0) -> torch.nn.Module:
    """The seed ResNet after ``steps`` Adam steps (lr 3e-3, batch 64) on the first training digits."""
    model = models.build("resnet", seed=seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    inputs, labels = data.train_inputs[:steps * BATCH], data.train_labels[:steps * BATCH]
    model.train()
    for step in range(steps):
        rows = slice((step * BATCH) % len(inputs), (step * BATCH) % len(inputs) + BATCH)
        loss = F.cross_entropy(model(to_model_input(inputs[rows])), labels[rows])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
    return model.eval()
