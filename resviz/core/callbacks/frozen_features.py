"""Cached features: a frozen feature stage runs once per image, not once per epoch.

A transfer model (``models/transfer.py``) names its backbone ``feature_stage``, has a
``features(images)`` method, and its ``forward`` takes those features in place of
images. When that stage is frozen (its weights not trained, its BatchNorm in eval mode)
its output for an image cannot change during the run, so running it every epoch is
wasted work: this callback computes it once for every training and test image when the
fit starts and hands the loop a dataset of features (``ctx.data``); each step then runs
only the head. Augmentation changes the images every step, so then it does not apply.

The trainer adds it first (before anything reads ``ctx.data``) when it applies and
``TrainConfig.cache_frozen_features`` is on. Progress goes out as ``Loading`` events,
the last one empty (the run is no longer loading); Stop answers between batches.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace

import torch

from ..analysis.features import eval_mode
from ..data import to_model_input
from ..events import Loading
from ..optim import resolve_precision
from .base import Callback


class FrozenFeatures(Callback):
    name = "frozen_features"
    batch_size = 128  # images per backbone pass

    @staticmethod
    def applies(ctx) -> bool:
        """The model declares a feature stage, the config freezes all of it, and inputs do not change."""
        stage = getattr(ctx.model, "feature_stage", None)
        frozen = any(stage == p or (stage or "").startswith(p + ".") for p in ctx.config.freeze)
        return stage is not None and frozen and not ctx.config.augments

    def on_fit_start(self, ctx):
        model, data = ctx.model, ctx.data
        total = len(data.train_inputs) + len(data.test_inputs)
        bf16 = resolve_precision(ctx.config.precision, ctx.device) == "bf16"
        autocast = torch.autocast(ctx.device.type, dtype=torch.bfloat16) if bf16 else nullcontext()
        channels_last = ctx.config.channels_last and data.train_inputs.ndim == 4
        features, done = {}, 0
        for split in ("train_inputs", "test_inputs"):
            images, chunks = getattr(data, split), []
            for first in range(0, len(images), self.batch_size):
                if ctx.trainer.stopped:  # the loop then stops before its first step
                    yield Loading("")
                    return
                x = to_model_input(images[first:first + self.batch_size])
                if channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
                with eval_mode(model), torch.no_grad(), autocast:
                    chunks.append(model.features(x).float())
                done += len(x)
                yield Loading(f"Computing the frozen {model.feature_stage}'s features once per image: "
                              f"{done:,} / {total:,}", done / total)
            features[split] = torch.cat(chunks) if chunks else torch.zeros(0, device=ctx.device)
        ctx.data = replace(data, **features)
        yield Loading("")
