"""2-D convolution as CNNs compute it, written out window by window (seeds 000 and 001).

A CNN "convolution" is a cross-correlation: the kernel is slid over the zero-padded
input without flipping, and each output is the sum of the element-wise products of the
kernel with the window under it. Everything here is explicit numpy over those windows
(``sliding_window_view``) so the Convolution lab can show any single window's patch,
products and sum, and the tests can hold every result against ``torch.nn.functional``.

Also here: ReLU, the four pooling types of seed 001 (max, min, average, adaptive),
flattening, a kernel library, a parser for a kernel typed into a grid, and seed 000's
shapes/parameters summary with seed 001's "why not fully connected" numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Padding = str | int  # "valid", "same", or a number of zero rings p
PADDING_MODES = ("valid", "same")


# ---------------------------------------------------------------- sizes and padding

def effective_kernel_size(f: int, d: int = 1) -> int:
    """Span of a dilated kernel: d-1 holes between taps, so f taps cover d(f-1)+1 pixels."""
    return d * (f - 1) + 1


def output_size(n: int, f: int, p: int = 0, s: int = 1, d: int = 1) -> int:
    """Number of outputs along one axis: floor((n + 2p - d(f-1) - 1) / s) + 1.

    This is torch's formula (``torch.nn.Conv2d`` docs). With the dilated kernel span
    f_d = d(f-1) + 1 it reads floor((n + 2p - f_d) / s) + 1, and for d = 1 (no dilation)
    f_d = f, which is seed 000's floor((n + 2p - f) / s) + 1 and, with p = 0, its
    "valid" size floor((n - f) / s + 1). ``p`` is the padding on each side; pass the
    total via :func:`output_size_padded` when the two sides differ.
    """
    return output_size_padded(n, f, (p, p), s, d)


def output_size_padded(n: int, f: int, pads: tuple[int, int], s: int = 1, d: int = 1) -> int:
    """:func:`output_size` with padding (before, after) that may differ (torch's "same" for even spans)."""
    require_positive(**{"kernel size": f, "stride": s, "dilation": d})
    span, padded = effective_kernel_size(f, d), n + pads[0] + pads[1]
    if padded < span:
        raise ValueError(
            f"The kernel spans {span} pixels (f={f}, dilation {d}) but the padded input has only "
            f"{padded}: there is no position where it fits. Add padding or use a smaller kernel."
        )
    return (padded - span) // s + 1


def padding_amounts(padding: Padding, f: int, d: int = 1) -> tuple[int, int]:
    """Zero rings (before, after) along one axis.

    "valid" adds none. "same" adds d(f-1) in total, split like torch's ``padding='same'``
    (the odd one goes after), so that stride 1 keeps the size: seed 000's same
    convolution. With stride > 1 the lab keeps that p (torch refuses "same" there), so
    the output is about n/s, as in TensorFlow.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0
        if padding == "same":
            total = d * (f - 1)
            return total // 2, total - total // 2
        raise ValueError(f"Padding must be 'valid', 'same' or a whole number, not {padding!r}.")
    p = int(padding)
    if p != padding or p < 0:
        raise ValueError(f"Padding must be a whole number >= 0, not {padding!r}.")
    return p, p


def output_size_formula(n: int, f: int, pads: tuple[int, int], s: int = 1, d: int = 1,
                        name: str | None = None) -> str:
    """The output-size formula with the numbers filled in, as the lab shows it.

    With dilation the first line works out the kernel's span f_d; ``name`` ("n_H")
    goes in front of the line that computes the size, not in front of f_d's.
    """
    span = effective_kernel_size(f, d)
    pad_text = f"2·{pads[0]}" if pads[0] == pads[1] else f"({pads[0]}+{pads[1]})"
    numerator = n + pads[0] + pads[1] - span
    lines = [f"f_d = d(f−1)+1 = {d}·({f}−1)+1 = {span}"] if d != 1 else []
    head = f"⌊(n + 2p − f_d)/s⌋ + 1 = ⌊({n} + {pad_text} − {span})/{s}⌋ + 1"
    if name:
        head = f"{name} = {head}"
    if numerator < 0:
        lines.append(f"{head}: the kernel ({span}) is wider than the padded input "
                     f"({n + pads[0] + pads[1]}), no output")
    else:
        lines.append(f"{head} = ⌊{numerator}/{s}⌋ + 1 = {numerator // s + 1}")
    return "\n".join(lines)


def require_positive(**values: int) -> None:
    """Refuse, with a message naming it, any value that is not a whole number >= 1."""
    for name, value in values.items():
        if int(value) != value or value < 1:
            raise ValueError(f"The {name} must be a whole number >= 1, not {value!r}.")


# ---------------------------------------------------------------- convolution

@dataclass(frozen=True)
class ConvGeometry:
    """Where a kernel goes over an image: the resolved padding and the output size."""

    image_shape: tuple[int, int]
    kernel_shape: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]  # (top, bottom), (left, right)
    stride: int
    dilation: int
    output_shape: tuple[int, int]

    @classmethod
    def of(cls, image_shape, kernel_shape, padding: Padding = 0, stride: int = 1,
           dilation: int = 1) -> ConvGeometry:
        require_positive(stride=stride, dilation=dilation)
        (h, w), (fh, fw) = image_shape, kernel_shape
        pads = (padding_amounts(padding, fh, dilation), padding_amounts(padding, fw, dilation))
        out = (output_size_padded(h, fh, pads[0], stride, dilation),
               output_size_padded(w, fw, pads[1], stride, dilation))
        return cls((h, w), (fh, fw), pads, stride, dilation, out)

    @property
    def steps(self) -> int:
        """How many window positions the kernel visits (one per output value)."""
        return self.output_shape[0] * self.output_shape[1]


def zero_pad(image: np.ndarray, pads) -> np.ndarray:
    """Surround the image with rings of zeros: ((top, bottom), (left, right))."""
    return np.pad(np.asarray(image, dtype=np.float64), pads)


def conv_windows(image: np.ndarray, geometry: ConvGeometry) -> np.ndarray:
    """Every window the kernel sees, [out_h, out_w, fh, fw] (a read-only view of the padded input)."""
    padded = zero_pad(image, geometry.pads)
    d, s = geometry.dilation, geometry.stride
    span_h, span_w = (effective_kernel_size(f, d) for f in geometry.kernel_shape)
    windows = sliding_window_view(padded, (span_h, span_w))[::s, ::s, ::d, ::d]
    return windows[: geometry.output_shape[0], : geometry.output_shape[1]]


def conv2d(image: np.ndarray, kernel: np.ndarray, padding: Padding = 0, stride: int = 1,
           dilation: int = 1, bias: float = 0.0) -> np.ndarray:
    """Cross-correlate a 2-D image with a 2-D kernel, as ``torch.nn.functional.conv2d`` does."""
    image, kernel = as_2d(image, "image"), as_2d(kernel, "kernel")
    geometry = ConvGeometry.of(image.shape, kernel.shape, padding, stride, dilation)
    return np.einsum("ijkl,kl->ij", conv_windows(image, geometry), kernel) + bias


def conv2d_torch(image: np.ndarray, kernel: np.ndarray, padding: Padding = 0, stride: int = 1,
                 dilation: int = 1) -> np.ndarray:
    """The same convolution by ``torch.nn.functional.conv2d``: the lab shows both side by side.

    torch refuses padding="same" with a stride, so the padding is applied first with the
    same (before, after) split as :func:`padding_amounts`.
    """
    import torch
    import torch.nn.functional as F

    image, kernel = as_2d(image, "image"), as_2d(kernel, "kernel")
    (top, bottom), (left, right) = (padding_amounts(padding, f, dilation) for f in kernel.shape)
    x = F.pad(torch.as_tensor(image)[None, None], (left, right, top, bottom))
    return F.conv2d(x, torch.as_tensor(kernel)[None, None], stride=stride, dilation=dilation)[0, 0].numpy()


@dataclass(frozen=True)
class ConvWindow:
    """One position of the sliding kernel, for the step-through view."""

    step: int  # 0 .. steps-1, row by row
    out_row: int
    out_col: int
    rows: np.ndarray  # input row under each kernel row (< 0 or >= height: a padding zero)
    cols: np.ndarray  # input column under each kernel column
    patch: np.ndarray  # [fh, fw] input values under the kernel taps
    products: np.ndarray  # patch * kernel, element by element
    total: float  # sum of the products (+ bias): the output value at (out_row, out_col)


def conv_window(image: np.ndarray, kernel: np.ndarray, step: int, padding: Padding = 0,
                stride: int = 1, dilation: int = 1, bias: float = 0.0) -> ConvWindow:
    """The window the kernel covers at step ``step`` (row-major over the output)."""
    image, kernel = as_2d(image, "image"), as_2d(kernel, "kernel")
    geometry = ConvGeometry.of(image.shape, kernel.shape, padding, stride, dilation)
    if not 0 <= step < geometry.steps:
        raise ValueError(f"Step {step} is outside 0..{geometry.steps - 1}.")
    out_row, out_col = divmod(step, geometry.output_shape[1])
    s, d = stride, dilation
    rows = out_row * s - geometry.pads[0][0] + d * np.arange(kernel.shape[0])
    cols = out_col * s - geometry.pads[1][0] + d * np.arange(kernel.shape[1])
    patch = conv_windows(image, geometry)[out_row, out_col].copy()
    products = patch * kernel
    return ConvWindow(step, out_row, out_col, rows, cols, patch, products,
                      float(products.sum() + bias))


def as_2d(array, name: str) -> np.ndarray:
    """A float64 2-D array, or a ValueError naming what was wrong."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"The {name} must be a non-empty 2-D array, got shape {array.shape}.")
    return array


# ---------------------------------------------------------------- ReLU, pooling, flatten

def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x): keeps the places a feature was found, zeroes the rest (seed 001)."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


