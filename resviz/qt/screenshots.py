"""Screenshots of every tab mid-training, for the README and for looking at the app.

    python -m resviz.qt.screenshots --out assets/ [--images 10000] [--model resnet]

Opens the real main window (run it under ``xvfb-run`` or with a display; it also works
with ``QT_QPA_PLATFORM=offscreen``), starts training on CPU, and when training is
under way grabs each tab to ``<out>/<tab>.png``. The README's pictures, each staged as its caption
says, come from ``python -m resviz.qt.readme_pictures``.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="assets")
    parser.add_argument("--model", default="resnet")
    parser.add_argument("--images", type=int, default=10_000, help="training images for the run")
    parser.add_argument("--wait-steps", type=int, default=60, help="grab after this many steps")
    parser.add_argument("--tabs", nargs="*", help="tab titles to grab (default: all)")
    parser.add_argument("--size", default="1400x880", help="window size WxH (the app opens at 1280x820)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))

    from PySide6.QtCore import QTimer

    from ..core.events import Step
    from .app import create_app
    from .main_window import MainWindow
    from .settings import Settings

    app = create_app()
    window = MainWindow(settings=Settings.throwaway())
    window.resize(width, height)
    window.show()
    panel = window.panel("Training")
    panel.model_box.setCurrentIndex(panel.model_box.findData(args.model))
    panel.device_box.setCurrentText("cpu")
    panel.epochs.setValue(2)
    if panel.subset.findData(args.images) >= 0:  # show the run's size in the form when it offers it
        panel.subset.setCurrentIndex(panel.subset.findData(args.images))
    config = panel.config()
    config.train_subset = args.images
    panel.start_training(config)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    steps = []

    def grab_all():
        for index, tab in enumerate(window.panels):
            if args.tabs and tab.title not in args.tabs:
                continue
            window.tabs.setCurrentIndex(index)
            for _ in range(20):
                app.processEvents()
            name = tab.title.lower().replace(" ", "_").replace("&", "")
            window.grab().save(str(out / f"{name}.png"))
            print(out / f"{name}.png")
        window.close()

    def on_event(kind, event):
        if isinstance(event, Step):
            steps.append(event.step)
            if len(steps) == args.wait_steps // max(config.log_every, 1):
                QTimer.singleShot(300, grab_all)

    window.state.run_event.connect(on_event)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
