"""Benchmark 7: cold start (process start -> window shown, and -> tabs ready) and peak memory.

Each start is a fresh Python process that builds the app and window as ``resviz``
does (``gui_child shown``): the window's frame paints a loading page before torch is
imported, then the tabs are built. "Window shown" is spawn -> that first paint (target
<= 1.5 s, issue 20; it fails if torch was imported before it); "tabs ready" is spawn ->
the first tab's own paint (no target; what a person waits before clicking). Peak RSS is the most resident memory of the
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
        return [unavailable(f"{NAME}: process start -> window shown", "s", why, "<= 1.5"),
                unavailable(f"{NAME}: process start -> tabs ready", "s", why),
                unavailable(f"{NAME}: peak RSS while training", "MiB", why)]
    shown, ready = [], []
    for _ in range(2 if ctx.quick else 5):
        result, seconds = run_child("shown", timeout=60)
        if not (result["painted"] and result["ready"]):
            raise RuntimeError("the window never painted its tabs")
        if result["torch_at_paint"]:
            raise RuntimeError("torch was imported before the window's first paint")
        ready.append(seconds)
        shown.append(seconds - result["paint_to_ready_s"])
    memory = watch_result(ctx)  # the watched training run of benchmark 4, window open
    return [
        target_row(f"{NAME}: process start -> window shown", median(shown), "s", "<= 1.5",
                   p99=percentile(shown, 99), note=f"{len(shown)} fresh processes, Qt offscreen; "
                                                   "a loading page, torch not yet imported"),
        target_row(f"{NAME}: process start -> tabs ready", median(ready), "s", None,
                   p99=percentile(ready, 99), note=f"torch, the models and the {len(result['panels'])} tabs built "
                                                   "and painted"),
        target_row(f"{NAME}: peak RSS while training", memory["peak_rss_mib"], "MiB", None,
                   note=f"window open, panels live, {memory['model']} trained on {memory['images']:,} images"),
    ]
