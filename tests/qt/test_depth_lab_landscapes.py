"""The Depth lab's skip preset: once both nets trained, their landscapes side by side and a Roughness column."""

from __future__ import annotations

import numpy as np
import pytest

from resviz.core.checkpoints import build_with_state
from resviz.core.depth_lab import Recipe
from resviz.core.landscape import LandscapeSettings, random_plane
from resviz.core.runs import RunStatus
from resviz.qt.widgets.lab_results_table import format_roughness

TINY = Recipe(steps=8, train_subset=256, test_subset=128, batch_size=32, record_every=2)
SMALL = LandscapeSettings(grid=3, span=1.0, subset=50)
SLOW = LandscapeSettings(grid=41, span=1.0, subset=500)  # long enough to cancel


@pytest.fixture
def panel(window):
    panel = window.panel("Depth lab")
    window.tabs.setCurrentWidget(panel)
    return panel


def _cells(table, header: str) -> list[str]:
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    if header not in headers:
        return []
    column = headers.index(header)
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_only_the_skip_preset_has_landscapes_and_roughness(panel):
    landscapes_tab = panel.inspect_tabs.indexOf(panel.landscapes)
    panel.pick_preset("degradation")
    assert not panel.inspect_tabs.isTabVisible(landscapes_tab) and not _cells(panel.table, "Roughness")
    assert "Roughness" not in [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    panel.pick_preset("skip")
    assert panel.inspect_tabs.isTabVisible(landscapes_tab)
    assert "Roughness" in [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    assert "What to look for" in panel.landscapes.sentence.text() and "11×11 points" in panel.landscapes.sentence.text()
    assert panel.landscapes.sentence.toolTip() == panel.sentence.text()  # the preset's whole sentence


def test_skip_preset_landscapes_roughness_and_cancel(panel, window, qtbot):
    panel.pick_preset("skip")
    panel.set_recipe(TINY)
    panel.set_landscape_settings(SLOW)
    runs = panel.train()
    assert [r.name for r in runs] == ["plain 40, BN, ReLU", "residual 40, BN, ReLU"]
    view = panel.landscapes
    # trained: the landscapes start by themselves, with progress; Cancel stops them
    qtbot.waitUntil(lambda: view.cancel_button.isEnabled() and view.progress.value() > 0, timeout=180_000)
    assert all(r.status == RunStatus.DONE for r in runs)
    assert "Computing the landscapes:" in view.status.text() and f"of {2 * 41 * 41:,} points" in view.status.text()
    view.cancel_button.click()
    qtbot.waitUntil(lambda: view.status.text().startswith("Cancelled"), timeout=60_000)
    assert view.progress.isHidden() and not view.results and view.plot.isHidden()
    qtbot.waitUntil(lambda: _cells(panel.table, "Roughness") == ["—", "—"], timeout=2000)  # nothing measured

    # measured again on a small grid: two images on one scale, the roughness in the table
    view.settings = SMALL
    assert view.compute_button.isEnabled()
    view.compute_button.click()
    qtbot.waitUntil(lambda: bool(view.results), timeout=120_000)
    dataset = window.state.dataset(runs[0].dataset)
    expected = []
    for run in runs:
        final = run.snapshots[-1]
        model = build_with_state(final.model, final.model_config, final.state)
        expected.append(random_plane(model, dataset, SMALL))
    for (_, landscape, _), want in zip(view.results, expected):
        np.testing.assert_allclose(landscape.loss, want.loss, rtol=1e-5)
    qtbot.waitUntil(lambda: _cells(panel.table, "Roughness") == [format_roughness(w.roughness) for w in expected],
                    timeout=2000)
    assert all(np.isfinite(w.roughness) for w in expected)
    assert [row["roughness"] for row in panel.table.rows] == pytest.approx([w.roughness for w in expected])
    panel.inspect_tabs.setCurrentWidget(view)
    assert len(view.plot.images) == 2 and view.plot.isVisible()
    assert view.plot.images[0].levels == pytest.approx(view.plot.images[1].levels)
    low, high = view.plot.levels
    for want in expected:
        assert low <= np.log10(want.loss).min() and np.log10(want.loss).max() <= high
    assert "roughness" in view.status.text() and not view.cancel_button.isEnabled()


def test_stopped_nets_get_no_landscapes_and_it_says_so(panel, qtbot):
    panel.pick_preset("skip")
    panel.set_recipe(Recipe(steps=5000, train_subset=256, test_subset=128, batch_size=32))
    panel.set_landscape_settings(SMALL)
    runs = panel.train()
    qtbot.waitUntil(lambda: all(r.step >= 2 for r in runs), timeout=60_000)
    panel.stop_button.click()
    qtbot.waitUntil(lambda: not panel.training(), timeout=30_000)
    assert "did not finish training" in panel.landscapes.status.text()
    assert not panel.landscapes.results and panel.landscapes.progress.isHidden()
    qtbot.waitUntil(lambda: _cells(panel.table, "Roughness") == ["—", "—"], timeout=2000)
