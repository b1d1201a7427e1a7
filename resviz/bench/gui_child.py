"""The GUI benchmarks' measuring process: ``python -m resviz.bench.gui_child MODE ...``.

Each GUI measurement runs in a fresh process with Qt offscreen, so it starts cold,
its Qt and torch-thread settings never leak into the parent benchmark, and a hang
can be timed out. The last stdout line is JSON. Modes:

- ``shown``: build the app and the main window as ``resviz`` does — its frame paints
  before torch is imported, then its tabs are built — and report when the tabs first
  paint, with the seconds since the first paint (the parent times process start -> that line).
- ``watch``: the same training run (in a training process, as the window runs it)
  headless and with the main window open, every panel live (tabs cycled so each one
  draws) and a 10 ms QTimer sampling how late the event loop answers; reports
  images/s of both, the timer's lateness and the window process's peak RSS.
- ``draw``: ``draw_latency.run`` (the Draw & classify benchmark) while a resnet run trains
  beside the window in its own niced process (as the window's runs do), and the Latent
  panel's slider move -> repainted digit for every VAE, with the app's torch threads.
- ``cycles``: press Train, wait a few seconds, press Stop, wait for the checkpoint —
  ``--repeats`` times in the real window, as a person trying settings for an hour
  would; reports the window's resident memory after each cycle and the seconds from
  each click to the run's first Step event (a warm worker waiting, as in the app).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import sys
import tempfile
import time
from contextlib import contextmanager


def _app():
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("RESVIZ_CHECKPOINTS", tempfile.mkdtemp(prefix="resviz-bench-"))
    from PySide6.QtWidgets import QMessageBox

    from ..qt.app import create_app

    # a modal message box would wait forever for a click that never comes: print it instead
    for name in ("warning", "information", "critical"):
        setattr(QMessageBox, name, staticmethod(
            lambda _parent, title, text, *rest, **kw: print(f"{title}: {text}", file=sys.stderr)))
    return create_app(["resviz"])


def _window():
    from ..qt.main_window import MainWindow
    from ..qt.settings import Settings

    return MainWindow(settings=Settings.throwaway())


def mode_shown(args) -> dict:
    """As ``resviz`` starts: the window's frame paints before torch is imported, then the tabs are built.

    Reports whether torch was loaded at the first paint and the seconds from that paint to the
    tabs' own first paint (the parent subtracts it from its clock to time the first paint).
    """
    from PySide6.QtCore import QEvent, QObject, QTimer

    from ..qt.main_window import MainWindow
    from ..qt.settings import Settings

    app = _app()
    window = MainWindow(settings=Settings.throwaway(), deferred=True)
    marks = {}

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and "painted" not in marks:
                marks["painted"] = time.perf_counter()
                marks["torch_at_paint"] = "torch" in sys.modules
                QTimer.singleShot(0, build)
            return False

    class TabsPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and "ready" not in marks:
                marks["ready"] = time.perf_counter()
                QTimer.singleShot(0, app.quit)
            return False

    def build():
        window.build()
        window.tabs.currentWidget().installEventFilter(tabs_watcher)
        window.tabs.currentWidget().update()

    first_watcher, tabs_watcher = FirstPaint(), TabsPaint()
    window.centralWidget().installEventFilter(first_watcher)
    window.show()
    QTimer.singleShot(20_000, app.quit)  # never hang the benchmark
    app.exec()
    window.close()
    ready = "ready" in marks
    return {"painted": "painted" in marks, "ready": ready, "torch_at_paint": marks.get("torch_at_paint"),
            "paint_to_ready_s": marks["ready"] - marks["painted"] if ready else None,
            "panels": [p.title for p in window.panels]}


def _training_config(args, panel):
    """The config the Training tab would start, on a subset of MNIST."""
    panel.model_box.setCurrentIndex(max(0, panel.model_box.findData(args.model)))
    panel.device_box.setCurrentText(args.device)
    config = panel.config()
    return dataclasses.replace(config, epochs=1, train_subset=args.images, test_subset=1_000)


def _headless_images_per_s(config) -> float:
    """The same run in a training process of its own with no window looking (as ``resviz train`` runs it)."""
    from ..core.events import Epoch, Failed
    from ..core.process_run import ProcessRun

    for event in ProcessRun(config).events():
        if isinstance(event, Failed):
            raise RuntimeError(event.message)
        if isinstance(event, Epoch):
            return config.train_subset // config.batch_size * config.batch_size / event.seconds
    raise RuntimeError("training ended without an epoch")


def _watched_run(app, window, config, lateness_ms: list[float], window_cpu: list[float]) -> float:
    """Train through the window; sample the event loop's lateness while it trains, and add the
    share of the machine's CPU the window used meanwhile (all its threads) to ``window_cpu``."""
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer

    from ..core.events import Done, Epoch, Failed, Started

    result = {}
    clock = QElapsedTimer()
    timer = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=10)
    last = {}

    def tick():
        now = clock.nsecsElapsed() / 1e6
        if "t" in last and result.get("training"):
            lateness_ms.append(max(0.0, now - last["t"] - 10.0))
        last["t"] = now

    def cycle_tabs():
        tabs = window.tabs
        tabs.setCurrentIndex((tabs.currentIndex() + 1) % tabs.count())

    def on_event(kind, event):
        if isinstance(event, Started):
            result["training"] = True
            result["clocks"] = time.monotonic(), time.process_time()
        elif isinstance(event, Epoch):
            result["seconds"] = event.seconds
        elif isinstance(event, (Done, Failed)):
            result["training"] = False
            wall, cpu = result["clocks"]
            window_cpu.append((time.process_time() - cpu) / ((time.monotonic() - wall) * (os.cpu_count() or 1)))
            result["failed"] = event.message if isinstance(event, Failed) else None
            QTimer.singleShot(0, app.quit)

    timer.timeout.connect(tick)
    cycler = QTimer(interval=300)
    cycler.timeout.connect(cycle_tabs)
    window.state.run_event.connect(on_event)
    clock.start()
    timer.start()
    cycler.start()
    window.panel("Training").start_training(config)
    QTimer.singleShot(600_000, app.quit)
    app.exec()
    timer.stop()
    cycler.stop()
    window.state.run_event.disconnect(on_event)
    window.state.stop_all()
    if result.get("failed"):
        raise RuntimeError(result["failed"])
    return config.train_subset // config.batch_size * config.batch_size / result["seconds"]


