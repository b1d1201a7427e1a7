"""A bare PyTorch training loop: the yardstick for the trainer's overhead.

It does the same work per step as ``Trainer`` for the same ``TrainConfig`` (same
model in the same memory format, optimizer, schedule, precision, shuffling and
batch indexing out of the device-resident uint8 images), but with no events, no
loss bookkeeping, no snapshots and no pause/stop checks: what a person would write
by hand. Timed from the first step to the end of the epoch, synchronised.
"""

from __future__ import annotations

import time
from contextlib import nullcontext

import torch
import torch.nn.functional as F

from ..core import models
from ..core.data import Dataset, as_float_images
from ..core.trainer import TrainConfig, make_optimizer, make_scheduler, resolve_precision
from .context import sync


def bare_epoch_seconds(config: TrainConfig, data: Dataset) -> tuple[float, int]:
    """Train ``config``'s model for one epoch on ``data`` (already on the device).

    Returns (seconds, images trained on).
    """
    device = data.train_images.device
    torch.manual_seed(config.seed)
    generator = torch.Generator(device=device).manual_seed(config.seed)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    model = models.build(config.model, **config.model_config).to(device).to(memory_format=memory_format)
    optimizer = make_optimizer(config, model)
    n = len(data.train_images)
    batch = min(config.batch_size, n)
    steps = max(1, n // batch)
    scheduler = make_scheduler(config, optimizer, steps)
    autocast = (torch.autocast(device.type, dtype=torch.bfloat16)
                if resolve_precision(config.precision, device) == "bf16" else nullcontext())
    model.train()
    sync(device)
    start = time.perf_counter()
    order = torch.randperm(n, device=device, generator=generator)
    for index in range(steps):
        picked = order[index * batch:(index + 1) * batch]
        x = as_float_images(data.train_images[picked]).contiguous(memory_format=memory_format)
        y = data.train_labels[picked]
        with autocast:
            loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    sync(device)
    return time.perf_counter() - start, steps * batch
