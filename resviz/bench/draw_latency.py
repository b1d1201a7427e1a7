"""Draw a stroke -> probabilities + feature maps: how long a person waits, on the CPU.

Two measurements per model (the seed CNN and the seed ResNet), 200 stroke segments each:

- ``pipeline_latency``: the work itself, Qt-free — paint one segment of a round-brush
  stroke into a 280x280 canvas, ``canvas_to_mnist``, class probabilities with the
  HiResCAM heat map (one forward + backward, what Draw & classify shows), capture
  every layer's feature maps (a second forward with hooks), and tile every captured
  layer as the feature-map grid would (more than the panel does: it tiles one layer).
- ``screen_latency``: the real panels — a mouse-move event on Draw & classify's
  canvas until the bars *and* the Feature maps grid show the new drawing (both panels
  shown, each computing off the GUI thread as in the app).

Target: p99 <= 20 ms (issue 20: one frame and a bit, while a run trains). The row's value is the on-screen p50; p99 is judged.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from ..core import models
from ..core.analysis.features import capture_activations
from ..core.analysis.preprocess import canvas_to_mnist
from ..core.analysis.saliency import hires_cam
from ..core.analysis.tiling import normalise_tiles, tile
from ..core.replica import ModelReplica
from .context import BenchContext
from .qt_settle import settle
from .rows import Row, percentile, target_row

NAME = "draw stroke -> probabilities + feature maps"
CANVAS, BRUSH, ITERATIONS = 280, 22, 200


def stroke_points(count: int) -> list[tuple[float, float]]:
    """A looping figure-of-eight path through the canvas: ``count`` + 1 points, ~6 px apart."""
    t = np.linspace(0, 2 * math.pi * count / 90, count + 1)
    return [(CANVAS / 2 + 70 * math.sin(a), CANVAS / 2 + 100 * math.sin(a) * math.cos(a) * 1.6) for a in t]


def paint_segment(canvas: np.ndarray, start, end, brush: int = BRUSH) -> None:
    """Stamp a round brush along start -> end (what QPainter's round-capped pen does)."""
    radius = brush / 2
    for t in np.linspace(0, 1, max(2, int(math.dist(start, end)) + 1)):
        x, y = start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t
        top, left = max(int(y - radius) - 1, 0), max(int(x - radius) - 1, 0)
        bottom, right = min(int(y + radius) + 2, canvas.shape[0]), min(int(x + radius) + 2, canvas.shape[1])
        rows, cols = np.ogrid[top:bottom, left:right]
        window = canvas[top:bottom, left:right]
        window[(rows - y) ** 2 + (cols - x) ** 2 <= radius ** 2] = 1.0


def pipeline_latency(model_name: str, iterations: int = ITERATIONS, seed: int = 0) -> list[float]:
    """Milliseconds per stroke segment for the whole Qt-free pipeline (see the module docstring)."""
    torch.manual_seed(seed)
    replica = ModelReplica(model_name, {}, models.build(model_name).eval())
    canvas = np.zeros((CANVAS, CANVAS), np.float32)
    points = stroke_points(iterations + 5)
    times = []
    for index in range(iterations + 5):  # the first 5 warm up
        start = time.perf_counter()
        paint_segment(canvas, points[index], points[index + 1])
        image = canvas_to_mnist(canvas)
        if image is not None:
            hires_cam(replica.model, image)  # also gives the probabilities
            for record in capture_activations(replica.model, image):
                maps = record.array.reshape(-1, *record.array.shape[-2:])
                tile(normalise_tiles(maps), columns=8)
        if index >= 5:
            times.append((time.perf_counter() - start) * 1000)
    return times


def screen_latency(model_name: str, iterations: int = ITERATIONS, seed: int = 0,
                   timeout_s: float = 5.0) -> list[float]:
    """Milliseconds from a mouse move on the canvas until both panels show its result."""
    from PySide6.QtCore import QEventLoop, QPointF, Qt, QTimer
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from ..qt.app import configure_pyqtgraph, freeze_startup_objects
    from ..qt.panels.draw import DrawPanel
    from ..qt.panels.feature_maps import FeatureMapsPanel
    from ..qt.state import AppState

    app = QApplication.instance() or QApplication([])
    configure_pyqtgraph()
    state = AppState()
    draw, features = DrawPanel(state), FeatureMapsPanel(state)
    for panel, x in ((draw, 0), (features, 1000)):
        panel.resize(1000, 650)
        panel.move(x, 0)
        panel.show()
    freeze_startup_objects()  # as run_app does once the window is up
    torch.manual_seed(seed)
    state.show_model(ModelReplica(model_name, {}, models.build(model_name).eval()))
    settle(app, 0.5)  # Feature maps loads a test digit until something is drawn: a person draws in a settled window
    seen = {"draw": 0, "features": 0}
    draw.updated.connect(lambda: seen.__setitem__("draw", seen["draw"] + 1))
    features.updated.connect(lambda: seen.__setitem__("features", seen["features"] + 1))
    canvas = draw.canvas
    points = [canvas.to_widget(x, y) for x, y in stroke_points(iterations + 5)]

    def send(kind, point: QPointF):
        event = QMouseEvent(kind, point, canvas.mapToGlobal(point), Qt.MouseButton.LeftButton,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(canvas, event)

    waiting = QEventLoop()

    def check_done() -> None:
        busy = draw._runner.busy or draw._pending or features._runner.busy or features._pending
        if not busy and seen["draw"] and seen["features"]:
            waiting.quit()

    draw.updated.connect(check_done, Qt.ConnectionType.QueuedConnection)
    features.updated.connect(check_done, Qt.ConnectionType.QueuedConnection)

    def wait_until_idle(timeout: float) -> None:
        """Until both panels have shown the newest drawing and nothing is left pending: in the
        event loop, idle between events as the app's is (polling would take the GIL from the workers)."""
        timer = QTimer(singleShot=True, interval=int(timeout * 1000))
        timer.timeout.connect(waiting.quit)
        timer.start()
        check_done()
        waiting.exec()
        if not timer.isActive():
            raise TimeoutError("the panels did not update within the time limit")
        timer.stop()

    times = []
    try:
        send(QMouseEvent.Type.MouseButtonPress, points[0])
        for index in range(1, iterations + 5):
            seen["draw"] = seen["features"] = 0
            start = time.perf_counter()
            send(QMouseEvent.Type.MouseMove, points[index])
            wait_until_idle(timeout_s)
            if index >= 5:
                times.append((time.perf_counter() - start) * 1000)
        send(QMouseEvent.Type.MouseButtonRelease, points[-1])
    finally:
        for panel in (draw, features):
            panel.close()
            panel.deleteLater()
        app.processEvents()
    return times


def run(ctx: BenchContext) -> list[Row]:
    iterations = 60 if ctx.quick else ITERATIONS
    rows = []
    for model_name in ("cnn", "resnet"):
        pipeline = pipeline_latency(model_name, iterations)
        screen = screen_latency(model_name, iterations)
        p50, p99 = percentile(screen, 50), percentile(screen, 99)
        note = (f"{model_name}, {iterations} stroke segments, torch threads {torch.get_num_threads()}; "
                f"work alone (Qt-free): p50 {percentile(pipeline, 50):.1f} ms, p99 {percentile(pipeline, 99):.1f} ms")
        rows.append(target_row(f"{NAME} ({model_name})", p50, "ms", "<= 20", p99=p99, judge=p99, note=note))
    return rows
