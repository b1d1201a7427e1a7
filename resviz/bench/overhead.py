"""Benchmark 1: how much slower resviz's Trainer is than a bare PyTorch loop.

Same model (the speed run's, whose steps are the cheapest, so per-step overhead
shows most), batch, precision, device and device-resident data; the Trainer runs
as the app runs it on a GPU, reporting a Step every 10 batches and a weight Snapshot
every 50, with eager steps (no CUDA graph) like the bare loop. Runs alternate (trainer, bare, trainer, ...) after one warm-up of each, and
the ratio is of the median epoch times. Target: at most 1.05x slower.
"""

from __future__ import annotations

from ..core.events import Epoch, Failed
from ..core.trainer import TrainConfig, Trainer
from .bare_loop import bare_epoch_seconds
from .context import BenchContext
from .rows import Row, median, target_row

NAME = "trainer overhead"


def trainer_epoch_seconds(config: TrainConfig, data) -> float:
    """One epoch through resviz's Trainer; its own synchronised clock, evaluation excluded."""
    seconds = None
    for event in Trainer(config, data).fit():
        if isinstance(event, Epoch):
            seconds = event.seconds
        elif isinstance(event, Failed):
            raise RuntimeError(event.message)
    return seconds


def run(ctx: BenchContext) -> list[Row]:
    # eager steps in both: the question is what the trainer's bookkeeping costs, not CUDA graphs
    config = TrainConfig.for_model("speedrun", device=str(ctx.device), epochs=1, log_every=10,
                                   snapshot_every=50, cuda_graphs=False)
    if ctx.on_gpu:
        images, repeats = 60_000, 5
    else:
        images, repeats = (8_192, 3) if ctx.quick else (30_720, 5)
    data = ctx.mnist().subset(ctx.images(images), 1_000).to(ctx.device)  # testing is not timed
    warm = data.subset(4 * config.batch_size, 1_000)
    trainer_epoch_seconds(config, warm)
    bare_epoch_seconds(config, warm)

    trainer_times, bare_times = [], []
    for _ in range(repeats):
        trainer_times.append(trainer_epoch_seconds(config, data))
        seconds, trained = bare_epoch_seconds(config, data)
        bare_times.append(seconds)
        ctx.log(f"{NAME}: trainer {trainer_times[-1]:.3f} s, bare loop {seconds:.3f} s")
    trainer_s, bare_s = median(trainer_times), median(bare_times)
    setting = (f"speedrun, batch {config.batch_size}, {trained:,} images, median of {repeats} "
               f"(fastest runs: {min(trainer_times) / min(bare_times):.3f}x), "
               f"Step every {config.log_every}, Snapshot every {config.snapshot_every} steps")
    return [
        target_row(f"{NAME}: trainer / bare loop time", trainer_s / bare_s, "x", "<= 1.05", note=setting),
        target_row(f"{NAME}: trainer images/s", trained / trainer_s, "img/s", None,
                   note=f"bare loop {trained / bare_s:,.0f} img/s"),
    ]
