"""How soon a press of Train shows training: click -> the run's first Step event in the window.

Measured in the memory benchmark's Train -> 3 s -> Stop cycles, with a warm worker
waiting as the app keeps one (torch already imported in it): what is left is the
worker loading the data, building the model and taking its first steps. Target: p50
<= 1.0 s.
"""

from __future__ import annotations

from .context import BenchContext
from .gui_process import cycles_result, qt_missing
from .rows import Row, percentile, target_row, unavailable

NAME = "click Train -> first step event (warm worker)"


def run(ctx: BenchContext) -> list[Row]:
    why = qt_missing()
    if why:
        return [unavailable(NAME, "s", why, "<= 1.0")]
    result = cycles_result(ctx)
    seconds = result["first_step_s"]
    p50, p99 = percentile(seconds, 50), percentile(seconds, 99)
    note = f"{len(seconds)} presses of Train ({result['model']}, {ctx.device.type}); slowest {max(seconds):.2f} s"
    return [target_row(NAME, p50, "s", "<= 1.0", p99=p99, note=note)]
