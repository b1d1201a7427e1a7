"""Press Train on a small set, watch the curve and progress bar move, pause, stop, close."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from run_helpers import collect, setup_small_run, train_cli, wait_done

from resviz.core.events import Started, Step
from resviz.core.runs import RunStatus
from resviz.qt.worker import TrainingJob


def test_train_shows_curve_and_progress_then_stop_saves(window, qtbot, warnings_shown):
    panel = window.panel("Training")
    setup_small_run(panel)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    run = window.state.selected_run()
    assert run is not None and run.model == "cnn"
    assert panel.run_box.title() == f"Selected run: {run.name}"
    qtbot.waitUntil(panel.stop_button.isEnabled, timeout=30_000)
    qtbot.waitUntil(lambda: panel.curves.point_count() >= 3, timeout=60_000)
    # drawn at the next redraw (5 a second, later on a busy machine): wait for what the person sees
    qtbot.waitUntil(lambda: len(panel.curves.curves["raw"].getData()[0] if panel.curves.curves["raw"].getData()[0]
                                is not None else ()) >= 3, timeout=30_000)
    x, y = panel.curves.curves["raw"].getData()
    assert len(x) >= 3 and np.isfinite(y).all()  # a log axis: log10 of the loss, below 0 once the loss is under 1
    assert panel.progress.value() > 0
    assert "img/s" in panel.progress_label.text() and "ETA" in panel.progress_label.text()
    assert "CPU" in window.device_label.text()
    item = window.runs_list.item(run.id)
    assert item.text(0) == run.name and item.text(3).startswith("running")

    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    wait_done(qtbot, window, run)
    assert run.status == RunStatus.STOPPED and Path(run.checkpoint).is_file()
    assert "Stopped" in panel.progress_label.text() and not panel.stop_button.isEnabled()
    assert item.text(3) == "stopped"
    assert window.state.classifier is not None  # the final weights are there to look at
    assert not warnings_shown


def test_pause_holds_training_and_resume_continues(window, qtbot):
    panel = window.panel("Training")
    setup_small_run(panel)
    run = panel.start_training()
    events = collect(window, run.id)
    qtbot.waitUntil(lambda: sum(isinstance(e, Step) for e in events) >= 2, timeout=60_000)
    panel.pause_button.click()
    assert panel.pause_button.text() == "Resume" and run.status == RunStatus.PAUSED
    qtbot.wait(300)  # let a step already under way finish
    during = sum(isinstance(e, Step) for e in events)
    qtbot.wait(1200)
    assert sum(isinstance(e, Step) for e in events) == during  # nothing trains while paused
    assert "Paused" in panel.progress_label.text()
    assert window.runs_list.item(run.id).text(3).startswith("paused")
    panel.pause_button.click()
    qtbot.waitUntil(lambda: sum(isinstance(e, Step) for e in events) > during, timeout=20_000)
    panel.stop_button.click()
    wait_done(qtbot, window, run)


@pytest.mark.full_mnist  # the speed run trains on all 60,000 digits; the offline fallback has 4,000
def test_speed_run_button_trains_the_fastest_recipe_on_all_of_mnist(window, qtbot):
    panel = window.panel("Training")
    setup_small_run(panel)  # a different model and a subset: the button replaces both
    events = collect(window)
    qtbot.mouseClick(panel.speed_run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(e, Started) for _, e in events), timeout=60_000)
    run_id, started = next((r, e) for r, e in events if isinstance(e, Started))
    assert (started.model, started.dataset, started.epochs) == ("speedrun", "mnist", 2)
    assert started.train_size == 60_000 and started.steps_per_epoch == 60_000 // 512
    assert panel.model_name == "speedrun" and panel.batch.value() == 512
    window.state.stop(run_id)
    wait_done(qtbot, window, window.state.run(run_id))


def test_closing_mid_training_leaves_no_thread_and_saves(qtbot, settings):
    from resviz.qt.main_window import MainWindow

    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    panel = window.panel("Training")
    setup_small_run(panel, model="resnet")
    run = panel.start_training()
    events = collect(window, run.id)
    qtbot.waitUntil(lambda: any(isinstance(e, Step) for e in events), timeout=60_000)
    assert TrainingJob.running_threads()
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    assert not TrainingJob.running_threads()
    assert run.status == RunStatus.STOPPED and Path(run.checkpoint).is_file()


def test_open_checkpoint_shows_its_metrics_and_curves(window, qtbot, tmp_path, warnings_shown):
    path = tmp_path / "cnn.pt"
    accuracy = train_cli(path)["test_accuracy"]
    assert window.open_checkpoint(str(path))
    panel = window.panel("Training")
    run = window.state.selected_run()
    assert run.status == RunStatus.OPENED and run.name == "cnn"
    assert "cnn.pt" in panel.run_info.text() and f"{accuracy:.2%}" in window.runs_list.item(run.id).text(4)
    assert panel.curves.point_count() >= 5  # a CLI run reports often enough for a curve (15 steps here)
    qtbot.waitUntil(lambda: panel.curves.curves["raw"].getData()[0] is not None, timeout=30_000)  # next redraw
    (x_low, x_high), _ = panel.curves.loss_plot.viewRange()
    xs, _ = panel.curves.curves["raw"].getData()
    assert x_low <= xs.min() and x_high >= xs.max() and x_high - x_low > 5  # the whole run is in view
    assert window.state.classifier.source == str(path)
    assert not warnings_shown


def test_bad_checkpoint_shows_a_message_and_the_app_keeps_running(window, tmp_path, warnings_shown):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"\x80\x04 not a checkpoint")
    assert not window.open_checkpoint(str(bad))
    assert warnings_shown and "Cannot open checkpoint" == warnings_shown[0][0]
    assert window.isVisible() and window.state.classifier is None and not window.state.runs


def test_missing_dataset_fails_the_run_with_a_message_not_a_crash(window, qtbot, tmp_path, monkeypatch):
    from dataclasses import replace

    from resviz.core.datasets import idx

    monkeypatch.setenv("RESVIZ_DATA", str(tmp_path / "empty"))
    monkeypatch.setitem(idx.SOURCES, "fashion", replace(idx.SOURCES["fashion"], mirrors=("http://127.0.0.1:9/",)))
    panel = window.panel("Training")
    panel.dataset_box.setCurrentIndex(panel.dataset_box.findData("fashion"))
    run = panel.start_training()
    qtbot.waitUntil(lambda: run.status == RunStatus.FAILED, timeout=20_000)
    assert "FashionMNIST/raw" in run.message and "FashionMNIST/raw" in panel.progress_label.text()
    qtbot.waitUntil(lambda: window.failure is not None, timeout=5_000)
    assert "FashionMNIST/raw" in window.failure.text()
    assert panel.train_button.isEnabled()
    qtbot.waitUntil(lambda: not window.state.running_jobs(), timeout=10_000)  # its process ends after saying why


def test_settings_are_remembered_between_launches(qtbot, settings):
    from resviz.qt.main_window import MainWindow

    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    first.show()
    panel = first.panel("Training")
    panel.model_box.setCurrentIndex(panel.model_box.findData("resnet"))
    panel.epochs.setValue(7)
    panel.lr.setValue(0.0123)
    first.tabs.setCurrentIndex(3)
    first.close()
    settings.setValue("training/batch", "not a number")  # a damaged file must not break the next start
    second = MainWindow(settings=settings)
    qtbot.addWidget(second)
    panel = second.panel("Training")
    assert panel.model_name == "resnet" and panel.epochs.value() == 7 and panel.lr.value() == pytest.approx(0.0123)
    assert second.tabs.currentIndex() == 3
    assert settings.value("window/geometry") is not None and settings.value("window/state") is not None


def test_a_model_that_cannot_take_the_dataset_is_refused_before_a_run_is_made(window, warnings_shown):
    panel = window.panel("Training")
    panel.model_box.setCurrentIndex(panel.model_box.findData("cnn"))
    panel.dataset_box.setCurrentIndex(panel.dataset_box.findData("mnist1d"))
    assert panel.start_training() is None and not window.state.runs
    title, text = warnings_shown[0]
    assert title == "Cannot start training" and "cnn takes images" in text and "1×40" in text


def test_the_tensorboard_box_logs_the_run(window, qtbot, tmp_path):
    from resviz.core.tensorboard_log import tensorboard_available

    if not tensorboard_available():
        pytest.skip('needs the optional tensorboard package (pip install "resviz[tensorboard]")')
    panel = window.panel("Training")
    setup_small_run(panel, epochs=1)
    panel.tensorboard_folder = str(tmp_path / "tb")
    panel.tensorboard.setChecked(True)
    run = panel.start_training()
    wait_done(qtbot, window, run, timeout=60_000)
    files = list((tmp_path / "tb").rglob("events.out.tfevents.*"))
    assert len(files) == 1 and files[0].stat().st_size > 0 and run.name.replace(" ", "") in str(files[0])


def test_before_any_run_the_plots_are_framed_for_the_model_picked(window):
    """No run yet: the lower plot is titled for what the picked model's run will draw there."""
    panel = window.panel("Training")
    assert window.state.selected_run() is None
    panel.model_box.setCurrentIndex(panel.model_box.findData("cvae"))
    assert panel.curves.metric_plot.titleLabel.text == "Test loss terms per image (nats)"
    low, high = panel.curves.loss_plot.viewRange()[1]
    assert low <= 2 < high  # log axis: 100 nats in view, where a VAE's loss lies
    assert panel.curves.hint.scene() is not None  # still saying what will appear
    panel.model_box.setCurrentIndex(panel.model_box.findData("cnn"))
    assert panel.curves.metric_plot.titleLabel.text == "Test accuracy"
    assert panel.curves.loss_plot.viewRange()[1][1] < 1