def _show_every_tab_once(app, window) -> None:
    """A tab's first showing does one-time setup (Architectures summarises ResNet-50, MNIST-1D
    makes its signals, the Convolution lab loads a digit): that is not the cost of watching a
    run, so it happens before the runs are timed."""
    from .qt_settle import settle

    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        settle(app, 0.6)
    window.tabs.setCurrentIndex(0)
    settle(app, 0.6)


def mode_watch(args) -> dict:
    import numpy as np

    from ..core.data import as_float_images
    from ..qt.app import freeze_startup_objects

    app = _app()
    window = _window()
    window.resize(1400, 880)
    window.show()
    freeze_startup_objects()  # as run_app does once the window is up
    dataset = window.state.test_set("mnist")
    window.state.set_input(as_float_images(dataset.test_images[:1])[0, 0].numpy().astype(np.float32), "bench")
    config = _training_config(args, window.panel("Training"))
    _show_every_tab_once(app, window)
    headless, watched, lateness, window_cpu = [], [], [], []
    for _ in range(args.repeats):  # alternate, so drifting machine load hits both alike
        headless.append(_headless_images_per_s(config))
        watched.append(_watched_run(app, window, config, lateness, window_cpu))
    window.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"headless_images_per_s": headless, "watched_images_per_s": watched,
            "lateness_ms": lateness, "window_cpu_share": window_cpu, "model": config.model, "images": config.train_subset,
            "batch_size": config.batch_size, "log_every": config.log_every,
            "snapshot_every": config.snapshot_every, "panels": [p.title for p in window.panels],
            "peak_rss_mib": peak_kib / 1024}


