"""Following a run folder that another process writes: the window shows it live, as TensorBoard follows logs.

The tests write the folder themselves with ``RunFolderWriter``, in steps, from the events of
a tiny real training, while the window follows it: the curve gains points, a snapshot
reaches Filters, Done ends the run and the reading; a writer that died without finishing
is said so; a folder that is not a run folder is refused with the reason.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from resviz.core.data import load_dataset
from resviz.core.events import Done, Snapshot, Started, Step
from resviz.core.run_folder import RUN_FILE, RunFolderWriter
from resviz.core.runs import Following, RunStatus
from resviz.core.trainer import TrainConfig, Trainer
from resviz.qt.follower import FolderNews, following_caption, stalled_reason


@pytest.fixture(scope="module")
def events():
    """The events of a tiny real training: Started, snapshots every 4 steps, 8 steps, an epoch, Done."""
    config = TrainConfig(model="cnn", device="cpu", epochs=1, batch_size=64, train_subset=512, test_subset=200,
                         log_every=2, snapshot_every=4)
    return list(Trainer(config, load_dataset("mnist").subset(600, 200)).fit())


def upto(events, kind, count=1):
    """The index after the ``count``-th event of type ``kind``."""
    seen = 0
    for index, event in enumerate(events):
        seen += isinstance(event, kind)
        if seen == count:
            return index + 1
    raise AssertionError(f"fewer than {count} {kind.__name__} events")


def drawn(panel) -> int:
    xs = panel.curves.curves["raw"].getData()[0]
    return 0 if xs is None else len(xs)


def followed_run(window, qtbot):
    qtbot.waitUntil(lambda: window.state.selected_run() is not None
                    and window.state.selected_run().following is not None, timeout=10_000)
    return window.state.selected_run()


def test_the_window_follows_a_folder_as_it_is_written(window, qtbot, tmp_path, events):
    state, training, filters = window.state, window.panel("Training"), window.panel("Filters")
    folder = tmp_path / "cluster-job"
    writer = RunFolderWriter(folder)
    first_steps = upto(events, Step, 2)
    for event in events[:first_steps]:
        writer.write(event)
    assert window.follow_run_folder(str(folder))
    run = followed_run(window, qtbot)
    assert run.name == "cluster-job" and run.model == "cnn" and run.source == str(folder.resolve())
    qtbot.waitUntil(lambda: drawn(training) == 2, timeout=10_000)
    assert run.status == RunStatus.RUNNING and state.following(run.id)
    caption = training.run_info.text().replace("\u200b", "")
    assert f"following {folder.resolve()} · last update" in caption and "s ago" in caption
    assert "following" in window.runs_list.item(run.id).toolTip(0)
    for button in (training.pause_button, training.stop_button):  # it trains elsewhere: not from here
        assert not button.isEnabled() and "another process" in button.toolTip()

    window.tabs.setCurrentWidget(filters)
    qtbot.waitUntil(lambda: "step 0" in filters.heading.text(), timeout=10_000)

    done = upto(events, Done)
    for event in events[first_steps:done - 1]:
        writer.write(event)
    steps = sum(isinstance(e, Step) for e in events)
    last = [e for e in events if isinstance(e, Snapshot)][-1]
    qtbot.waitUntil(lambda: len(run.curves.steps["loss"]) == steps, timeout=10_000)
    qtbot.waitUntil(lambda: f"step {last.step}" in filters.heading.text(), timeout=10_000)
    kernels = last.state["layer1.0.weight"][:, 0]
    assert np.nanmax(np.abs(filters.mosaic())) == pytest.approx(np.abs(kernels).max(), rel=1e-5)
    assert state.classifier.step == last.step  # Draw & classify, Feature maps and Evaluation use this model
    assert run.status == RunStatus.RUNNING and run.curves.epochs

    writer.write(events[done - 1])
    writer.close()
    qtbot.waitUntil(lambda: run.status == RunStatus.DONE, timeout=10_000)
    assert not state.following(run.id) and not run.following.polling
    window.tabs.setCurrentWidget(training)
    qtbot.waitUntil(lambda: drawn(training) == steps, timeout=10_000)
    assert "followed" in training.run_info.text() and training.progress.text() == "done"


def test_a_writer_that_died_without_finishing_is_said_so(window, qtbot, tmp_path, events):
    folder = tmp_path / "crashed"
    with RunFolderWriter(folder) as writer:
        for event in events[:upto(events, Step, 2)]:
            writer.write(event)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    info = json.loads((folder / RUN_FILE).read_text())
    (folder / RUN_FILE).write_text(json.dumps({**info, "pid": gone.pid, "pid_start": None}))

    assert window.follow_run_folder(str(folder))
    run = followed_run(window, qtbot)
    training = window.panel("Training")
    qtbot.waitUntil(lambda: "the writer stopped without finishing" in training.run_info.text(), timeout=10_000)
    assert "(last update" in training.run_info.text()
    assert run.status == RunStatus.RUNNING  # as it was: nobody knows how it ended
    assert "the writer stopped without finishing" in window.runs_list.item(run.id).toolTip(3)
    assert window.state.following(run.id)  # still read, slowly, in case it resumes
    window.state.remove(run.id)  # letting go of it stops the reading
    assert not window.state.following(run.id)


def test_a_folder_that_is_not_a_run_folder_is_refused_with_the_reason(window, tmp_path, warnings_shown):
    (tmp_path / "notes.txt").write_text("hello")
    assert not window.follow_run_folder(str(tmp_path))
    assert warnings_shown and warnings_shown[0][0] == "Cannot follow run folder"
    assert "not a resviz run folder" in warnings_shown[0][1]
    assert not window.state.runs


def test_file_open_run_folder_follows_the_chosen_folder_and_remembers_it(window, qtbot, tmp_path, events,
                                                                         monkeypatch):
    folder = tmp_path / "from-the-menu"
    with RunFolderWriter(folder) as writer:
        for event in events[:upto(events, Started)]:
            writer.write(event)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(folder))
    file_menu = window.menuBar().actions()[0].menu()
    action = next(a for a in file_menu.actions() if a.text() == "Open run &folder…")
    assert action.shortcut().toString() == "Ctrl+Shift+O"
    action.trigger()
    run = followed_run(window, qtbot)
    assert run.name == "from-the-menu"
    assert window._recent()[0] == str(folder.resolve())
    assert window.follow_run_folder(str(folder)) and window.state.runs == [run]  # the same folder: the same run

    window.state.remove(run.id)
    window._fill_recent_menu()
    recent = window.recent_menu.actions()[0]
    assert recent.text() == "from-the-menu/ (run folder)" and recent.isEnabled()
    recent.trigger()  # a recent folder is followed again
    again = followed_run(window, qtbot)
    assert again.id != run.id and window.state.following(again.id)
    window.close()  # closing only stops the reading: another process trains it
    assert not window.state.following(again.id)


def test_a_quiet_writer_is_said_to_have_stopped_after_ten_minutes():
    now = 10_000.0
    quiet = FolderNews([], now - 700, False, None)
    assert stalled_reason(quiet, now).startswith("no update for 10 minutes")
    assert stalled_reason(FolderNews([], now - 700, False, True), now).startswith("the writer's process runs")
    assert stalled_reason(FolderNews([], now - 5, False, None), now) == ""
    assert stalled_reason(FolderNews([], now - 5, False, False), now) == "the writer stopped without finishing"
    assert stalled_reason(FolderNews([], now - 5000, True, False), now) == ""  # it ended: nothing is wrong
    following = Following("/runs/a", last_update=now - 720, stalled="the writer stopped without finishing")
    assert following_caption(following, now) == "following /runs/a · the writer stopped without finishing " \
                                                "(last update 12 min ago)"
    assert following_caption(Following("/runs/a", last_update=now - 3), now) == \
        "following /runs/a · last update 3 s ago"
