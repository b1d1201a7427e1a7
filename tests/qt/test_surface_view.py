"""The software 3-D surface: drawn back to front on the shared log-loss scale, turned by dragging and keys."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from run_helpers import shown_widget

from resviz.core.landscape import Landscape, Trajectory
from resviz.core.landscape.picture import shared_range
from resviz.qt.widgets.surface_view import SurfaceView, surface_height


def _bowl(depth: float, grid: int = 11, center: float = 0.1) -> Landscape:
    """A round bowl of loss: ``center`` at alpha = beta = 0, rising by ``depth`` at the grid's corners."""
    steps = np.linspace(-1, 1, grid)
    a, b = np.meshgrid(steps, steps, indexing="ij")
    return Landscape(steps, steps, center + depth * (a**2 + b**2) / 2, center, 100, 0, 0.1)


@pytest.fixture
def view(qtbot):
    return shown_widget(qtbot, SurfaceView(), 800, 400)


def _show(view, *landscapes):
    view.show_landscapes([(f"run {i}", item, None) for i, item in enumerate(landscapes)], shared_range(landscapes))


def test_quads_are_painted_farthest_first_and_coloured_by_their_loss_on_the_shared_scale(view):
    shallow, steep = _bowl(0.2), _bowl(20.0)
    _show(view, shallow, steep)
    low, high = view.levels
    assert low == pytest.approx(np.log10(0.1)) and high == pytest.approx(np.log10(20.1))
    for index in (0, 1):
        faces = view.faces(index)
        assert len(faces) == 10 * 10
        assert [f.depth for f in faces] == sorted((f.depth for f in faces), reverse=True)
    # one scale: a quad's colour is its own log-loss's, whichever surface it is on
    for face in view.faces(0) + view.faces(1):
        expected = view.colormap.map(np.array([(face.value - low) / (high - low)]), mode="byte")[0]
        assert (face.colour.red(), face.colour.green(), face.colour.blue()) == tuple(int(v) for v in expected[:3])
    # the shallow bowl stays in the bottom colours; the steep one reaches the top of the scale
    assert max(f.value for f in view.faces(0)) < low + 0.2 * (high - low)
    assert max(f.value for f in view.faces(1)) > low + 0.9 * (high - low)


def _share_of(image, colour: QColor, left: int, right: int) -> float:
    """The share of pixels in columns [left, right) within a small distance of ``colour``."""
    pixels = np.array([[image.pixelColor(x, y).getRgb()[:3] for x in range(left, right, 4)]
                       for y in range(0, image.height(), 4)], float)
    return float((np.abs(pixels - [colour.red(), colour.green(), colour.blue()]).sum(-1) < 40).mean())


def test_the_picture_shows_each_surface_in_the_colours_of_its_own_heights(view):
    _show(view, _bowl(0.2), _bowl(20.0))
    image = view.grab().toImage()
    low, high = view.levels
    top = view.colour_of(low + 0.9 * (high - low))  # near yellow: only the steep bowl's rim is up there
    half = (view.width() - 70) // 2
    assert _share_of(image, top, half, 2 * half) > 0.005
    assert _share_of(image, top, 0, half) == 0.0
    bottom = view.colour_of(low + 0.05 * (high - low))
    assert _share_of(image, bottom, 0, half) > 0.02


def test_dragging_and_arrow_keys_turn_the_view_and_the_picture(view, qtbot):
    _show(view, _bowl(2.0))
    before = view.grab().toImage()
    azimuth, elevation = view.azimuth, view.elevation
    qtbot.mousePress(view, Qt.LeftButton, pos=QPoint(300, 200))
    for x in range(300, 380, 10):
        qtbot.mouseMove(view, QPoint(x, 220))
    qtbot.mouseRelease(view, Qt.LeftButton, pos=QPoint(380, 220))
    assert view.azimuth != azimuth and view.elevation > elevation
    turned = view.grab().toImage()
    assert turned != before
    azimuth = view.azimuth
    qtbot.keyClick(view, Qt.Key_Left)
    assert view.azimuth == pytest.approx(azimuth + 10)
    for _ in range(30):
        qtbot.keyClick(view, Qt.Key_Up)
    assert view.elevation == 90  # straight down at most: never from below
    assert view.grab().toImage() != turned


def test_the_centre_marks_the_trained_weights(view):
    bowl = _bowl(2.0)
    _show(view, bowl)
    view.set_view(0.0, 90.0)  # from straight above: alpha across, beta up the screen
    faces = view.faces(0)
    xs = np.concatenate([f.corners[:, 0] for f in faces])
    ys = np.concatenate([f.corners[:, 1] for f in faces])
    centre = view.centre_point(0)
    assert centre.x() == pytest.approx((xs.min() + xs.max()) / 2, abs=0.5)
    assert centre.y() == pytest.approx((ys.min() + ys.max()) / 2, abs=0.5)


def test_the_training_path_lies_on_the_surface_and_ends_at_the_centre(view):
    bowl = _bowl(2.0)
    path = Trajectory(np.array([[0.8, 0.6], [0.3, 0.2], [0.0, 0.0]]), (0.7, 0.2), np.zeros((2, 1)))
    view.show_landscapes([("run", bowl, path)], shared_range([bowl]))
    np.testing.assert_allclose(surface_height(bowl, bowl.alphas[[2, 7]], bowl.betas[[4, 9]]),
                               np.log10(bowl.loss[[2, 7], [4, 9]]))  # on grid points: the grid's own values
    points = view.path_points(0)
    assert points.shape == (3, 2)
    end = view.centre_point(0)
    assert points[-1] == pytest.approx([end.x(), end.y()])
    before = view.grab().toImage()
    view.show_landscapes([("run", bowl, None)], shared_range([bowl]))
    assert len(view.path_points(0)) == 0 and view.grab().toImage() != before
