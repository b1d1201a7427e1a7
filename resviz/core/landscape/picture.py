"""Landscapes as a PNG without a window: filled contours of log-loss, contour lines, the centre marked.

Pillow only (a dependency already): each landscape is upsampled bilinearly in log-loss,
cut into equal steps of log-loss (filled contours), coloured with viridis, and a dark line
drawn where the step changes. Several landscapes share one colour scale, so their
heights compare (a plain and a residual net side by side).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ..atomic import atomic_write
from .grid import Landscape

# viridis at 0, 0.25, 0.5, 0.75, 1 (matplotlib's values): dark blue low, yellow high
_VIRIDIS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], float)
LEVELS = 14  # filled-contour bands over the shared log-loss range
SIZE = 360  # pixels of each landscape's square


def colour_map(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> RGB uint8 along viridis."""
    position = np.clip(values, 0, 1) * (len(_VIRIDIS) - 1)
    low = np.minimum(position.astype(int), len(_VIRIDIS) - 2)
    t = (position - low)[..., None]
    return ((1 - t) * _VIRIDIS[low] + t * _VIRIDIS[low + 1]).astype(np.uint8)


def log_loss(loss: np.ndarray) -> np.ndarray:
    """log10 of the loss, overflowed points (inf, NaN) shown as the highest finite value."""
    loss = np.asarray(loss, float)
    finite = np.isfinite(loss)
    top = loss[finite].max() if finite.any() else 1.0
    return np.log10(np.clip(np.where(finite, loss, top), 1e-6, None))


def shared_range(landscapes: Sequence[Landscape]) -> tuple[float, float]:
    """The log10-loss range that holds every landscape: one colour scale for all of them."""
    values = np.concatenate([log_loss(item.loss).ravel() for item in landscapes])
    low, high = float(values.min()), float(values.max())
    return low, high if high > low else low + 1.0


def upsample(grid: np.ndarray, size: int) -> np.ndarray:
    """Bilinear interpolation of an [N, N] grid to [size, size] (corners on the grid's corners)."""
    n_rows, n_cols = grid.shape
    rows, cols = np.linspace(0, n_rows - 1, size), np.linspace(0, n_cols - 1, size)
    r0, c0 = np.minimum(rows.astype(int), n_rows - 2), np.minimum(cols.astype(int), n_cols - 2)
    tr, tc = (rows - r0)[:, None], (cols - c0)[None, :]
    g = grid
    return ((1 - tr) * (1 - tc) * g[r0][:, c0] + (1 - tr) * tc * g[r0][:, c0 + 1]
            + tr * (1 - tc) * g[r0 + 1][:, c0] + tr * tc * g[r0 + 1][:, c0 + 1])


def contour_image(landscape: Landscape, value_range: tuple[float, float], size: int = SIZE) -> Image.Image:
    """Alpha across, beta up: filled bands of log-loss, their edges dark, the centre a white cross."""
    low, high = value_range
    smooth = upsample(log_loss(landscape.loss), size)
    band = np.floor((smooth - low) / (high - low) * LEVELS).clip(0, LEVELS - 1)
    rgb = colour_map((band + 0.5) / LEVELS)
    edge = np.zeros(band.shape, bool)
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    rgb[edge] = (rgb[edge] * 0.45).astype(np.uint8)
    # rows of the grid are alpha: show alpha across (x) and beta upwards (y), as a plot would
    picture = Image.fromarray(np.ascontiguousarray(np.flipud(rgb.transpose(1, 0, 2))))
    draw = ImageDraw.Draw(picture)
    alphas, betas = landscape.alphas, landscape.betas
    cx = (0 - alphas[0]) / (alphas[-1] - alphas[0]) * (size - 1)
    cy = (1 - (0 - betas[0]) / (betas[-1] - betas[0])) * (size - 1)
    draw.line([(cx - 7, cy), (cx + 7, cy)], fill="white", width=2)
    draw.line([(cx, cy - 7), (cx, cy + 7)], fill="white", width=2)
    return picture


def landscapes_png(path: str | Path, panels: Sequence[tuple[str, Landscape]], size: int = SIZE) -> Path:
    """Write the landscapes side by side on one log-loss scale, each titled, with a colour bar."""
    value_range = shared_range([item for _, item in panels])
    margin, title_h, bar_w = 12, 34, 70
    width = margin + len(panels) * (size + margin) + bar_w
    canvas = Image.new("RGB", (width, title_h + size + 2 * margin), "white")
    draw = ImageDraw.Draw(canvas)
    for index, (title, item) in enumerate(panels):
        x = margin + index * (size + margin)
        canvas.paste(contour_image(item, value_range, size), (x, title_h))
        draw.text((x, 4), title, fill="black")
        draw.text((x, 18), f"centre loss {item.center_loss:.3f} · roughness {item.roughness:.2f}", fill="black")
    bar_x = width - bar_w + 8
    ramp = colour_map(np.linspace(1, 0, size)[:, None].repeat(14, 1))
    canvas.paste(Image.fromarray(np.ascontiguousarray(ramp)), (bar_x, title_h))
    low, high = value_range
    draw.text((bar_x + 18, title_h), f"{10 ** high:.3g}", fill="black")
    draw.text((bar_x + 18, title_h + size - 12), f"{10 ** low:.3g}", fill="black")
    draw.text((bar_x, title_h - 14), "loss (log)", fill="black")
    return atomic_write(path, lambda file: canvas.save(file, format="PNG"))
