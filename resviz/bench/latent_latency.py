"""How long a latent slider takes to redraw: slider values -> z -> decode(z) -> 28x28 image.

This is exactly the Latent panel's work per slider move (``LatentAxes.point`` then
``analysis.latent.decode`` of one vector, on the CPU, in eval mode). The target is
p99 <= 10 ms so that dragging feels immediate. The weights do not change the time,
so freshly built models are timed; the axes come from the latent means of random
images (PCA for the seed models, one slider per dimension for the compact ones).

Threads: the app runs torch with one core fewer than the machine has (``qt/app.py``),
and so does this benchmark. Intra-op threads do not help one tiny decode; on a busy
2-core machine two threads made it 30x slower (p50 264 ms vs 3 ms for Model 2),
because each decode waits for the slower thread.
"""

from __future__ import annotations

import os
import time

import numpy as np
import torch

from ..core import models
from ..core.analysis import latent

TARGET_P99_MS = 10.0


def app_threads() -> int:
    return max(1, (os.cpu_count() or 1) - 1)


def slider_decode_latency(model_name: str = "vae1", decodes: int = 200, warmup: int = 10, seed: int = 0,
                          threads: int | None = None) -> dict:
    """p50 / p99 / max milliseconds of one slider move for registry VAE ``model_name``."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads or app_threads())
    try:
        return _time_decodes(model_name, decodes, warmup, seed)
    finally:
        torch.set_num_threads(previous)


def _time_decodes(model_name: str, decodes: int, warmup: int, seed: int) -> dict:
    torch.manual_seed(seed)
    model = models.build(model_name).eval()
    images = torch.rand(200, 28, 28)
    axes = latent.latent_axes(model, images)
    rng = np.random.default_rng(seed)
    low, high = axes.slider_range()
    times = []
    for index in range(warmup + decodes):
        values = rng.uniform(low, high).astype(np.float32)
        start = time.perf_counter()
        image = latent.decode(model, axes.point(values))
        elapsed = time.perf_counter() - start
        if index >= warmup:
            times.append(elapsed * 1000)
    assert image.shape == (28, 28)
    times = np.asarray(times)
    return {
        "model": model_name, "latent_dim": int(model.latent_dim), "sliders": axes.count,
        "decodes": decodes, "torch_threads": torch.get_num_threads(),
        "p50_ms": round(float(np.percentile(times, 50)), 3), "p99_ms": round(float(np.percentile(times, 99)), 3),
        "max_ms": round(float(times.max()), 3), "target_p99_ms": TARGET_P99_MS,
        "meets_target": bool(np.percentile(times, 99) <= TARGET_P99_MS),
    }


def screen_latency(model_name: str, moves: int = 200, warmup: int = 10, seed: int = 0) -> list[float]:
    """Milliseconds from a slider move on the real Latent panel until the digit is repainted.

    Needs a QApplication (offscreen). The move goes through QSlider.setValue, so the
    panel's own handler decodes; ``repaint()`` then paints the digit view at once.
    """
    from PySide6.QtWidgets import QApplication

    from ..core.replica import ModelReplica
    from ..qt.app import freeze_startup_objects
    from ..qt.panels.latent import LatentPanel
    from ..qt.state import AppState

    torch.manual_seed(seed)
    model = models.build(model_name).eval()
    panel = LatentPanel(AppState())
    panel.resize(1000, 700)
    panel.show()
    freeze_startup_objects()  # as run_app does once the window is up
    try:
        panel.state.show_model(ModelReplica(model_name, models.model_config(model), model))
        deadline = time.perf_counter() + 60
        while not panel.sliders:  # the seed models' principal axes come from a background job
            if time.perf_counter() > deadline:
                raise TimeoutError("the Latent panel never showed its sliders")
            QApplication.processEvents()
            time.sleep(0.005)
        rng = np.random.default_rng(seed)
        times = []
        for index in range(warmup + moves):
            slider = panel.sliders[index % len(panel.sliders)].slider
            position = int(rng.integers(slider.minimum(), slider.maximum() + 1))
            if position == slider.value():
                position = slider.maximum() if position != slider.maximum() else slider.minimum()
            start = time.perf_counter()
            slider.setValue(position)
            panel.digit.graphics.viewport().repaint()
            if index >= warmup:
                times.append((time.perf_counter() - start) * 1000)
        return times
    finally:
        panel.close()
        panel.deleteLater()


def all_latencies(decodes: int = 200) -> list[dict]:
    """The latency of every registered VAE."""
    return [slider_decode_latency(name, decodes) for name in models.names("vae")]


if __name__ == "__main__":
    import json

    for row in all_latencies():
        print(json.dumps(row))
