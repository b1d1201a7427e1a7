"""The Depth lab tab: presets, your own list of nets, training them side by side, heatmaps, table, Stop all."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt

from resviz.core.depth_lab import PRESETS, DepthRun, Recipe
from resviz.core.runs import RunStatus
from resviz.qt.widgets.depth_configs import MAX_CONFIGS

TINY = Recipe(steps=8, train_subset=256, test_subset=128, batch_size=32, record_every=2)


@pytest.fixture
def panel(window):
    panel = window.panel("Depth lab")
    window.tabs.setCurrentWidget(panel)
    return panel


def _list_labels(panel) -> list[str]:
    return [panel.configs.list.item(i).text() for i in range(panel.configs.list.count())]


def _wait_finished(qtbot, panel, timeout=120_000):
    qtbot.waitUntil(lambda: panel.runs() and not panel.training()
                    and all(panel.state.job(r.id) is None for r in panel.runs()), timeout=timeout)


def test_presets_fill_the_list_and_say_what_to_look_for(panel):
    for key, preset in PRESETS.items():
        panel.pick_preset(key)
        assert _list_labels(panel) == [r.label for r in preset.runs]
        assert panel.sentence.text() == preset.sentence
        assert f"{preset.recipe.total_steps} steps" in panel.recipe_label.text()
    panel.pick_preset("relu-vs-tanh")  # the preset with a target loss says it
    assert "loss below 0.5" in panel.recipe_label.text()


def test_own_configurations_and_absurd_values(panel, window):
    panel.pick_preset("batchnorm")
    width = window.width()
    form = panel.configs
    form.depth.setValue(0)
    form.width.setValue(0)
    assert form.depth.value() == 4 and form.width.value() == 2  # clamped to the lab's ranges
    form.depth.setValue(10_000)
    assert form.depth.value() == 100
    form.variant.setCurrentIndex(form.variant.findData("highway"))
    form.depth.setValue(50)
    form.width.setValue(16)
    form.add_button.click()
    assert _list_labels(panel)[-1] == "highway 50, no BN, ReLU"
    assert panel.preset_box.currentData() == "custom" and "Your own" in panel.sentence.text()
    while len(form.configs()) < MAX_CONFIGS:
        form.add_button.click()
    form.add_button.click()  # one too many
    assert len(form.configs()) == MAX_CONFIGS and "At most" in form.message.text()
    assert window.width() == width  # the message wraps; the window does not grow
    form.list.setCurrentRow(0)
    form.remove_button.click()
    assert len(form.configs()) == MAX_CONFIGS - 1 and form.message.isHidden()
    while form.configs():
        form.remove_button.click()
    assert not panel.train_button.isEnabled()  # nothing to train


def test_train_side_by_side_heatmaps_activations_and_table(panel, window, qtbot, tmp_path):
    panel.pick_preset("degradation")
    panel.set_recipe(TINY)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    runs = panel.runs()
    assert [r.name for r in runs] == [r.label for r in PRESETS["degradation"].runs]
    assert all(tuple(r.settings["record"]) == ("grad_norms", "activations") for r in runs)
    assert not panel.train_button.isEnabled() and panel.stop_button.isEnabled()
    assert {r.id for r in runs} <= {r.id for r in window.state.runs}  # each is a run in the Runs list
    qtbot.waitUntil(lambda: all(panel.heatmaps.image_of(r.id) is not None for r in runs), timeout=120_000)
    image = panel.heatmaps.image_of(runs[1].id)
    assert image.shape[0] == 31  # plain 30: a row per conv and one for the classifier
    names = panel.heatmaps.layer_names(runs[1].id)
    assert names[0] == "stem conv" and names[-1] == "classifier"
    _wait_finished(qtbot, panel)
    assert all(r.status == RunStatus.DONE for r in runs)
    panel.heatmaps.redraw()
    plain, deep_plain, residual = (panel.heatmaps.image_of(r.id) for r in runs)
    # the first step's column, bottom row (first conv) vs top row (classifier): log10 of the norms
    assert deep_plain[0, 0] - deep_plain[-1, 0] < -6  # vanished on the way down
    assert residual[0, 0] - residual[-1, 0] > -3  # arrived
    panel.inspect_tabs.setCurrentWidget(panel.activations.parentWidget())
    panel.activations.redraw()
    assert panel.activations.point_count(runs[1].id) == 31
    table = panel.table
    assert table.rowCount() == 3
    qtbot.waitUntil(lambda: [table.item(i, 1).text() for i in range(3)] == ["done"] * 3, timeout=2000)  # throttled
    header = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    for row, run in enumerate(runs):
        cells = dict(zip(header, (table.item(row, c).text() for c in range(table.columnCount()))))
        assert cells["Run"] == run.name and cells["Status"] == "done"
        assert cells["Train loss"] != "—" and cells["Final test acc."].endswith("%") and "e" in cells["Grad ratio"]
        assert cells["Parameters"].replace(",", "").isdigit()
    rows = table.rows
    assert rows[1]["grad_ratio"] < 1e-6 < 1e-2 < rows[2]["grad_ratio"]
    assert "Done" in panel.status.text() and panel.train_button.isEnabled()

    # every plot saves as PNG and CSV
    for button in (panel.curves_export, panel.heatmaps_export, panel.activations_export):
        button.export_png(str(tmp_path / f"{button.name}.png"))
        assert (tmp_path / f"{button.name}.png").stat().st_size > 1000
        for label in button.csvs:
            path = tmp_path / f"{button.name}-{label}.csv"
            button.export_csv(label, str(path))
            lines = path.read_text().splitlines()
            assert len(lines) >= 2 and any(ch.isdigit() for ch in lines[1])  # a header and numbers
    with open(tmp_path / "gradient norms-Gradient norms.csv") as f:
        norms = list(csv.DictReader(f))
    assert {row["run"] for row in norms} == {r.name for r in runs}
    panel.table_export.export_csv("Results", str(tmp_path / "results.csv"))
    with open(tmp_path / "results.csv") as f:
        assert [row["name"] for row in csv.DictReader(f)] == [r.name for r in runs]


def test_stop_all_stops_every_run(panel, qtbot):
    panel.configs.set_configs([DepthRun("plain", 8), DepthRun("residual", 8)])
    panel.set_recipe(Recipe(steps=5000, train_subset=256, test_subset=128, batch_size=32))
    runs = panel.train()
    qtbot.waitUntil(lambda: all(r.step >= 2 for r in runs), timeout=60_000)
    panel.stop_button.click()
    _wait_finished(qtbot, panel, timeout=30_000)
    assert all(r.status == RunStatus.STOPPED for r in runs)
    qtbot.waitUntil(lambda: [panel.table.item(i, 1).text() for i in range(2)] == ["stopped", "stopped"],
                    timeout=2000)
    assert all(r.step < 5000 for r in runs) and not panel.stop_button.isEnabled()


def test_a_hidden_tab_does_no_drawing_until_shown(window, qtbot, monkeypatch):
    panel = window.panel("Depth lab")
    window.tabs.setCurrentWidget(window.panel("Training"))
    drawn = []
    monkeypatch.setattr(panel.heatmaps, "mark_dirty", lambda: drawn.append(1))
    panel.configs.set_configs([DepthRun("plain", 4)])
    panel.set_recipe(TINY)
    (run,) = panel.train()
    qtbot.waitUntil(lambda: run.recorded.get("grad_norms"), timeout=60_000)
    qtbot.wait(100)
    assert panel._refresh_owed and not drawn
    window.tabs.setCurrentWidget(panel)
    assert drawn  # shown: it catches up at once
    _wait_finished(qtbot, panel)
    qtbot.waitUntil(lambda: panel.table.rows[0]["status"] == "done", timeout=2000)  # the table redraws on a timer
    assert np.isfinite(panel.table.rows[0]["train_loss"])
