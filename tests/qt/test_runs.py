"""Runs as first-class objects in the window: each run stays itself.

Speed run while a VAE trains, a checkpoint opened during a live run, another model
picked after a run, two runs at once and queued runs: the Runs list, the Training
tab, the inspecting panels and History always show the run they say they show.
"""

from __future__ import annotations

import numpy as np
import pytest
from run_helpers import collect, setup_small_run, train_cli, wait_done

from resviz.core.events import Step
from resviz.core.runs import RunStatus
from resviz.core.trainer import TrainConfig


def small(model="cnn", **overrides) -> TrainConfig:
    settings = dict(device="cpu", epochs=2, batch_size=64, train_subset=2_000, test_subset=300, log_every=2,
                    snapshot_every=4)
    return TrainConfig.for_model(model, **{**settings, **overrides})


def test_speed_run_while_a_vae_trains_queues_and_never_takes_it_over(window, qtbot):
    state, panel = window.state, window.panel("Training")
    state.parallel_runs = 1  # a 2-core laptop
    vae = state.start_run(small("vae", epochs=3))
    vae_events = collect(window, vae.id)
    qtbot.waitUntil(lambda: sum(isinstance(e, Step) for e in vae_events) >= 2, timeout=60_000)
    speed = panel.speed_run()
    assert speed.id != vae.id and speed.status == RunStatus.QUEUED and vae.status == RunStatus.RUNNING
    assert speed.message.startswith(f"Queued: starts when “{vae.name}” ends")  # then roughly how long
    assert state.selected_id == speed.id and panel.progress.text() == "queued"
    assert window.runs_list.item(speed.id).text(3) == "queued"
    assert panel.train_button.isEnabled() and panel.speed_run_button.isEnabled()  # they only ever add runs
    state.select(vae.id)  # the VAE's own progress, under its own header
    assert panel.run_box.title() == f"Selected run: {vae.name}" and "Seed-style compact, 8-D (vae)" in panel.run_info.text()
    steps_before = vae.progress.step
    qtbot.waitUntil(lambda: vae.progress.step > steps_before, timeout=30_000)  # it kept training
    state.stop(speed.id)  # out of the queue
    assert speed.status == RunStatus.STOPPED and state.job(speed.id) is None
    state.stop(vae.id)
    wait_done(qtbot, window, vae)
    assert vae.status == RunStatus.STOPPED and vae.model == "vae"


def test_a_queued_run_starts_when_the_running_one_ends(window, qtbot):
    state = window.state
    state.parallel_runs = 1
    first = state.start_run(small(epochs=1))
    second = state.start_run(small(epochs=1, seed=1))
    assert second.status == RunStatus.QUEUED
    wait_done(qtbot, window, first, timeout=60_000)
    qtbot.waitUntil(lambda: second.status != RunStatus.QUEUED, timeout=10_000)
    wait_done(qtbot, window, second, timeout=60_000)
    assert first.status == second.status == RunStatus.DONE
    assert first.checkpoint != second.checkpoint


def test_two_runs_train_at_once_and_their_curves_overlay(window, qtbot):
    state, panel = window.state, window.panel("Training")
    state.parallel_runs = 1
    first = state.start_run(small(epochs=3))
    second = state.start_run(small("resnet", epochs=3), alongside=True)
    assert second.status != RunStatus.QUEUED
    qtbot.waitUntil(lambda: len(first.curves.steps["loss"]) >= 3 and len(second.curves.steps["loss"]) >= 3,
                    timeout=90_000)
    assert state.job(first.id) is not None and state.job(second.id) is not None
    window.runs_list.item(first.id).setCheckState(0, window.runs_list.item(first.id).checkState(0).Checked)
    assert state.ticked == {first.id} and state.selected_id == second.id
    def legend_names():
        return [item.text for _, item in panel.curves.loss_legend.items]

    def overlaid_points():
        curve = panel.curves.curves.get(f"other:{first.id}")
        xs = curve.getData()[0] if curve is not None else None
        return 0 if xs is None else len(xs)

    qtbot.waitUntil(lambda: f"train loss · {first.name}" in legend_names() and overlaid_points() >= 3,
                    timeout=30_000)  # at the next redraw (5 a second; later on a busy machine)
    assert f"train loss · {second.name}" in legend_names()

    filters = window.panel("Filters")
    window.tabs.setCurrentWidget(filters)
    qtbot.waitUntil(lambda: filters.history.run_id == second.id and "step" in filters.heading.text(), timeout=10_000)
    assert filters._layers[0][0] == "features.0.conv"  # the selected run's own model (a ResNet)
    state.select(first.id)
    qtbot.waitUntil(lambda: filters.history.run_id == first.id, timeout=10_000)
    assert filters._layers[0][0] == "layer1.0"  # now the CNN's
    assert first.name in filters.history.label.text()
    for run in (first, second):
        state.stop(run.id)
    for run in (first, second):
        wait_done(qtbot, window, run)