@contextmanager
def training_beside(device: str, model: str = "resnet"):
    """A run training in its own process (niced, as the window's are) for as long as the block lasts;
    yields once it has taken its first step."""
    import threading

    from ..core.events import Failed, Step
    from ..core.process_run import ProcessRun
    from ..core.trainer import TrainConfig

    config = TrainConfig(model=model, device=device, epochs=50, train_subset=8_192, test_subset=1_000)
    run, stepping, failed = ProcessRun(config), threading.Event(), []

    def read() -> None:
        for event in run.events():
            if isinstance(event, Step):
                stepping.set()
            elif isinstance(event, Failed):
                failed.append(event.message)
                stepping.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stepping.wait(120)
    if failed or not stepping.is_set():
        run.kill()
        raise RuntimeError(f"the run beside did not train: {failed[0] if failed else 'no step in 120 s'}")
    try:
        yield
    finally:
        run.stop()
        reader.join(60)


def mode_draw(args) -> dict:
    """Draw & classify's latency rows (while a run trains beside the window, as the issue's target
    says), and each VAE's slider move -> repainted digit times."""
    import torch

    from ..core import models
    from ..qt.app import configure_torch_threads
    from . import draw_latency, latent_latency
    from .context import BenchContext

    _app()  # offscreen
    configure_torch_threads()  # as the window's build() does: a core left for the GUI thread
    with training_beside(args.device):
        rows = [row.as_dict() for row in draw_latency.run(BenchContext(torch.device("cpu"), quick=args.quick,
                                                                       verbose=False))]
    for row in rows:
        row["note"] += f"; while a resnet run trained beside the window on {args.device} (its own niced process)"
    moves = 50 if args.quick else 200
    sliders = {name: latent_latency.screen_latency(name, moves) for name in models.names("vae")}
    return {"rows": rows, "slider_ms": sliders}


def _resident_mib() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def mode_cycles(args) -> dict:
    """Train -> wait -> Stop, ``args.repeats`` times; the resident memory after each cycle."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    app = _app()
    window = _window()
    window.show()
    state, panel = window.state, window.panel("Training")
    panel.model_box.setCurrentIndex(max(0, panel.model_box.findData(args.model)))
    panel.device_box.setCurrentText(args.device)

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    from ..core.events import Step

    state.workers.warm_up()  # as run_app does after the first paint
    pump(args.warm_up)
    resident, first_step = [], []
    for _ in range(args.repeats):
        clicked = time.perf_counter()
        panel.train_button.click()
        run = state.selected_run()
        while run.status.active and not isinstance(run.progress, Step) and time.perf_counter() - clicked < 60:
            pump(0.005)
        first_step.append(time.perf_counter() - clicked)
        pump(args.seconds)
        panel.stop_button.click()
        while run.status.active or state.job(run.id) is not None:
            pump(0.05)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        resident.append(_resident_mib())
    runs = len(state.runs)
    window.close()
    return {"resident_mib": resident, "first_step_s": first_step, "runs": runs, "model": args.model,
            "seconds": args.seconds,
            "snapshot_mib": state.store.snapshot_bytes / 2 ** 20}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resviz.bench.gui_child")
    parser.add_argument("mode", choices=["shown", "watch", "draw", "cycles"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--model", default="resnet")
    parser.add_argument("--images", type=int, default=4_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=3.0, help="cycles: training time before Stop")
    parser.add_argument("--warm-up", type=float, default=5.0, help="cycles: seconds for the first worker to import torch")
    args = parser.parse_args(argv)
    result = {"shown": mode_shown, "watch": mode_watch, "draw": mode_draw, "cycles": mode_cycles}[args.mode](args)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
