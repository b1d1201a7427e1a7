"""The window's runs train in processes of their own: a killed one fails with its reason and keeps its
weights, the window and the other runs go on, and each run leaves a folder anyone can follow."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from run_helpers import collect, wait_done

from resviz.core.checkpoints import load_checkpoint
from resviz.core.events import Snapshot, Step
from resviz.core.run_folder import RunFolderReader
from resviz.core.runs import RunStatus
from resviz.core.trainer import TrainConfig


def small(**overrides) -> TrainConfig:
    settings = dict(device="cpu", epochs=30, batch_size=64, train_subset=2_000, test_subset=300, log_every=2,
                    snapshot_every=4)
    return TrainConfig.for_model("cnn", **{**settings, **overrides})


def test_a_killed_training_process_fails_its_run_and_nothing_else(window, qtbot):
    state = window.state
    doomed = state.start_run(small(), alongside=True, name="doomed")
    survivor = state.start_run(small(epochs=1, seed=1), alongside=True, name="survivor")
    doomed_events = collect(window, doomed.id)
    qtbot.waitUntil(lambda: any(isinstance(e, Snapshot) and e.step > 0 for e in doomed_events), timeout=120_000)
    pid = state.job(doomed.id).pid
    assert pid != os.getpid()
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: doomed.status == RunStatus.FAILED, timeout=30_000)
    assert f"The training process (pid {pid}) was killed by signal 9 (SIGKILL)" in doomed.message
    # what it had learned is not lost: its newest snapshot became its checkpoint
    step = doomed.snapshots[-1].step
    assert f"weights at step {step} were saved to" in doomed.message and Path(doomed.checkpoint).is_file()
    assert load_checkpoint(doomed.checkpoint).meta["step"] == step
    assert window.isVisible() and "killed by signal 9" in window.statusBar().currentMessage()
    wait_done(qtbot, window, survivor, timeout=120_000)
    assert survivor.status == RunStatus.DONE and Path(survivor.checkpoint).is_file()


def test_a_window_run_writes_a_run_folder_that_reads_as_the_same_run(window, qtbot):
    state = window.state
    run = state.start_run(small(epochs=1))
    wait_done(qtbot, window, run, timeout=120_000)
    folder = Path(run.folder)
    assert folder.parent.name == "runs" and folder.is_dir()
    followed = RunFolderReader(folder).poll()
    steps = [e.step for e in followed if isinstance(e, Step)]
    assert steps and steps[-1] == run.progress.step
    assert type(followed[-1]).__name__ == "Done" and followed[-1].checkpoint == run.checkpoint
    assert load_checkpoint(run.checkpoint).meta["name"] == run.name  # File ▸ Open calls it what the window did


def test_processes_2_trains_one_run_in_two_processes_and_stop_saves(window, qtbot):
    from run_helpers import setup_small_run

    panel, state = window.panel("Training"), window.state
    setup_small_run(panel, epochs=1)
    panel.processes.setValue(2)
    assert panel.processes.suffix() == " processes"
    run = panel.start_training()
    assert run.processes == 2 and len(state.runs) == 1
    qtbot.waitUntil(lambda: run.started is not None, timeout=120_000)
    assert run.started.world_size == 2 and run.started.batch_size == panel.batch.value() // 2
    assert panel.stop_button.isEnabled() and not panel.pause_button.isEnabled()  # the processes stop, never pause
    assert f"2 processes, {panel.batch.value() // 2} images each a step" in panel.run_info.text()
    wait_done(qtbot, window, run, timeout=180_000)
    assert run.status == RunStatus.DONE and Path(run.checkpoint).is_file()
    assert run.headline[1] > 0.5  # it learned: 2,000 digits, one epoch
    assert run.snapshots and state.classifier is not None  # the panels look at it like any run
    assert len(state.runs) == 1


def test_stop_ends_every_process_of_a_two_process_run(window, qtbot):
    state = window.state
    run = state.start_run(small(), processes=2)
    qtbot.waitUntil(lambda: run.progress is not None, timeout=120_000)
    state.stop(run.id)
    wait_done(qtbot, window, run, timeout=60_000)
    assert run.status == RunStatus.STOPPED and Path(run.checkpoint).is_file()
