"""Benchmark 2: time to 99% on MNIST, resviz's speed run vs the public record.

Both are timed from the first step to the end of training (synchronised) and
scored by their mean test accuracy over several seeds, alternating record and
speed run seed by seed after one warm-up of each (cuDNN picks its kernels then).
The record is ``record.py``; the speed run is ``TrainConfig.for_model("speedrun")``
through resviz's own Trainer, reporting Steps and Snapshots as the app does.
Targets: the speed run's mean accuracy >= 99.0% and its median time at most half
the record's on a GPU (on a CPU: less than the record's). They are about all of
MNIST: on anything less (the offline fallback's 4,000 digits, a test's cut) the rows
say how many images they trained on instead of "time to 99%", and no target applies.
"""

from __future__ import annotations

import warnings

import torch

from ..core.events import Epoch, Failed
from ..core.trainer import TrainConfig, Trainer, use_cuda_graphs
from .context import BenchContext, is_full_mnist
from .record import prepare_record_data, train_record
from .rows import Row, mean, median, percentile, target_row

NAME = "time to 99%"


def speedrun_once(ctx: BenchContext, seed: int, data=None, **overrides) -> tuple[float, float]:
    """(training seconds, test accuracy) of one speed run; trainer warnings go to ``ctx.cache``."""
    config = TrainConfig.for_model("speedrun", device=str(ctx.device), seed=seed,
                                   log_every=10, snapshot_every=50, **overrides)
    last = None
    with warnings.catch_warnings(record=True) as caught:  # e.g. a CUDA graph that could not be captured
        warnings.simplefilter("always")
        for event in Trainer(config, data if data is not None else ctx.mnist()).fit():
            if isinstance(event, Epoch):
                last = event
            elif isinstance(event, Failed):
                raise RuntimeError(event.message)
    ctx.cache.setdefault("speedrun warnings", set()).update(str(w.message) for w in caught)
    return last.seconds, last.metrics["test_accuracy"]


def _recipe(ctx: BenchContext) -> str:
    config = TrainConfig.for_model("speedrun", device=str(ctx.device))
    graphs = "CUDA graph" if use_cuda_graphs(config, ctx.device) else "eager steps"
    text = (f"{config.epochs} epochs, batch {config.batch_size}, {config.optimizer} lr {config.lr:g}, "
            f"{config.precision}, {graphs}")
    problems = ctx.cache.get("speedrun warnings")
    return text + (f"; warnings: {'; '.join(sorted(problems))}" if problems else "")


def bench_title(data) -> str:
    """"time to 99%" only where 99% is the goal: on all of MNIST."""
    return NAME if is_full_mnist(data) else f"speed run on {len(data.train_images):,} {data.title} images"


def _time_rows(title: str, label: str, seconds: list[float], accuracies: list[float]) -> list[Row]:
    spread = f"accuracy {min(accuracies):.2%} .. {max(accuracies):.2%} over {len(accuracies)} seeds"
    return [
        target_row(f"{title}: {label} time", median(seconds), "s", None,
                   p99=percentile(seconds, 99), note=f"first step -> end of training; {spread}"),
    ]


def run(ctx: BenchContext) -> list[Row]:
    seeds = ctx.seed_count(full=5, quick=1)
    data = ctx.mnist()
    torch.backends.cudnn.benchmark = True  # the Trainer turns it on; the record gets it too, from its warm-up
    # warm-up on a few batches, with the record's short last batch, so both start warm
    train_record(prepare_record_data(data.subset(2 * 256 + 96, 2_000), ctx.device, 0), 0)
    speedrun_once(ctx, 0, data.subset(4 * TrainConfig.for_model("speedrun").batch_size, 2_000))

    record_s, record_acc, speed_s, speed_acc = [], [], [], []
    for seed in range(seeds):
        result = train_record(prepare_record_data(data, ctx.device, seed), seed)
        record_s.append(result.seconds)
        record_acc.append(result.accuracy)
        seconds, accuracy = speedrun_once(ctx, seed)
        speed_s.append(seconds)
        speed_acc.append(accuracy)
        ctx.log(f"{bench_title(data)}: seed {seed}: record {result.seconds:.2f} s {result.accuracy:.2%}, "
                f"speedrun {seconds:.2f} s {accuracy:.2%}")

    ratio = median(speed_s) / median(record_s)
    title, full = bench_title(data), is_full_mnist(data)
    why_no_target = (f"99% is a goal for all 60,000 MNIST training digits; these are {len(data.train_images):,} "
                     f"{data.title} images, so no target applies")
    ratio_target = ("<= 0.5" if ctx.on_gpu else "< 1") if full else None
    return [
        *_time_rows(title, "record (tuomaso/train_mnist_fast)", record_s, record_acc),
        target_row(f"{title}: record mean accuracy", 100 * mean(record_acc), "%", None,
                   note="0.50 s for 99.00% on an H100 when the issue was written" if full else why_no_target),
        *_time_rows(title, "speedrun", speed_s, speed_acc),
        target_row(f"{title}: speedrun mean accuracy", 100 * mean(speed_acc), "%", ">= 99.0" if full else None,
                   note=_recipe(ctx) if full else f"{_recipe(ctx)}; {why_no_target}"),
        target_row(f"{title}: speedrun / record time", ratio, "x", ratio_target,
                   note="GPU target: half the record's time; CPU: faster than the record" if full
                   else "same images for both; the targets are for all of MNIST"),
    ]
