"""Turn a drawing into the 28x28 image a network trained on MNIST expects, and back.

MNIST digits were made like this (LeCun et al.): each NIST digit was scaled so its
longer side fits a 20x20 box, keeping its aspect ratio, with anti-aliasing (hence
the grey edges), then placed in a 28x28 field so that its centre of mass sits at the
centre. ``canvas_to_mnist`` repeats those steps on a drawing of any size. Skipping
them is why drawn digits are so often misread: a network trained on centred
20-pixel digits has never seen a small digit in a corner.

Interpretation: the centre in MNIST's test set is pixel (14.0, 14.0) counted from 0
(mean over the 10,000 test digits: 13.99, 14.01), and the shift is a whole number of
pixels, as the spread of +-0.29 px around that centre suggests the original used.

``picture_to_canvas`` does the same for an image file (a photo or scan of a digit):
dark ink on a light page is inverted first, judged by the picture's border.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

MNIST_SIZE = 28
DIGIT_BOX = 20  # the longer side of the digit after scaling
MNIST_CENTRE = 14.0  # where the centre of mass lands, in pixel indices


def as_unit_float(image: np.ndarray) -> np.ndarray:
    """uint8 (0..255) or float (0..1) grayscale, ink bright on dark -> float32 in [0, 1]."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] in (1, 3, 4):  # H x W x channels from an image file
        image = image[..., :3].mean(axis=-1) if image.shape[-1] > 1 else image[..., 0]
    if image.ndim != 2:
        raise ValueError(f"Expected a 2-D grayscale image; got shape {image.shape}")
    if np.issubdtype(image.dtype, np.integer) or image.dtype == bool:
        scale = 255.0 if image.dtype != bool else 1.0
        return (image.astype(np.float32) / scale).clip(0, 1)
    return np.nan_to_num(image.astype(np.float32)).clip(0, 1)


def ink_bounds(image: np.ndarray, threshold: float) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right), exclusive ends, of the pixels brighter than ``threshold``."""
    mask = image > threshold
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Anti-aliased bilinear resize (a proper low-pass when shrinking, smooth when growing)."""
    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))[None, None]
    shrinking = height < image.shape[0] or width < image.shape[1]
    out = F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False, antialias=shrinking)
    return out[0, 0].numpy()


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    total = float(image.sum())
    rows, cols = np.arange(image.shape[0]), np.arange(image.shape[1])
    return float(image.sum(axis=1) @ rows) / total, float(image.sum(axis=0) @ cols) / total


def paste(field: np.ndarray, patch: np.ndarray, top: int, left: int) -> np.ndarray:
    """Write ``patch`` into ``field`` at (top, left), clipping whatever falls outside."""
    h, w = patch.shape
    H, W = field.shape
    t0, l0 = max(top, 0), max(left, 0)
    t1, l1 = min(top + h, H), min(left + w, W)
    if t1 > t0 and l1 > l0:
        field[t0:t1, l0:l1] = patch[t0 - top:t1 - top, l0 - left:l1 - left]
    return field


def canvas_to_mnist(
    image: np.ndarray,
    ink_threshold: float = 0.1,  # a pixel brighter than this is ink (for the crop)
    min_ink_fraction: float = 2e-4,  # less ink than this share of the canvas is 'nothing drawn'
) -> np.ndarray | None:
    """A drawing (any size, ink bright on dark) -> 28x28 float32 in [0, 1], or None if empty.

    A uint8 drawing (the canvas's own pixels) is cropped before it is made float: this runs on
    the GUI thread for every stroke, and most of a 280x280 canvas is black.
    """
    image = np.asarray(image)
    if image.dtype == np.uint8 and image.ndim == 2:
        threshold: float = ink_threshold * 255
    else:
        image, threshold = as_unit_float(image), ink_threshold
    ink_pixels = int(np.count_nonzero(image > threshold))
    if ink_pixels == 0 or ink_pixels < min_ink_fraction * image.size:
        return None
    top, bottom, left, right = ink_bounds(image, threshold)
    crop = as_unit_float(image[top:bottom, left:right])
    h, w = crop.shape
    scale = DIGIT_BOX / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    digit = resize(crop, new_h, new_w).clip(0, 1)
    if digit.sum() <= 0:
        return None
    com_row, com_col = centre_of_mass(digit)
    field = np.zeros((MNIST_SIZE, MNIST_SIZE), dtype=np.float32)
    paste(field, digit, round(MNIST_CENTRE - com_row), round(MNIST_CENTRE - com_col))
    return field.clip(0, 1)


def mnist_to_canvas(
    image28: np.ndarray,
    size: int | tuple[int, int],
    digit_size: int | None = None,  # side of the scaled 28x28 field; default fills the canvas
    centre: tuple[float, float] | None = None,  # (row, col) of the field's centre; default the middle
) -> np.ndarray:
    """Put a 28x28 digit (uint8 or float) onto a blank canvas, scaled up smoothly: float32 in [0, 1]."""
    height, width = (size, size) if isinstance(size, int) else size
    digit_size = digit_size or min(height, width)
    big = resize(as_unit_float(image28), digit_size, digit_size).clip(0, 1)
    centre_row, centre_col = centre if centre is not None else (height / 2, width / 2)
    canvas = np.zeros((height, width), dtype=np.float32)
    return paste(canvas, big, round(centre_row - digit_size / 2), round(centre_col - digit_size / 2))


