"""Benchmark 4: the cost of watching. Training throughput with the main window open
(offscreen) and every panel live, divided by the same run headless. Target >= 0.95.

The run is the Training tab's own config for the default model on a few thousand
images, with the GUI's reporting rates; headless and watched runs alternate in one
process that sets torch's threads as the app does (see ``gui_child``). Both train in a
training process of their own, as the window's runs do; watched, the window draws beside it.
"""

from __future__ import annotations

from .context import BenchContext
from .gui_process import qt_missing, watch_result
from .rows import Row, median, target_row, unavailable

NAME = "cost of watching"


def run(ctx: BenchContext) -> list[Row]:
    title = f"{NAME}: watched / headless images/s"
    why = qt_missing()
    if why:
        return [unavailable(title, "x", why, ">= 0.95")]
    result = watch_result(ctx)
    headless, watched = median(result["headless_images_per_s"]), median(result["watched_images_per_s"])
    note = (f"{result['model']} on {result['images']:,} images, batch {result['batch_size']}, Step every "
            f"{result['log_every']}, Snapshot every {result['snapshot_every']}; panels: {', '.join(result['panels'])}; "
            f"headless {headless:,.0f} img/s, watched {watched:,.0f} img/s; the window used "
            f"{median(result['window_cpu_share']):.1%} of the machine's CPU while it watched")
    return [target_row(title, watched / headless, "x", ">= 0.95", note=note)]
