"""Cached features: a frozen feature stage runs once per image, not once per epoch.

A transfer model (``models/transfer.py``) names its backbone ``feature_stage``, has a
``features(images)`` method, and its ``forward`` takes those features in place of
images. When that stage is frozen (its weights not trained, its BatchNorm in eval mode)
its output for an image cannot change during the run, so running it every epoch is
wasted work: ``cached_features`` computes it once for every training and test image and
returns a dataset of features; each step then runs only the head. Augmentation changes
the images every step, so then it does not apply.

The trainer runs it as its own stage, before any callback starts (they all see the
dataset it returns), when it applies and ``TrainConfig.cache_frozen_features`` is on.
Progress goes out as ``Loading`` events, the last one empty (the run is no longer
loading); Stop answers between batches (the images then stay as they are).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import nullcontext
from dataclasses import replace

import torch

from ..analysis.features import eval_mode
from ..data import Dataset, to_model_input
from ..events import Loading
from ..optim import resolve_precision

BATCH_SIZE = 128  # images per backbone pass


def applies(model: torch.nn.Module, config) -> bool:
    """The model declares a feature stage, the config freezes all of it, and inputs do not change."""
    stage = getattr(model, "feature_stage", None)
    frozen = any(stage == p or (stage or "").startswith(p + ".") for p in config.freeze)
    return stage is not None and frozen and not config.augments


def cached_features(model: torch.nn.Module, data: Dataset, config, device: torch.device,
                    stopped: Callable[[], bool]) -> Generator[Loading, None, Dataset]:
    """Yields progress; returns ``data`` with the feature stage's outputs in place of its images."""
    total = len(data.train_inputs) + len(data.test_inputs)
    bf16 = resolve_precision(config.precision, device) == "bf16"
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else nullcontext()
    channels_last = config.channels_last and data.train_inputs.ndim == 4
    features, done = {}, 0
    for split in ("train_inputs", "test_inputs"):
        images, chunks = getattr(data, split), []
        for first in range(0, len(images), BATCH_SIZE):
            if stopped():  # the loop then stops before its first step
                yield Loading("")
                return data
            x = to_model_input(images[first:first + BATCH_SIZE])
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            with eval_mode(model), torch.no_grad(), autocast:
                chunks.append(model.features(x).float())
            done += len(x)
            yield Loading(f"Computing the frozen {model.feature_stage}'s features once per image: "
                          f"{done:,} / {total:,}", done / total)
        features[split] = torch.cat(chunks) if chunks else torch.zeros(0, device=device)
    yield Loading("")
    return replace(data, **features)
