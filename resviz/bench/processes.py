"""A run from the window in 2 processes vs the same run in 1: the same accuracy, sooner where there are cores.

Both go the window's way: ``ProcessRun`` (one training process) and
``DistributedRun`` (``resviz torchrun --nproc-per-node 2 train --config``, followed
through its run folder, as Processes = 2 in the Training form does). The global batch
is the same, so both take the same optimizer steps on the same examples; only
BatchNorm's statistics are per process. Target: test accuracies within 0.01.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..core.distributed_run import DistributedRun
from ..core.events import Done, Failed, Started
from ..core.process_run import ProcessRun
from ..core.trainer import TrainConfig
from .context import BenchContext
from .rows import Row, target_row

NAME = "2 processes (torchrun, from the window) vs 1: test accuracy difference"


def _train(run) -> tuple[float, float, int]:
    """(test accuracy, training seconds, processes) of a run, from its events."""
    world = 1
    for event in run.events():
        if isinstance(event, Started):
            world = event.world_size
        elif isinstance(event, Failed):
            raise RuntimeError(event.message)
        elif isinstance(event, Done):
            return event.metrics["test_accuracy"], event.seconds, world
    raise RuntimeError("the run ended without a result")


def run(ctx: BenchContext) -> list[Row]:
    images = ctx.images(10_000 if ctx.quick else None)
    config = TrainConfig.for_model("cnn", device=ctx.device.type, epochs=1, batch_size=128,
                                   train_subset=images, data_dir=ctx.data_dir, snapshot_every=0)
    with tempfile.TemporaryDirectory(prefix="resviz-bench-processes-") as folder:
        base = Path(folder)
        one, one_s, _ = _train(ProcessRun(config, base / "one.pt", base / "one"))
        two, two_s, world = _train(DistributedRun(config, 2, base / "two.pt", base / "two"))
    if world != 2:
        raise RuntimeError(f"the 2-process run trained in {world}")
    note = (f"cnn, 1 epoch, batch 128 (64 a process), {images or 'all'} images, {ctx.device.type}: "
            f"1 process {one:.2%} in {one_s:.1f} s, 2 processes {two:.2%} in {two_s:.1f} s of training")
    return [target_row(NAME, abs(two - one), "", "<= 0.01", note=note)]
