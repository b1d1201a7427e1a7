"""Lay a stack of small images out as one mosaic, and map mosaic pixels back to tiles.

Filters and feature maps are stacks ``[N, H, W]`` (one image per kernel or channel).
Drawing them as one image is far cheaper than N image items, so ``tile`` packs them
into a grid with NaN gutters (a colormap shows NaN as background, so tiles stay
visibly separate), and ``tile_index_at`` turns a click on the mosaic back into the
index of the tile under it.

Normalisation is separate from tiling: ``normalise_tiles`` scales each tile on its
own (to see the pattern in every channel) and ``normalise_global`` scales them all
together (to compare strengths between channels).
"""

from __future__ import annotations

import math

import numpy as np


def grid_shape(count: int, columns: int | None = None) -> tuple[int, int]:
    """(rows, columns) for ``count`` tiles; by default as square as possible, wider than tall."""
    if count <= 0:
        return 0, 0
    if columns is None:
        columns = math.ceil(math.sqrt(count))
    columns = max(1, min(int(columns), count))
    return math.ceil(count / columns), columns


def tile(images: np.ndarray, columns: int | None = None, pad: int = 1) -> np.ndarray:
    """[N, H, W] -> float32 mosaic [R*(H+pad)-pad, C*(W+pad)-pad]; gutters and empty slots are NaN."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"tile() takes a stack [N, H, W]; got shape {images.shape}")
    count, height, width = images.shape
    rows, cols = grid_shape(count, columns)
    if count == 0:
        return np.full((0, 0), np.nan, dtype=np.float32)
    mosaic = np.full((rows * (height + pad) - pad, cols * (width + pad) - pad), np.nan, dtype=np.float32)
    for index in range(count):
        top, left = (index // cols) * (height + pad), (index % cols) * (width + pad)
        mosaic[top:top + height, left:left + width] = images[index]
    return mosaic


def tile_origin(index: int, tile_shape: tuple[int, int], columns: int, pad: int = 1) -> tuple[int, int]:
    """(row, col) of the top-left pixel of tile ``index`` in the mosaic (for labels)."""
    height, width = tile_shape
    return (index // columns) * (height + pad), (index % columns) * (width + pad)


def tile_index_at(row: float, col: float, tile_shape: tuple[int, int], columns: int,
                  count: int, pad: int = 1) -> int | None:
    """Index of the tile under mosaic pixel (row, col), or None on a gutter or outside."""
    height, width = tile_shape
    if row < 0 or col < 0 or columns <= 0:
        return None
    row, col = int(math.floor(row)), int(math.floor(col))
    grid_row, inside_row = divmod(row, height + pad)
    grid_col, inside_col = divmod(col, width + pad)
    if inside_row >= height or inside_col >= width or grid_col >= columns:
        return None
    index = grid_row * columns + grid_col
    return index if index < count else None


def normalise_tiles(images: np.ndarray, symmetric: bool = False) -> np.ndarray:
    """Scale each tile on its own: to [0, 1] (min-max), or with ``symmetric`` to [-1, 1] by max |x|.

    A constant tile becomes 0 (min-max) or stays 0 (symmetric), not NaN.
    """
    images = np.asarray(images, dtype=np.float32)
    flat = images.reshape(len(images), -1)
    if symmetric:
        scale = np.abs(flat).max(axis=1, initial=0.0)
        scale = np.where(scale > 0, scale, 1.0)
        return (flat / scale[:, None]).reshape(images.shape)
    low = flat.min(axis=1, initial=np.inf)[:, None]
    span = flat.max(axis=1, initial=-np.inf)[:, None] - low
    scaled = np.where(span > 0, (flat - low) / np.where(span > 0, span, 1.0), 0.0)
    return scaled.astype(np.float32).reshape(images.shape)


def normalise_global(images: np.ndarray, symmetric: bool = False) -> np.ndarray:
    """Scale all tiles together, so brighter tiles really are stronger (same ranges as above)."""
    images = np.asarray(images, dtype=np.float32)
    if images.size == 0:
        return images
    if symmetric:
        scale = float(np.abs(images).max())
        return images / scale if scale > 0 else np.zeros_like(images)
    low, high = float(images.min()), float(images.max())
    return (images - low) / (high - low) if high > low else np.zeros_like(images)


def symmetric_limit(images: np.ndarray) -> float:
    """max |x| over the stack: the colour-bar limit for a diverging colormap centred on zero."""
    images = np.asarray(images)
    finite = images[np.isfinite(images)]
    limit = float(np.abs(finite).max()) if finite.size else 0.0
    return limit if limit > 0 else 1.0
