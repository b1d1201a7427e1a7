"""While a run trains on this machine, a panel's redraw for a newer snapshot waits for the window's
CPU budget (core/cpu_budget.py via AppState.refresh_wait); what a person does never waits."""

import time

import pytest
import torch

from resviz.core import models
from resviz.core.cpu_budget import CpuBudget
from resviz.core.replica import ModelReplica
from resviz.core.runs import RunStatus
from resviz.qt.panels.base import Panel, classifies
from resviz.qt.state import AppState


class CountingPanel(Panel):
    title = "counting"
    shows = staticmethod(classifies)

    def __init__(self, state):
        super().__init__(state)
        self.refreshed = 0

    def refresh(self):
        self.refreshed += 1


def cnn(step):
    torch.manual_seed(step)
    return ModelReplica("cnn", {}, models.build("cnn").eval(), step=step)


@pytest.fixture
def training(qtbot, monkeypatch):
    """A panel shown on a run that trains here, and the window's CPU clock to spend."""
    state = AppState()
    run = state.show_model(cnn(0))
    run.status = RunStatus.RUNNING
    monkeypatch.setattr(state, "training_runs", lambda: [run])
    spent = {"cpu": 0.0}
    state.cpu_budget = CpuBudget(0.05, cores=2, burst_s=0, cpu=lambda: spent["cpu"])
    panel = CountingPanel(state)
    qtbot.addWidget(panel)
    panel.show()
    panel._check_shown_model()
    return state, run, panel, spent


def test_a_newer_snapshot_waits_while_the_window_is_over_its_share(qtbot, training):
    state, run, panel, spent = training
    before = panel.refreshed
    spent["cpu"] += 0.04  # the window just used 0.04 core-s: 0.4 s at 0.1 core-s per second
    started = time.monotonic()
    state.show_model(cnn(1), into=run.id)
    assert panel.refreshed == before  # not yet
    qtbot.waitUntil(lambda: panel.refreshed == before + 1, timeout=5_000)
    assert time.monotonic() - started >= 0.3


def test_within_its_share_the_newer_snapshot_is_drawn_at_once(training):
    state, run, panel, _spent = training
    before = panel.refreshed
    time.sleep(0.05)
    state.show_model(cnn(1), into=run.id)
    assert panel.refreshed == before + 1


def test_moving_history_never_waits(training):
    state, run, panel, spent = training
    state.show_model(cnn(1), into=run.id)
    spent["cpu"] += 10.0
    before = panel.refreshed
    state.show_snapshot(run.id, 0)  # the person drags the History slider
    assert panel.refreshed == before + 1


def test_a_run_that_ends_draws_its_last_snapshot_at_once(training):
    state, run, panel, spent = training
    spent["cpu"] += 10.0
    before = panel.refreshed
    state.show_model(cnn(1), into=run.id)
    assert panel.refreshed == before
    run.status = RunStatus.DONE
    state.run_changed.emit(run.id, {"status"})
    assert panel.refreshed == before + 1


def test_a_hidden_tab_shown_again_waits_only_for_newer_weights_of_what_it_drew(qtbot, training):
    state, run, panel, spent = training
    panel.hide()
    state.show_model(cnn(1), into=run.id)
    spent["cpu"] += 0.04
    before = panel.refreshed
    panel.show()  # it shows this run at an older snapshot: the newer one waits its turn
    assert panel.refreshed == before
    qtbot.waitUntil(lambda: panel.refreshed == before + 1, timeout=5_000)
    panel.hide()
    other = state.show_model(cnn(2))  # a different run selected: shown at once, budget or not
    spent["cpu"] += 10.0
    panel.show()
    assert panel.refreshed == before + 2
    assert panel.shown_run() is other


def test_a_hidden_tab_owing_a_redraw_for_a_persons_change_redraws_at_once_when_shown(qtbot, training):
    """Newer weights and then a person's change (a spin box's valueChanged(int), wired straight to
    refresh_when_visible) while hidden: shown again, it redraws at once; the int the signal carries
    is not taken for 'only newer weights'."""
    from PySide6.QtWidgets import QSpinBox

    state, run, panel, spent = training
    box = QSpinBox()
    qtbot.addWidget(box)
    box.valueChanged.connect(panel.refresh_when_visible)
    panel.hide()
    state.show_model(cnn(1), into=run.id)  # owed for newer weights only...
    box.setValue(3)  # ...and then for what a person chose
    spent["cpu"] += 10.0
    before = panel.refreshed
    panel.show()
    assert panel.refreshed == before + 1


def test_the_window_has_its_own_budget_and_a_fresh_one_does_not_wait(monkeypatch):
    state = AppState()
    run = state.show_model(cnn(0))
    run.status = RunStatus.RUNNING
    monkeypatch.setattr(state, "training_runs", lambda: [run])
    assert state.refresh_wait(run) == 0.0  # a full bucket: the first redraw is at once
    assert state.cpu_budget.share > 0
