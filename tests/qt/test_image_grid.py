"""The image grid's colour scale: round ends that hold still while a live view's data wobbles."""

from __future__ import annotations

import numpy as np
import pytest
from run_helpers import shown_widget

from resviz.qt.widgets.image_grid import ImageGrid


@pytest.fixture
def grid(qtbot):
    return shown_widget(qtbot, ImageGrid(colorbar=True), 500, 300)


def test_a_diverging_scale_ends_on_round_numbers_and_holds_through_small_changes(grid):
    maps = np.random.default_rng(0).normal(size=(16, 7, 7)).astype(np.float32)
    maps *= 2.37 / np.abs(maps).max()
    grid.set_images(maps, colormap="diverging", symmetric=True)
    assert tuple(grid.colorbar.levels()) == (-3.0, 3.0) and grid.image.levels.tolist() == [-3.0, 3.0]
    grid.set_images(maps * 1.1, colormap="diverging", symmetric=True)  # the next stroke's activations
    assert tuple(grid.colorbar.levels()) == (-3.0, 3.0)
    grid.set_images(maps * 2, colormap="diverging", symmetric=True)  # outgrown: the scale widens
    assert tuple(grid.colorbar.levels()) == (-5.0, 5.0)


def test_a_one_sided_scale_keeps_zero_and_rounds_its_top(grid):
    maps = np.random.default_rng(1).random((4, 5, 5)).astype(np.float32) * 0.73
    maps[0, 0, 0] = 0.0
    grid.set_images(maps, colormap="inferno")
    assert tuple(grid.colorbar.levels()) == (0.0, 0.8)
    grid.set_images(np.full((1, 2, 2), 0.5, np.float32), levels=(0.0, 1.0))  # given levels are kept as given
    assert tuple(grid.colorbar.levels()) == (0.0, 1.0)


def test_labels_show_only_for_the_tiles_given_and_follow_a_new_count(grid):
    grid.set_images(np.zeros((6, 4, 4), np.float32), [str(i) for i in range(6)], columns=3)
    assert [item.toPlainText() for item in grid._labels if item.isVisible()] == [str(i) for i in range(6)]
    grid.set_images(np.zeros((2, 4, 4), np.float32), ["a", "b"], columns=2)
    assert [item.toPlainText() for item in grid._labels if item.isVisible()] == ["a", "b"]


def test_a_label_on_a_dark_tile_sits_on_its_light_patch(grid):
    """Dark text on a black digit's corner is unreadable: each label has a light patch behind it."""
    grid.resize(600, 120)
    grid.set_images(np.zeros((5, 28, 28), np.float32), ["c0→2"] * 5, levels=(0.0, 1.0), columns=5)
    grid.graphics.viewport().repaint()
    picture = grid.graphics.grab().toImage()
    view = grid.view
    corner = view.mapViewToScene(grid._labels[0].pos())  # the label's top-left, on screen
    light = [picture.pixelColor(int(corner.x()) + dx, int(corner.y()) + dy).lightness()
             for dx in range(1, 4) for dy in range(1, 4)]  # inside the text's margin
    assert min(light) > 120, light  # the patch (under dark text), not the black tile
