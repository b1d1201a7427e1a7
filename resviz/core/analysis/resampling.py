"""Scaling a feature map down and back up (seed 004, figures 10.11 and 10.12).

Down: sub-sampling (keep every other value: a stride-2 kernel whose skipped outputs
are never computed), max pooling (with the positions of the maxima, for unpooling) and
mean pooling. Up: duplication (each value copied into a factor x factor block), max
unpooling (each value put back where its maximum came from, zeros elsewhere) and
bilinear interpolation (values in between are weighted means of the four nearest).
All numpy, each equal to its ``torch.nn.functional`` counterpart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .convolution import ConvGeometry, as_2d, conv_windows, require_positive


def subsample(x: np.ndarray, factor: int = 2) -> np.ndarray:
    """Keep every ``factor``-th row and column, starting at the top-left one."""
    require_positive(factor=factor)
    return as_2d(x, "feature map")[::factor, ::factor].copy()


@dataclass(frozen=True)
class MaxPoolResult:
    values: np.ndarray  # [out_h, out_w] the maxima
    indices: np.ndarray  # [out_h, out_w] where each came from, as row * width + col (torch's convention)
    input_shape: tuple[int, int]


def max_pool_with_indices(x: np.ndarray, size: int = 2, stride: int | None = None) -> MaxPoolResult:
    """Max pooling that remembers the flat position of every maximum (first one on a tie, as torch)."""
    x = as_2d(x, "feature map")
    geometry = ConvGeometry.of(x.shape, (size, size), 0, size if stride is None else stride, 1)
    windows = conv_windows(x, geometry)
    out_h, out_w = geometry.output_shape
    best = windows.reshape(out_h, out_w, size * size).argmax(axis=2)
    rows = np.arange(out_h)[:, None] * geometry.stride + best // size
    cols = np.arange(out_w)[None, :] * geometry.stride + best % size
    return MaxPoolResult(x[rows, cols], rows * x.shape[1] + cols, x.shape)


def mean_pool(x: np.ndarray, size: int = 2, stride: int | None = None) -> np.ndarray:
    """Mean of each size x size block."""
    x = as_2d(x, "feature map")
    geometry = ConvGeometry.of(x.shape, (size, size), 0, size if stride is None else stride, 1)
    return conv_windows(x, geometry).mean(axis=(2, 3))


def upsample_duplicate(x: np.ndarray, factor: int = 2) -> np.ndarray:
    """Copy each value into a factor x factor block (torch's nearest-neighbour upsampling)."""
    require_positive(factor=factor)
    return np.repeat(np.repeat(as_2d(x, "feature map"), factor, axis=0), factor, axis=1)


def max_unpool(pooled: MaxPoolResult, output_shape: tuple[int, int] | None = None) -> np.ndarray:
    """Put each maximum back where it came from; every other position is zero."""
    height, width = output_shape or pooled.input_shape
    out = np.zeros(height * width)
    out[pooled.indices.reshape(-1)] = pooled.values.reshape(-1)
    return out.reshape(height, width)


def upsample_bilinear(x: np.ndarray, size: tuple[int, int] | int, align_corners: bool = False) -> np.ndarray:
    """Bilinear interpolation to ``size``, with torch's pixel-centre convention.

    ``align_corners=False`` (torch's default) treats values as pixel centres: output
    pixel i sits at input position (i + 0.5)·n_in/n_out − 0.5, clamped at the edges.
    ``align_corners=True`` pins the first and last values to the corners.
    """
    x = as_2d(x, "feature map")
    out_h, out_w = (size, size) if np.isscalar(size) else size
    require_positive(height=out_h, width=out_w)
    row_weights = _interpolation_matrix(x.shape[0], int(out_h), align_corners)
    col_weights = _interpolation_matrix(x.shape[1], int(out_w), align_corners)
    return row_weights @ x @ col_weights.T


def _interpolation_matrix(n_in: int, n_out: int, align_corners: bool) -> np.ndarray:
    """[n_out, n_in]: linear interpolation along one axis, each row two weights summing to 1."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        src = np.maximum((dst + 0.5) * (n_in / n_out) - 0.5, 0.0)
    low = np.minimum(np.floor(src).astype(int), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    frac = src - low
    weights = np.zeros((n_out, n_in))
    np.add.at(weights, (np.arange(n_out), low), 1.0 - frac)
    np.add.at(weights, (np.arange(n_out), high), frac)
    return weights
