"""The picture view draws what it is given: square pixels, the aspect kept, the heat map over the picture."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor
from run_helpers import shown_widget

from resviz.qt.widgets.picture_view import PictureView


@pytest.fixture
def view(qtbot):
    return shown_widget(qtbot, PictureView(), 300, 200)


def _colour_at(view, row: float, col: float, shape) -> QColor:
    """The colour on screen at the centre of picture pixel (row, col)."""
    rect = view.picture_rect()
    x = rect.left() + (col + 0.5) * rect.width() / shape[1]
    y = rect.top() + (row + 0.5) * rect.height() / shape[0]
    return view.grab().toImage().pixelColor(int(x), int(y))


def test_a_grey_picture_is_shown_as_it_is_square_and_centred(view):
    picture = np.zeros((28, 28), np.float32)
    picture[3, 5] = 1.0
    view.set_picture(picture)
    rect = view.picture_rect()
    assert rect.width() == pytest.approx(rect.height()) and rect.height() <= 200
    assert rect.center().x() == pytest.approx(150, abs=1)
    assert _colour_at(view, 3, 5, picture.shape).lightness() == 255
    assert _colour_at(view, 3, 6, picture.shape).lightness() == 0  # no smoothing: the next pixel stays black
    assert view.grab().toImage().pixelColor(2, 100) == QColor("white")  # beside the picture


def test_the_heat_map_colours_only_where_it_is_strong_and_the_picture_is_dimmed_under_it(view):
    picture = np.full((10, 10), 1.0, np.float32)
    heat = np.zeros((10, 10), np.float32)
    heat[2, 2] = 1.0
    view.set_picture(picture, heat, dim=True)
    hot, cold = _colour_at(view, 2, 2, picture.shape), _colour_at(view, 7, 7, picture.shape)
    assert hot.red() > 200 and hot.blue() < 150 and hot.green() > hot.blue()  # yellow-red
    assert cold.red() == cold.green() == cold.blue() == round(255 * 0.75)  # the picture, dimmed, untinted
    assert view.heatmap.shape == (10, 10) and view.shown.shape == (10, 10)


def test_a_colour_picture_keeps_its_colours_and_a_smaller_heat_map_is_stretched_over_it(view):
    picture = np.zeros((3, 8, 8), np.float32)
    picture[2] = 1.0  # blue
    heat = np.zeros((4, 4), np.float32)
    heat[0, 0] = 1.0  # covers the top-left 2x2 of the 8x8 picture
    view.set_picture(picture, heat)
    assert view.shown.shape == (8, 8, 3)
    assert _colour_at(view, 6, 6, (8, 8)).blue() == 255 and _colour_at(view, 6, 6, (8, 8)).red() == 0
    assert _colour_at(view, 1, 1, (8, 8)).red() > 150
