"""Benchmark 6: interaction latency on the CPU, from the panels' own measurements.

- draw stroke -> probabilities and feature maps on screen while a run trains beside the
  window (target p99 <= 20 ms): ``draw_latency.run``, which drives the real Draw &
  classify and Feature maps panels (needs Qt; run in a ``gui_child`` process);
- latent slider move -> decoded image on screen (target p99 <= 10 ms):
  ``latent_latency.screen_latency`` on the real Latent panel, for every registered
  VAE, with the decode work alone beside it (the only number when Qt is missing).
"""

from __future__ import annotations

from . import latent_latency
from .context import BenchContext
from .gui_process import qt_missing, run_child
from .rows import Row, percentile, target_row, unavailable

DRAW = "draw stroke -> probabilities + feature maps"
SLIDER = "latent slider -> decoded image"


def _gui_result(ctx: BenchContext) -> dict | None:
    """The ``gui_child draw`` measurements (in a fresh offscreen process); None without Qt."""
    if qt_missing():
        return None
    if "draw" not in ctx.cache:
        ctx.cache["draw"], _ = run_child("draw", "--device", ctx.device.type, *(["--quick"] if ctx.quick else []))
    return ctx.cache["draw"]


def draw_rows(ctx: BenchContext) -> list[Row]:
    result = _gui_result(ctx)
    if result is None:
        return [unavailable(DRAW, "ms", qt_missing(), "<= 20")]
    return [Row(**row) for row in result["rows"]]


def slider_rows(ctx: BenchContext) -> list[Row]:
    """On screen (the real Latent panel) when Qt is here; else the decode work alone."""
    gui = _gui_result(ctx)
    rows = []
    for result in latent_latency.all_latencies(decodes=50 if ctx.quick else 200):
        name = result["model"]
        work = (f"{result['sliders']} sliders over a {result['latent_dim']}-d latent, torch threads "
                f"{result['torch_threads']}; decode work alone p50 {result['p50_ms']:.1f} ms, "
                f"p99 {result['p99_ms']:.1f} ms")
        if gui is not None:
            screen = gui["slider_ms"][name]
            p50, p99 = percentile(screen, 50), percentile(screen, 99)
            note = f"slider move -> digit repainted on the Latent panel, {len(screen)} moves; {work}"
        else:
            p50, p99 = result["p50_ms"], result["p99_ms"]
            note = f"decode work only (no Qt here), {result['decodes']} moves; {work}"
        rows.append(target_row(f"{SLIDER} ({name})", p50, "ms", "<= 10", p99=p99, judge=p99, note=note))
    return rows


def run(ctx: BenchContext) -> list[Row]:
    return draw_rows(ctx) + slider_rows(ctx)
