"""Tiling stacks into mosaics and mapping pixels back to tiles."""

import numpy as np
import pytest

from resviz.core.analysis.tiling import (
    grid_shape,
    normalise_global,
    normalise_tiles,
    symmetric_limit,
    tile,
    tile_index_at,
    tile_origin,
)


def test_grid_shape_is_square_ish_and_respects_columns():
    assert grid_shape(16) == (4, 4)
    assert grid_shape(10) == (3, 4)
    assert grid_shape(32, columns=8) == (4, 8)
    assert grid_shape(3, columns=8) == (1, 3)  # never more columns than tiles
    assert grid_shape(0) == (0, 0)


def test_tile_places_every_image_with_nan_gutters():
    images = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)
    mosaic = tile(images, columns=3, pad=1)
    assert mosaic.shape == (2 * 3 - 1, 3 * 4 - 1)
    for index in range(5):
        top, left = tile_origin(index, (2, 3), columns=3)
        np.testing.assert_array_equal(mosaic[top:top + 2, left:left + 3], images[index])
    assert np.isnan(mosaic[2, :]).all()  # gutter row
    assert np.isnan(mosaic[:, 3]).all()  # gutter column
    assert np.isnan(mosaic[3:, 8:]).all()  # the empty sixth slot
    assert np.isfinite(mosaic).sum() == images.size


def test_tile_without_padding_and_single_image():
    images = np.ones((4, 2, 2))
    assert tile(images, pad=0).shape == (4, 4)
    assert np.isfinite(tile(images, pad=0)).all()
    assert tile(np.zeros((7, 7))).shape == (7, 7)
    with pytest.raises(ValueError):
        tile(np.zeros((2, 2, 2, 2)))


def test_tile_index_at_inverts_tile_origin():
    shape, columns, count = (5, 7), 4, 10
    for index in range(count):
        top, left = tile_origin(index, shape, columns)
        assert tile_index_at(top, left, shape, columns, count) == index
        assert tile_index_at(top + 4.9, left + 6.9, shape, columns, count) == index
    assert tile_index_at(5, 0, shape, columns, count) is None  # gutter row
    assert tile_index_at(0, 7, shape, columns, count) is None  # gutter column
    assert tile_index_at(2 * 6, 2 * 8, shape, columns, count) is None  # slot 10 is empty
    assert tile_index_at(-1, 0, shape, columns, count) is None
    assert tile_index_at(0, 4 * 8, shape, columns, count) is None  # right of the grid


def test_normalise_tiles_each_on_its_own():
    images = np.stack([np.linspace(0, 1, 4).reshape(2, 2), np.linspace(-10, 30, 4).reshape(2, 2),
                       np.full((2, 2), 3.0)])
    scaled = normalise_tiles(images)
    np.testing.assert_allclose(scaled[0], scaled[1])
    assert scaled[:2].min() == 0 and scaled[:2].max() == 1
    np.testing.assert_array_equal(scaled[2], 0)  # constant tile: 0, not NaN
    symmetric = normalise_tiles(images, symmetric=True)
    assert symmetric[1].max() == 1 and symmetric[1].min() == pytest.approx(-1 / 3)


def test_normalise_global_keeps_relative_strength():
    images = np.stack([np.full((2, 2), 1.0), np.full((2, 2), -4.0)])
    np.testing.assert_allclose(normalise_global(images, symmetric=True)[:, 0, 0], [0.25, -1.0])
    np.testing.assert_allclose(normalise_global(images)[:, 0, 0], [1.0, 0.0])
    assert symmetric_limit(np.array([np.nan, -3.0, 2.0])) == 3.0
    assert symmetric_limit(np.zeros(3)) == 1.0
