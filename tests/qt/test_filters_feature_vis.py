"""Filters ▸ What each channel wants to see: a grid of optimised inputs for a small trained run, with Cancel."""

from __future__ import annotations

import pytest
from trained_digits import one_thread, trained_cnn

from resviz.core.replica import ModelReplica
from resviz.qt.panels.filters import FiltersPanel
from resviz.qt.state import AppState
from resviz.qt.widgets.feature_vis_view import CLASSES, WAITING


@pytest.fixture
def panel(qtbot):
    with one_thread():
        model, _ = trained_cnn()
    widget = FiltersPanel(AppState())
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.wants.steps.setValue(60)  # quick pictures; the debounced setting change is what a person makes
    yield widget, model
    widget.wants.cancel()
    qtbot.waitUntil(lambda: not widget.wants.busy, timeout=60_000)


def test_the_view_waits_for_a_model_then_draws_a_picture_per_channel_with_its_numbers(panel, qtbot):
    widget, model = panel
    assert widget.wants.status.text() == WAITING and widget.wants.gallery.count() == 0
    with one_thread():
        widget.state.show_model(ModelReplica("cnn", {}, model))
        qtbot.waitUntil(lambda: widget.wants.gallery.count() == 16 and not widget.wants.busy, timeout=120_000)
    captions = widget.wants.captions()
    assert captions[0].startswith("#0 act ") and " · best test digit " in captions[0]
    assert all("✗" not in caption for caption in captions)  # every channel beats the best of 1,000 test digits
    assert "16 of 16 beat every test digit" in widget.wants.status.text()
    tip = widget.wants.gallery.item(3).toolTip()
    assert "channel 3 of layer1.0" in tip and "1,000 test digits" in tip

    widget.layer_list.setCurrentRow(1)  # the second conv: 32 channels
    with one_thread():
        qtbot.waitUntil(lambda: widget.wants.gallery.count() == 32 and not widget.wants.busy, timeout=120_000)
        widget.wants.mode.setCurrentIndex(widget.wants.mode.findData(CLASSES))
        qtbot.waitUntil(lambda: widget.wants.gallery.count() == 10 and not widget.wants.busy, timeout=120_000)
    assert widget.wants.captions()[7].startswith("class 7 act ")


def test_cancel_stops_the_computation_and_says_so(panel, qtbot):
    widget, model = panel
    widget.wants.steps.setValue(2000)  # long enough to be running when Cancel is pressed
    with one_thread():
        widget.state.show_model(ModelReplica("cnn", {}, model))
        qtbot.waitUntil(lambda: widget.wants.busy and widget.wants.cancel_button.isVisible(), timeout=30_000)
        qtbot.waitUntil(lambda: "step" in widget.wants.progress.format(), timeout=60_000)
        widget.wants.cancel_button.click()
        qtbot.waitUntil(lambda: not widget.wants.busy, timeout=60_000)
    assert widget.wants.status.text().startswith("Cancelled")
    assert widget.wants.gallery.count() == 0 and not widget.wants.progress.isVisible()


def test_while_the_run_trains_each_unit_climbs_once_and_the_status_says_so(panel, qtbot):
    """A passing snapshot of a training run is not worth the restarts (they can triple the work and it
    costs the trainer its CPU); when the run ends the pictures are made again with them."""
    from resviz.core.runs import RunStatus

    widget, model = panel
    run = widget.state.show_model(ModelReplica("cnn", {}, model))
    with one_thread():
        qtbot.waitUntil(lambda: widget.wants.gallery.count() == 16 and not widget.wants.busy, timeout=120_000)
    assert "one climb each" not in widget.wants.status.text()
    run.status = RunStatus.RUNNING
    with one_thread():
        widget.state.show_model(ModelReplica("cnn", {}, model, step=5), into=run.id)
        qtbot.waitUntil(lambda: "step 5 " in widget.wants.status.text() and not widget.wants.busy, timeout=120_000)
    assert widget.wants.pictures is not None and "one climb each while the run trains" in widget.wants.status.text()
