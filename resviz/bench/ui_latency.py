"""Benchmark 5: how late the GUI's event loop answers while a model trains on the CPU.

A 10 ms precise QTimer runs in the main window's event loop during the watched
training run of ``watching.py`` (panels live, tabs cycling); its lateness is each
interval minus 10 ms. Target: p99 <= 16 ms (one frame) (the row shows p50 as its value).
"""

from __future__ import annotations

from .context import BenchContext
from .gui_process import qt_missing, watch_result
from .rows import Row, percentile, target_row, unavailable

NAME = "UI event-loop lateness while training"


def run(ctx: BenchContext) -> list[Row]:
    why = qt_missing()
    if why:
        return [unavailable(NAME, "ms", why, "<= 16")]
    lateness = watch_result(ctx)["lateness_ms"]
    if not lateness:
        return [unavailable(NAME, "ms", "no timer samples were taken during training", "<= 16")]
    p50, p99 = percentile(lateness, 50), percentile(lateness, 99)
    target = "<= 16" if ctx.device.type == "cpu" else None
    note = f"{len(lateness):,} samples of a 10 ms QTimer; judged on p99; training on {ctx.device.type}"
    return [target_row(NAME, p50, "ms", target, p99=p99, judge=p99, note=note)]
