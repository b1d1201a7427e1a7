"""Seed 004's down- and up-sampling against torch.nn.functional."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from resviz.core.analysis import resampling as rs


def _t(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))[None, None]


@pytest.mark.parametrize("shape", ((28, 28), (14, 14), (13, 11), (4, 4)))
def test_downsampling_equals_torch(shape):
    x = np.random.default_rng(shape[0]).normal(size=shape)
    np.testing.assert_array_equal(rs.subsample(x), F.max_pool2d(_t(x), 1, 2)[0, 0].numpy())
    np.testing.assert_allclose(rs.mean_pool(x), F.avg_pool2d(_t(x), 2)[0, 0].numpy(), atol=1e-12)
    values, indices = F.max_pool2d(_t(x), 2, return_indices=True)
    pooled = rs.max_pool_with_indices(x)
    np.testing.assert_array_equal(pooled.values, values[0, 0].numpy())
    np.testing.assert_array_equal(pooled.indices, indices[0, 0].numpy())


@pytest.mark.parametrize("size, stride", ((2, 2), (3, 3), (3, 2), (2, 1)))
def test_max_unpool_puts_maxima_back_where_they_came_from(size, stride):
    x = np.random.default_rng(size + stride).normal(size=(12, 12))
    values, indices = F.max_pool2d(_t(x), size, stride, return_indices=True)
    pooled = rs.max_pool_with_indices(x, size, stride)
    expected = F.max_unpool2d(values, indices, size, stride, output_size=(12, 12))[0, 0].numpy()
    unpooled = rs.max_unpool(pooled)
    np.testing.assert_array_equal(unpooled, expected)
    kept = unpooled != 0
    np.testing.assert_array_equal(unpooled[kept], x[kept])


def test_seed_001_example_unpools_to_the_maxima_positions():
    x = np.array([[5, 1, 3, 4], [8, 2, 9, 2], [1, 3, 0, 1], [2, 2, 2, 0]], dtype=float)
    pooled = rs.max_pool_with_indices(x)
    np.testing.assert_array_equal(pooled.values, [[8, 9], [3, 2]])
    np.testing.assert_array_equal(rs.max_unpool(pooled),
                                  [[0, 0, 0, 0], [8, 0, 9, 0], [0, 3, 0, 0], [0, 0, 2, 0]])


@pytest.mark.parametrize("factor", (2, 3, 4))
def test_duplication_is_nearest_upsampling(factor):
    x = np.random.default_rng(factor).normal(size=(7, 5))
    np.testing.assert_array_equal(rs.upsample_duplicate(x, factor),
                                  F.interpolate(_t(x), scale_factor=factor, mode="nearest")[0, 0].numpy())


@pytest.mark.parametrize("align_corners", (False, True))
@pytest.mark.parametrize("size", ((14, 14), (28, 28), (9, 13), (1, 3), (5, 5)))
@pytest.mark.parametrize("shape", ((7, 7), (14, 14), (4, 6)))
def test_bilinear_equals_torch(shape, size, align_corners):
    x = np.random.default_rng(sum(size)).normal(size=shape)
    expected = F.interpolate(_t(x), size=size, mode="bilinear", align_corners=align_corners)[0, 0].numpy()
    np.testing.assert_allclose(rs.upsample_bilinear(x, size, align_corners), expected, atol=1e-12)


def test_bilinear_by_scale_factor_matches_the_same_size():
    x = np.random.default_rng(9).normal(size=(7, 7))
    expected = F.interpolate(_t(x), scale_factor=4, mode="bilinear")[0, 0].numpy()
    np.testing.assert_allclose(rs.upsample_bilinear(x, 28), expected, atol=1e-12)
