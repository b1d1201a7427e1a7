"""Run by test_closing.py in a fresh process: open the window, start slow work, close it mid-way.

``python closing_script.py slow-step`` trains with one 8-second step (tests/qt/slow_step, on
PYTHONPATH, makes it in the training process) and closes the window during it; ``python closing_script.py kmeans`` starts a k-means run and closes 0.3 s in;
``python closing_script.py keep`` starts a run, ticks File ▸ Keep training when I close, and closes
at its second step (the run's process must train on: the test follows its run folder).
The process must then exit 0 on its own, with no Qt abort and no traceback.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    mode = sys.argv[1]
    from PySide6.QtCore import QSettings, QTimer

    from resviz.core.events import Step
    from resviz.core.trainer import TrainConfig
    from resviz.qt.app import create_app
    from resviz.qt.main_window import MainWindow

    app = create_app()
    window = MainWindow(settings=QSettings(os.path.join(os.environ["XDG_CONFIG_HOME"], "r.ini"),
                                           QSettings.Format.IniFormat))
    window.show()
    if mode == "keep":
        config = TrainConfig.for_model("cnn", device="cpu", epochs=30, batch_size=64, train_subset=2_000,
                                       test_subset=300, log_every=1)  # 930 steps: it outlasts the test
        run = window.state.start_run(config)
        window.keep_training_action.trigger()

        def on_event(run_id, event):
            if isinstance(event, Step) and event.step == 2:
                QTimer.singleShot(0, window.close)

        window.state.run_event.connect(on_event)
    elif mode == "slow-step":  # the training process's 4th loss call takes 8 s (slow_step/sitecustomize.py)
        config = TrainConfig.for_model("cnn", device="cpu", epochs=1, batch_size=64, train_subset=2_000,
                                       test_subset=300, log_every=1, snapshot_every=0)
        run = window.state.start_run(config)

        def on_event(run_id, event):
            if isinstance(event, Step) and event.step == 2:
                QTimer.singleShot(200, window.close)  # during the slow 4th step's wait

        window.state.run_event.connect(on_event)
    else:
        clusters = window.panel("Clusters")
        window.tabs.setCurrentWidget(clusters)
        clusters.source_box.setCurrentIndex(clusters.source_box.findData("pixels"))
        clusters.size_box.setCurrentIndex(clusters.size_box.count() - 1)
        QTimer.singleShot(100, clusters.run)
        QTimer.singleShot(400, window.close)
    started = time.monotonic()
    code = app.exec()
    print(f"exit {code} after {time.monotonic() - started:.1f} s")
    if mode == "slow-step":
        print(f"status {run.status.value} checkpoint {run.checkpoint}")
    return code


if __name__ == "__main__":
    sys.exit(main())