POOLING_TYPES = {
    "max": "Max pooling: the largest value of each window (the strongest response).",
    "min": "Min pooling: the smallest value of each window.",
    "average": "Average pooling: the mean of each window.",
    "adaptive": "Adaptive pooling: you choose the output size; window sizes and strides follow from it.",
}
_REDUCERS = {"max": np.max, "min": np.min, "average": np.mean}


def pool2d(x: np.ndarray, size: int = 2, stride: int | None = None, mode: str = "max") -> np.ndarray:
    """Max / min / average pooling with a size x size window and a stride (default: size).

    The output size is seed 001's (W - F)/S + 1, rounded down (no padding, as in the seed).
    Min pooling is -maxpool(-x).
    """
    reduce = _reducer(mode)
    x = as_2d(x, "feature map")
    stride = size if stride is None else stride
    require_positive(size=size, stride=stride)
    if size > min(x.shape):
        raise ValueError(f"The {size}×{size} pooling window does not fit in the "
                         f"{x.shape[0]}×{x.shape[1]} feature map.")
    geometry = ConvGeometry.of(x.shape, (size, size), 0, stride, 1)
    return reduce(conv_windows(x, geometry), axis=(2, 3))


def adaptive_bins(n: int, out: int) -> list[tuple[int, int]]:
    """torch's adaptive windows: output i pools [floor(i·n/out), ceil((i+1)·n/out))."""
    if not 1 <= out <= n:
        raise ValueError(f"Adaptive pooling output size must be between 1 and {n}, not {out}.")
    return [(i * n // out, -(-(i + 1) * n // out)) for i in range(out)]


def adaptive_pool2d(x: np.ndarray, output_shape: int | tuple[int, int], mode: str = "average") -> np.ndarray:
    """Adaptive pooling: the output shape is given; the windows (which may overlap) follow."""
    reduce = _reducer(mode)
    x = as_2d(x, "feature map")
    oh, ow = (output_shape, output_shape) if np.isscalar(output_shape) else output_shape
    rows, cols = adaptive_bins(x.shape[0], int(oh)), adaptive_bins(x.shape[1], int(ow))
    return np.array([[reduce(x[r0:r1, c0:c1]) for c0, c1 in cols] for r0, r1 in rows])


def _reducer(mode: str):
    if mode not in _REDUCERS:
        raise ValueError(f"Pooling must be one of {', '.join(_REDUCERS)}, not {mode!r}.")
    return _REDUCERS[mode]


def flatten(x: np.ndarray) -> np.ndarray:
    """Seed 001's flattening: the pooled map read row by row into one long vector (torch.flatten order)."""
    return np.asarray(x).reshape(-1)


# ---------------------------------------------------------------- kernels

@dataclass(frozen=True)
class Kernel:
    name: str
    weights: np.ndarray
    explanation: str  # a short tooltip that teaches


def _k(rows, scale: float = 1.0) -> np.ndarray:
    return np.array(rows, dtype=np.float64) * scale


_GAUSS5 = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0

KERNELS: dict[str, Kernel] = {k.name: k for k in (
    Kernel("Vertical edge", _k([[1, 0, -1]] * 3),
           "Seed 000: bright on the left minus bright on the right. Large where a vertical edge is; "
           "+ for light-to-dark, − for dark-to-light."),
    Kernel("Horizontal edge", _k([[1, 1, 1], [0, 0, 0], [-1, -1, -1]]),
           "Seed 000: top row minus bottom row. Large on horizontal edges."),
    Kernel("Sobel x", _k([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
           "Sobel: a vertical-edge detector that weights the centre row twice, so it is less "
           "sensitive to noise. Positive where the image gets brighter to the right."),
    Kernel("Sobel y", _k([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
           "Sobel: horizontal edges; positive where the image gets brighter downwards."),
    Kernel("Prewitt x", _k([[-1, 0, 1]] * 3),
           "Prewitt: right column minus left column, equal weights (a plain vertical-edge detector)."),
    Kernel("Prewitt y", _k([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
           "Prewitt: bottom row minus top row (horizontal edges)."),
    Kernel("Box blur", _k(np.ones((3, 3)), 1 / 9),
           "Every output is the mean of its 3×3 neighbourhood: smooths, loses detail."),
    Kernel("Gaussian blur", _k([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1 / 16),
           "A weighted mean that trusts the centre most: a gentler blur than the box."),
    Kernel("Gaussian blur 5×5", _GAUSS5,
           "A wider Gaussian (binomial 1-4-6-4-1) blur: a 5×5 kernel."),
    Kernel("Sharpen", _k([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
           "The pixel plus (pixel − its neighbours): boosts what differs from its surroundings."),
    Kernel("Loopy pattern", _k([[1, 1, 1], [1, -1, 1], [1, 1, 1]]),
           "Seed 001's loopy-pattern detector: a ring of +1 around a −1 hole. It answers most "
           "where a small loop (the top of a 9, a 6 or an 8) sits under it."),
    Kernel("Loopy pattern ÷ 9", _k([[1, 1, 1], [1, -1, 1], [1, 1, 1]], 1 / 9),
           "The loopy-pattern detector divided by 9, as seed 001 prints its feature map: on ±1 "
           "images, 1 means the 3×3 piece matches the pattern exactly."),
    # The X example's features: the seed's figures are lost in its text; these are the three
    # pieces of the classic example it reproduces (two diagonals and the crossing), ÷ 9 like the loopy map.
    Kernel("X piece: diagonal ╲ ÷ 9", _k([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], 1 / 9),
           "Seed 001's X example: CNNs compare images piece by piece. This piece is a short ╲ stroke; "
           "on ±1 images the map is 1 wherever the piece matches exactly."),
    Kernel("X piece: diagonal ╱ ÷ 9", _k([[-1, -1, 1], [-1, 1, -1], [1, -1, -1]], 1 / 9),
           "Seed 001's X example: a short ╱ stroke."),
    Kernel("X piece: crossing ÷ 9", _k([[1, -1, 1], [-1, 1, -1], [1, -1, 1]], 1 / 9),
           "Seed 001's X example: the small x where the two strokes cross."),
    Kernel("Identity", _k([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
           "Copies the input (with 'same' padding): use it to pool or resample the input itself."),
)}


def parse_kernel(cells: Sequence[Sequence[str]]) -> np.ndarray:
    """A kernel typed into the lab's grid: a 3x3 or 5x5 grid of strings.

    Numbers may be written as decimals ("0.5", "-1", "1e-2") or fractions ("1/9").
    Anything else raises ValueError naming the cell, so the panel can show it.
    """
    rows = [list(row) for row in cells]
    size = len(rows)
    if size not in (3, 5) or any(len(row) != size for row in rows):
        raise ValueError(f"A kernel is a 3×3 or 5×5 grid; got {size} rows of "
                         f"{sorted({len(r) for r in rows})} cells.")
    weights = np.empty((size, size))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            weights[r, c] = parse_weight(str(text), f"Row {r + 1}, column {c + 1}")
    return weights


# Typed weights stay within ±a million: every product and sum over a digit (pixels in
# [0, 1]) is then a number a person can read, and nothing overflows on the way to the
# screen (1e308 times a pixel sum is inf; float32 images stop at 3.4e38).
WEIGHT_LIMIT = 1e6


def parse_weight(text: str, where: str) -> float:
    """One typed weight ("0.5", "-1", "1/9"); ``where`` names the cell in the error message."""
    cleaned = text.strip().replace("−", "-")
    if not cleaned:
        raise ValueError(f"{where} is empty: type a number such as 0, 1, -1, 0.5 or 1/9.")
    try:
        value = float(Fraction(cleaned)) if "/" in cleaned else float(cleaned)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{where}: {text.strip()!r} is not a number "
                         f"(use numbers such as 0, 1, -1, 0.5 or 1/9).") from None
    if not np.isfinite(value):
        raise ValueError(f"{where}: {text.strip()!r} is not a finite number.")
    if abs(value) > WEIGHT_LIMIT:
        raise ValueError(f"{where}: {text.strip()!r} is too large: use weights between "
                         f"−{WEIGHT_LIMIT:,.0f} and {WEIGHT_LIMIT:,.0f}.")
    return value


def first_layer_kernels(model) -> np.ndarray | None:
    """The learned kernels of a model's first convolution on a 1-channel input, [N, f, f].

    Takes a ``torch.nn.Module``; returns None if it has no such layer.
    """
    import torch  # only needed here; the rest of the file is numpy

    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d) and module.in_channels == 1:
            return module.weight.detach().cpu().double().numpy()[:, 0]
    return None


# ---------------------------------------------------------------- shapes and parameters

@dataclass(frozen=True)
class ConvLayerSpec:
    """Seed 000's notation summary for one conv layer l (inputs)."""

    n_h: int  # n_H^[l-1]: input height
    n_w: int  # n_W^[l-1]: input width
    n_c: int  # n_C^[l-1]: input channels
    f: int  # filter size f^[l]
    p: int = 0  # padding p^[l]
    s: int = 1  # stride s^[l]
    n_filters: int = 1  # n_C^[l]: number of filters = output channels
    d: int = 1  # dilation (not in seed 000; 1 = none)


@dataclass(frozen=True)
class ConvLayerShapes:
    """What seed 000's summary derives from a :class:`ConvLayerSpec`."""

    output: tuple[int, int, int]  # n_H^[l] x n_W^[l] x n_C^[l]
    filter: tuple[int, int, int]  # f x f x n_C^[l-1]
    weights: int  # f·f·n_C^[l-1]·n_C^[l]
    biases: int  # n_C^[l] (one per filter)

    @property
    def parameters(self) -> int:
        return self.weights + self.biases


def conv_layer_shapes(spec: ConvLayerSpec) -> ConvLayerShapes:
    require_positive(**{"input height": spec.n_h, "input width": spec.n_w,
                        "input channels": spec.n_c, "number of filters": spec.n_filters})
    padding_amounts(spec.p, spec.f)  # refuses a negative or fractional p
    out_h = output_size(spec.n_h, spec.f, spec.p, spec.s, spec.d)
    out_w = output_size(spec.n_w, spec.f, spec.p, spec.s, spec.d)
    weights = spec.f * spec.f * spec.n_c * spec.n_filters
    return ConvLayerShapes((out_h, out_w, spec.n_filters), (spec.f, spec.f, spec.n_c),
                           weights, spec.n_filters)


@dataclass(frozen=True)
class FullyConnectedComparison:
    """Seed 001's "why not fully connected": one dense neuron sees every input value."""

    weights_per_neuron: int  # n_H·n_W·n_C (28x28x3 -> 2,352; 200x200x3 -> 120,000)
    dense_weights: int  # a dense layer with as many outputs as the conv layer
    conv_weights: int  # the conv layer: shared f·f·n_C·n_C' weights

    @property
    def ratio(self) -> float:
        return self.dense_weights / self.conv_weights


def weights_per_dense_neuron(n_h: int, n_w: int, n_c: int) -> int:
    """Weights one fully connected neuron needs: one per input value."""
    return n_h * n_w * n_c


def compare_with_fully_connected(spec: ConvLayerSpec) -> FullyConnectedComparison:
    shapes = conv_layer_shapes(spec)
    per_neuron = weights_per_dense_neuron(spec.n_h, spec.n_w, spec.n_c)
    outputs = int(np.prod(shapes.output))
    return FullyConnectedComparison(per_neuron, per_neuron * outputs, shapes.weights)
