"""Benchmark 7: cold start (process start -> main window painted) and peak memory.

Each start is a fresh Python process that builds the app and window as ``resviz``
does (``gui_child shown``); the time is from spawning it to its report after the
window's first paint. Target <= 3 s. Peak RSS is the most resident memory of the
process of benchmark 4, which opens the window and trains the default model on a
few thousand images with every panel live (no target; reported for the README).
"""

from __future__ import annotations

from .context import BenchContext
from .gui_process import qt_missing, run_child, watch_result
from .rows import Row, median, percentile, target_row, unavailable

NAME = "cold start"


def run(ctx: BenchContext) -> list[Row]:
    why = qt_missing()
    if why:
        return [unavailable(f"{NAME}: process start -> window shown", "s", why, "<= 3"),
                unavailable(f"{NAME}: peak RSS while training", "MiB", why)]
    starts = []
    for _ in range(2 if ctx.quick else 5):
        result, seconds = run_child("shown", timeout=60)
        if not result["painted"]:
            raise RuntimeError("the window never painted")
        starts.append(seconds)
    memory = watch_result(ctx)  # the watched training run of benchmark 4, window open
    return [
        target_row(f"{NAME}: process start -> window shown", median(starts), "s", "<= 3",
                   p99=percentile(starts, 99), note=f"{len(starts)} fresh processes, Qt offscreen"),
        target_row(f"{NAME}: peak RSS while training", memory["peak_rss_mib"], "MiB", None,
                   note=f"window open, panels live, {memory['model']} trained on {memory['images']:,} images"),
    ]