# ---------------------------------------------------------------- pictures from files

PICTURE_MAX_SIDE = 1024  # larger files are shrunk first: a 12-megapixel photo of a digit needs no more


class PictureError(ValueError):
    """An image file that cannot become a digit; the message says why, for a person."""


@dataclass(frozen=True)
class DigitPicture:
    canvas: np.ndarray  # float32 [H, W] in [0, 1], ink bright on dark: the digit, fitted to the canvas
    digit: np.ndarray  # canvas_to_mnist(canvas): the 28x28 input, exactly as for a drawing
    inverted: bool  # the file was dark ink on a light background
    source_size: tuple[int, int]  # (width, height) of the file's image


def read_picture(path) -> np.ndarray:
    """An image file (PNG, JPEG, BMP, ...; colour or grey; with or without alpha) -> grey float32 [H, W] in [0, 1].

    Transparent pixels are laid on the background that contrasts with the opaque ones
    (dark strokes on transparency read as dark on white, light strokes as light on black).
    """
    from PIL import Image, UnidentifiedImageError  # Pillow comes with torchvision

    name = Path(path).name
    try:
        with Image.open(path) as picture:
            picture.draft("L", (PICTURE_MAX_SIDE, PICTURE_MAX_SIDE))  # JPEG: decode small at once
            picture.thumbnail((PICTURE_MAX_SIDE, PICTURE_MAX_SIDE))
            rgba = np.asarray(picture.convert("RGBA"), dtype=np.float32) / 255.0
    except FileNotFoundError:
        raise PictureError(f"{name}: no such file.") from None
    except UnidentifiedImageError:
        raise PictureError(f"{name} is not an image resviz can read (use PNG, JPEG or BMP).") from None
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise PictureError(f"{name} could not be read as an image: {error}") from None
    grey, alpha = rgba[..., :3].mean(axis=-1), rgba[..., 3]
    if alpha.min() < 1.0:
        opaque = alpha > 0.5
        ink_is_dark = opaque.any() and float(np.median(grey[opaque])) < 0.5
        background = 1.0 if ink_is_dark else 0.0
        grey = grey * alpha + background * (1.0 - alpha)
    return grey.astype(np.float32)


def border_brightness(grey: np.ndarray, margin: float = 0.05) -> float:
    """Median brightness of the outer ``margin`` of the picture: its background."""
    height, width = grey.shape
    rows, cols = max(1, round(height * margin)), max(1, round(width * margin))
    border = np.concatenate([grey[:rows].ravel(), grey[-rows:].ravel(),
                             grey[:, :cols].ravel(), grey[:, -cols:].ravel()])
    return float(np.median(border))


def ink_on_dark(grey: np.ndarray) -> tuple[np.ndarray, bool]:
    """Ink bright on a black background, as MNIST: inverted if the background is light.

    The background (the border's median) becomes 0 and the brightest ink 1, so a grey
    page or a dim photo gives the same clean digit as a drawing. Returns (image, inverted).
    """
    background = border_brightness(grey)
    inverted = background > 0.5
    image = 1.0 - grey if inverted else grey
    background = 1.0 - background if inverted else background
    top = float(np.percentile(image, 99.9))
    if top - background < 0.05:  # no contrast: an empty page
        return np.zeros_like(image), inverted
    return ((image - background) / (top - background)).clip(0, 1).astype(np.float32), inverted


def fit_into(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` scaled to fit a black field of ``size`` (height, width), aspect kept, centred."""
    height, width = size
    scale = min(height / image.shape[0], width / image.shape[1])
    new_h, new_w = max(1, round(image.shape[0] * scale)), max(1, round(image.shape[1] * scale))
    field = np.zeros((height, width), dtype=np.float32)
    return paste(field, resize(image, new_h, new_w).clip(0, 1), (height - new_h) // 2, (width - new_w) // 2)


def picture_to_canvas(path, canvas_size: int | tuple[int, int], ink_threshold: float = 0.1,
                      margin: float = 0.15) -> DigitPicture:
    """Open an image file of a digit for the drawing canvas.

    The ink (inverted if the page is light) is cut out with a ``margin`` around it and
    fitted to the canvas, so the digit fills it whatever the file's size; the panel
    then prepares it exactly as a drawing (``canvas_to_mnist``), once. Raises
    PictureError (a message for a person) when the file cannot be read or holds no digit.
    """
    size = (canvas_size, canvas_size) if isinstance(canvas_size, int) else tuple(canvas_size)
    grey = read_picture(path)
    image, inverted = ink_on_dark(grey)
    bounds = ink_bounds(image, ink_threshold)
    if bounds is None:
        raise PictureError(f"{Path(path).name} holds no digit: it is one colour all over.")
    top, bottom, left, right = bounds
    pad = round(margin * max(bottom - top, right - left))
    crop = image[max(top - pad, 0):bottom + pad, max(left - pad, 0):right + pad]
    canvas = fit_into(crop, size)
    digit = canvas_to_mnist(canvas)
    if digit is None:
        raise PictureError(f"{Path(path).name} holds too little ink to be a digit.")
    return DigitPicture(canvas, digit, inverted, (grey.shape[1], grey.shape[0]))
