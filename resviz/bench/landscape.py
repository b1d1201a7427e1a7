"""Benchmark: one loss landscape of the seed ResNet, 21 x 21 points on 1,000 training images (Li et al. 2018).

The work is 441 forward passes of the perturbed net over the same images (``core/landscape``),
so the weights' values do not change its time: a freshly initialised seed ResNet (seed 0)
is measured, not a trained one. It runs with the torch threads the window's background
work has (``core/analysis/threads.py``: one core fewer than the machine, 1 on 2 cores): on a
busy 2-core machine one thread was 3-5x faster than two. Target: a minute on a 2-core CPU.
``--quick``: 7 x 7 on 200 images, the same code path.
"""

from __future__ import annotations

import torch

from ..core import models
from ..core.analysis.threads import analysis_threads
from ..core.landscape import LandscapeSettings, random_plane
from .context import BenchContext
from .rows import Row, target_row

NAME = "landscape"


def run(ctx: BenchContext) -> list[Row]:
    settings = LandscapeSettings(grid=7, subset=200) if ctx.quick else LandscapeSettings(grid=21, subset=1000)
    data = ctx.mnist()
    subset = min(settings.subset, len(data.train_labels))
    model = models.build("resnet", seed=0).eval()
    threads = torch.get_num_threads()
    torch.set_num_threads(analysis_threads())
    try:
        landscape = random_plane(model, data, settings, ctx.device)
        used = torch.get_num_threads()
    finally:
        torch.set_num_threads(threads)
    target = None if ctx.quick else "<= 60"
    return [target_row(f"{NAME} {settings.grid}×{settings.grid}, seed ResNet, {subset:,} images", landscape.seconds,
                       "s", target, note=f"random init (the cost is the {settings.grid ** 2} forward passes, not the "
                                         f"weights), BatchNorm folded; torch threads {used}, on {ctx.device.type}")]