def test_open_checkpoint_during_a_live_run_then_history_and_live(window, qtbot, tmp_path):
    path = tmp_path / "opened.pt"
    train_cli(path)
    state = window.state
    live = state.start_run(small(epochs=4))
    qtbot.waitUntil(lambda: len(live.snapshots) >= 3, timeout=60_000)
    assert window.open_checkpoint(str(path))
    opened = state.selected_run()
    filters = window.panel("Filters")
    window.tabs.setCurrentWidget(filters)
    qtbot.waitUntil(lambda: filters.history.run_id == opened.id, timeout=5_000)
    assert "opened" in filters.history.label.text() and not filters.history.slider.isEnabled()  # its one snapshot
    filters.history.go_live()
    assert state.replica(opened.id).source == str(path)
    assert filters.history.run_id == opened.id  # Live returns to the opened run, not the live one
    shown = filters.mosaic()
    qtbot.wait(1500)  # the live run sends snapshots meanwhile
    np.testing.assert_array_equal(filters.mosaic(), shown)  # still the opened run's kernels
    state.select(live.id)
    qtbot.waitUntil(lambda: filters.history.run_id == live.id, timeout=5_000)
    filters.history.slider.setValue(0)
    assert state.history_index(live.id) == 0 and state.history_index(opened.id) is None
    assert "step 0" in filters.heading.text()
    state.stop(live.id)
    wait_done(qtbot, window, live)


def test_picking_another_model_after_a_run_keeps_the_run_as_it_was(window, qtbot):
    panel = window.panel("Training")
    setup_small_run(panel, epochs=1)
    run = panel.start_training()
    wait_done(qtbot, window, run, timeout=60_000)
    info = panel.run_info.text()
    panel.model_box.setCurrentIndex(panel.model_box.findData("vae"))
    assert panel.run_info.text() == info and panel.run_box.title() == f"Selected run: {run.name}"
    assert "Finished" in panel.progress_label.text()
    second = panel.start_training()
    assert second.model == "vae" and run.model == "cnn" and state_names(window) == [run.name, second.name]
    window.state.stop(second.id)
    wait_done(qtbot, window, second, timeout=60_000)


def state_names(window):
    return [r.name for r in window.state.runs]


def test_rename_and_remove_from_the_runs_list(window, qtbot):
    from resviz.core import models
    from resviz.core.replica import ModelReplica

    state = window.state
    run = state.show_model(ModelReplica("cnn", {}, models.build("cnn").eval()))
    item = window.runs_list.item(run.id)
    item.setText(0, "  my   first cnn ")
    assert run.name == "my first cnn" and window.runs_list.item(run.id).text(0) == "my first cnn"
    item.setText(0, "   ")
    assert run.name == "my first cnn" and item.text(0) == "my first cnn"  # an empty name is refused
    state.remove(run.id)
    assert window.runs_list.item(run.id) is None and state.selected_id is None and state.classifier is None


@pytest.mark.parametrize("count", [3])
def test_finished_runs_let_go_of_their_trainer_model_and_data(window, qtbot, count):
    import gc
    import weakref

    state = window.state
    trainers = []
    for seed in range(count):
        run = state.start_run(small(epochs=1, seed=seed, train_subset=512))
        qtbot.waitUntil(lambda run=run: state.job(run.id) is not None, timeout=30_000)  # after its data has loaded
        trainers.append(weakref.ref(state.job(run.id).trainer))
        wait_done(qtbot, window, run, timeout=60_000)
    qtbot.wait(50)  # deleteLater runs on the next event-loop pass
    gc.collect()
    assert all(ref() is None for ref in trainers)
