"""Press Train on a small set, watch the curve and progress bar move, pause, stop, close."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from resviz.core.events import Done, Started, Step
from resviz.qt.worker import TrainingJob


def _setup_small_run(panel, model="cnn"):
    panel.model_box.setCurrentIndex(panel.model_box.findData(model))
    panel.subset.setCurrentIndex(panel.subset.findData(2_000))
    panel.device_box.setCurrentText("cpu")
    panel.epochs.setValue(2)


def _collect(window, kind="classifier"):
    events = []
    window.state.event.connect(lambda k, e: events.append(e) if k == kind else None)
    return events


def test_train_shows_curve_and_progress_then_stop_saves(window, qtbot, warnings_shown):
    panel = window.panel("Training")
    _setup_small_run(panel)
    events = _collect(window)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert not panel.train_button.isEnabled()  # no second run while this one loads or trains
    qtbot.waitUntil(panel.stop_button.isEnabled, timeout=30_000)
    qtbot.waitUntil(lambda: panel.curves["classifier"].point_count() >= 3, timeout=60_000)
    qtbot.wait(100)  # one redraw tick
    x, y = panel.curves["classifier"].curves["train"].getData()
    assert len(x) >= 3 and (y > 0).all()
    assert panel.progress.value() > 0
    assert "img/s" in panel.progress_label.text() and "ETA" in panel.progress_label.text()
    assert "CPU" in window.device_label.text()

    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(e, Done) for e in events), timeout=10_000)
    done = next(e for e in events if isinstance(e, Done))
    assert done.stopped and Path(done.checkpoint).is_file()
    qtbot.waitUntil(lambda: panel.train_button.isEnabled(), timeout=5_000)
    assert "Stopped" in panel.progress_label.text()
    assert window.state.classifier is not None  # the final weights are there to look at
    assert not warnings_shown


def test_pause_holds_training_and_resume_continues(window, qtbot):
    panel = window.panel("Training")
    _setup_small_run(panel)
    events = _collect(window)
    panel.train_button.click()
    qtbot.waitUntil(lambda: sum(isinstance(e, Step) for e in events) >= 2, timeout=60_000)
    panel.pause_button.click()
    assert panel.pause_button.text() == "Resume"
    qtbot.wait(300)  # let a step already under way finish
    during = sum(isinstance(e, Step) for e in events)
    qtbot.wait(1200)
    assert sum(isinstance(e, Step) for e in events) == during  # nothing trains while paused
    assert "Paused" in panel.progress_label.text()
    panel.pause_button.click()
    qtbot.waitUntil(lambda: sum(isinstance(e, Step) for e in events) > during, timeout=20_000)
    panel.stop_button.click()
    qtbot.waitUntil(lambda: any(isinstance(e, Done) for e in events), timeout=10_000)


def test_speed_run_button_trains_the_fastest_recipe_on_all_of_mnist(window, qtbot):
    panel = window.panel("Training")
    _setup_small_run(panel)  # a different model and a subset: the button replaces both
    events = _collect(window)
    qtbot.mouseClick(panel.speed_run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(e, Started) for e in events), timeout=60_000)
    started = next(e for e in events if isinstance(e, Started))
    assert (started.model, started.dataset, started.epochs) == ("speedrun", "mnist", 2)
    assert started.train_size == 60_000 and started.steps_per_epoch == 60_000 // 512
    assert panel.model_name == "speedrun" and panel.batch.value() == 512
    assert not panel.speed_run_button.isEnabled() and not panel.train_button.isEnabled()
    panel.stop_button.click()
    qtbot.waitUntil(lambda: any(isinstance(e, Done) for e in events), timeout=20_000)
    qtbot.waitUntil(panel.speed_run_button.isEnabled, timeout=5_000)


def test_closing_mid_training_leaves_no_thread(qtbot):
    from resviz.qt.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    panel = window.panel("Training")
    _setup_small_run(panel, model="resnet")
    events = _collect(window)
    panel.train_button.click()
    qtbot.waitUntil(lambda: any(isinstance(e, Step) for e in events), timeout=60_000)
    assert TrainingJob.running_threads()
    window.close()
    assert not TrainingJob.running_threads()


def test_open_checkpoint_shows_its_metrics_and_curves(window, qtbot, tmp_path, warnings_shown):
    import json
    import subprocess
    import sys

    path = tmp_path / "cnn.pt"
    out = subprocess.run([sys.executable, "-m", "resviz", "train", "--model", "cnn", "--epochs", "1",
                          "--device", "cpu", "--train-subset", "1000", "--test-subset", "300",
                          "--out", str(path)], capture_output=True, text=True, timeout=300)
    accuracy = json.loads(out.stdout.splitlines()[-1])["test_accuracy"]
    assert window.open_checkpoint(str(path))
    panel = window.panel("Training")
    assert "cnn.pt" in panel.run_info.text() and f"{accuracy:.2%}" in panel.run_info.text()
    assert panel.curves["classifier"].point_count() > 0
    assert window.state.classifier.source == str(path)
    assert not warnings_shown


def test_bad_checkpoint_shows_a_message_and_the_app_keeps_running(window, tmp_path, warnings_shown):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x80\x04 not a checkpoint")
    assert not window.open_checkpoint(str(bad))
    assert warnings_shown and "Cannot open checkpoint" == warnings_shown[0][0]
    assert window.isVisible() and window.state.classifier is None


def test_missing_dataset_is_a_message_not_a_crash(window, qtbot, tmp_path, monkeypatch, warnings_shown):
    from dataclasses import replace

    from resviz.core.datasets import idx

    monkeypatch.setenv("RESVIZ_DATA", str(tmp_path / "empty"))
    monkeypatch.setitem(idx.SOURCES, "fashion", replace(idx.SOURCES["fashion"], mirrors=("http://127.0.0.1:9/",)))
    panel = window.panel("Training")
    panel.dataset_box.setCurrentIndex(panel.dataset_box.findData("fashion"))
    panel.train_button.click()
    qtbot.waitUntil(lambda: bool(warnings_shown), timeout=20_000)
    title, text = warnings_shown[0]
    assert title == "Cannot load the dataset" and "FashionMNIST/raw" in text
    assert panel.train_button.isEnabled() and not window.state.running_jobs()
