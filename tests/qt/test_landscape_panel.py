"""The Landscape tab: computes a small grid for a trained run in the background, draws it, and cancels."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from trained_digits import one_thread, trained_cnn

from resviz.core import models
from resviz.core.replica import ModelReplica
from resviz.qt.panels.landscape import LandscapePanel
from resviz.qt.panels.landscape.panel import EMPTY
from resviz.qt.state import AppState


@pytest.fixture
def panel(qtbot):
    widget = LandscapePanel(AppState())
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _replica(steps: int) -> ModelReplica:
    """The same training run's weights after ``steps`` steps (trained_cnn always starts from seed 0)."""
    model, data = trained_cnn(steps)
    return ModelReplica("cnn", models.model_config(model), model, tuple(data.classes), step=steps)


def _small(panel, grid=5, subset=100):
    panel.grid_box.setValue(grid)
    panel.subset_box.setValue(subset)
    panel.span_box.setValue(0.5)


def test_empty_until_a_classifier_then_a_grid_with_the_centre_labelled(panel, qtbot):
    assert panel.empty.isVisible() and panel.empty.text() == EMPTY
    assert not panel.compute_button.isEnabled()
    panel.state.show_model(_replica(120), name="tiny cnn")
    assert panel.compute_button.isEnabled() and "tiny cnn" in panel.heading.text()
    _small(panel)
    with one_thread():
        panel.compute_button.click()
        qtbot.waitUntil(lambda: bool(panel.results), timeout=120_000)
    title, landscape, path = panel.results[0]
    assert path is None and landscape.loss.shape == (5, 5)
    assert panel.plot.isVisible() and not panel.empty.isVisible()
    image = panel.plot.images[0].image
    assert image.shape == (40, 40)  # 5 points per axis, drawn 8 pixels a step
    np.testing.assert_allclose(image[[0, 0, -1], [0, -1, 0]], np.log10(landscape.loss)[[0, -1, 0], [0, 0, -1]],
                               rtol=1e-6)  # corners: beta up, alpha across
    assert f"centre loss {landscape.center_loss:.3f}" in panel.status.text()
    assert "roughness" in panel.status.text()
    assert not panel.cancel_button.isEnabled() and panel.compute_button.isEnabled()


def test_the_training_path_and_a_second_run_on_one_scale(panel, qtbot):
    run = panel.state.show_model(_replica(40), name="path run")
    panel.state.show_model(_replica(80), into=run.id)
    panel.state.show_model(_replica(120), into=run.id)
    other = panel.state.show_model(_replica(40), name="early run")
    panel.state.select(run.id)
    panel.plane_box.setCurrentIndex(panel.plane_box.findData("path"))
    panel.compare_box.setCurrentIndex(panel.compare_box.findData(other.id))
    _small(panel, grid=3, subset=60)
    with one_thread():
        panel.compute_button.click()
        qtbot.waitUntil(lambda: bool(panel.results), timeout=120_000)
    (_, first, path), (_, second, none) = panel.results
    assert none is None and path is not None and len(path.coordinates) == 3
    assert np.allclose(path.coordinates[-1], 0)  # the path ends at the weights shown
    assert "explain" in panel.explained.text() and "%" in panel.explained.text()
    assert len(panel.plot.images) == 2
    low, high = panel.plot.levels  # one colour scale holds both landscapes
    for item in (first, second):
        assert low <= np.log10(item.loss).min() and np.log10(item.loss).max() <= high
    assert panel.plot.images[0].levels == pytest.approx(panel.plot.images[1].levels)

    # "Surface" shows both grids as 3-D surfaces on the contours' scale; dragging turns them
    contours, surface = panel.view_buttons.buttons()
    assert contours.isChecked() and panel.plot.isVisible() and not panel.surface.isVisible()
    surface.click()
    assert panel.surface.isVisible() and not panel.plot.isVisible()
    assert [item for _, item, _ in panel.surface.items] == [first, second]
    assert panel.surface.levels == panel.plot.levels
    assert len(panel.surface.path_points(0)) == 3 and len(panel.surface.path_points(1)) == 0
    before, azimuth = panel.surface.grab().toImage(), panel.surface.azimuth
    qtbot.mousePress(panel.surface, Qt.LeftButton, pos=QPoint(200, 150))
    qtbot.mouseMove(panel.surface, QPoint(260, 150))
    qtbot.mouseRelease(panel.surface, Qt.LeftButton, pos=QPoint(260, 150))
    assert panel.surface.azimuth != azimuth and panel.surface.grab().toImage() != before
    contours.click()
    assert panel.plot.isVisible() and not panel.surface.isVisible()


def test_the_path_needs_three_snapshots(panel):
    panel.state.show_model(_replica(120))
    panel.plane_box.setCurrentIndex(panel.plane_box.findData("path"))
    assert not panel.compute_button.isEnabled()
    assert "3 or more snapshots" in panel.status.text()


def test_cancel_stops_the_computation(panel, qtbot):
    panel.state.show_model(_replica(120))
    _small(panel, grid=41, subset=500)
    panel.compute_button.click()
    qtbot.waitUntil(lambda: panel.cancel_button.isEnabled() and panel.progress.value() > 0, timeout=60_000)
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: panel.status.text() == "Cancelled.", timeout=60_000)
    assert not panel.results and panel.progress.isHidden() and panel.compute_button.isEnabled()
