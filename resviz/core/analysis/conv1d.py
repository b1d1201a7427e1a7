"""1-D convolution three ways: sliding window, circulant matrix, FFT (seed 004).

The conventions, made explicit so the three agree to machine precision:

* A CNN layer (and ``torch.nn.functional.conv1d``) computes a *cross-correlation* over a
  *zero-padded* signal: y[i] = sum_k w[k] x_pad[i*s + k*d], with x_pad = p zeros, x, p zeros.
* Seed 004's circulant matrix C(c) stacks shifted (mod L) copies of c: C[i, j] = c[(i - j) mod L].
  C(c) @ x is a *circular convolution*; with c = [0, 1, 0, ..., 0] it shifts x right by one.
* A cross-correlation is a convolution with the kernel reversed, so the CNN's kernel
  enters C as c[(-k*d) mod L] = w[k] (reversed and dilated, wrapped round).
* Circular and zero-padded agree as long as no window wraps round the end: apply C to the
  padded signal (length L = n + 2p) and keep only the first m = L - d(f-1) outputs; the
  last d(f-1) rows of C are the windows that wrap. Stride s keeps every s-th of those rows.
* The FFT diagonalises every circulant matrix, so C(c) @ x = ifft(fft(c) * fft(x)).

MNIST-1D samples (seed 004's 40-point signals) come from the registered ``mnist1d`` dataset
(``datasets/mnist1d.py``: built offline once, then read from the cache); kept in memory.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .convolution import (
    Padding,
    effective_kernel_size,
    output_size_padded,
    padding_amounts,
    parse_weight,
)

MAX_KERNEL_1D = 9


def _as_1d(array, name: str) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"The {name} must be a non-empty 1-D array, got shape {array.shape}.")
    return array


def conv1d(signal, kernel, padding: Padding = 0, stride: int = 1, dilation: int = 1) -> np.ndarray:
    """Direct 1-D cross-correlation over the zero-padded signal, as torch's conv1d."""
    x, w = _as_1d(signal, "signal"), _as_1d(kernel, "kernel")
    pads = padding_amounts(padding, w.size, dilation)
    m = output_size_padded(x.size, w.size, pads, stride, dilation)
    padded = np.pad(x, pads)
    span = effective_kernel_size(w.size, dilation)
    windows = sliding_window_view(padded, span)[::stride, ::dilation][:m]
    return windows @ w


def parse_kernel_1d(text: str) -> np.ndarray:
    """A typed 1-D kernel: "1, 2, 1" or "1/4 1/2 1/4"; a ValueError names a bad weight."""
    parts = text.replace(",", " ").split()
    if not 1 <= len(parts) <= MAX_KERNEL_1D:
        raise ValueError(f"Type 1 to {MAX_KERNEL_1D} weights separated by commas, e.g. 1, 2, 1.")
    return np.array([parse_weight(part, f"Weight {i + 1}") for i, part in enumerate(parts)])


def circulant(first_column) -> np.ndarray:
    """Seed 004's circulant matrix: C[i, j] = c[(i - j) mod L], each row c shifted one step further."""
    c = _as_1d(first_column, "first column")
    index = (np.arange(c.size)[:, None] - np.arange(c.size)[None, :]) % c.size
    return c[index]


def correlation_column(kernel, length: int, dilation: int = 1) -> np.ndarray:
    """The column c with C(c) @ x = circular cross-correlation of x with the dilated kernel.

    c[(-k*d) mod L] = w[k]: the kernel reversed (correlation, not convolution) and
    spread out by the dilation.
    """
    w = _as_1d(kernel, "kernel")
    if effective_kernel_size(w.size, dilation) > length:
        raise ValueError(f"A kernel spanning {effective_kernel_size(w.size, dilation)} points "
                         f"does not fit in a signal of {length}.")
    c = np.zeros(length)
    c[(-np.arange(w.size) * dilation) % length] = w
    return c


@dataclass(frozen=True)
class Conv1dThreeWays:
    """One 1-D convolution computed directly, as a circulant product and through the FFT."""

    n_inputs: int  # n, the signal's length
    pads: tuple[int, int]  # zeros added before and after
    padded_signal: np.ndarray  # [L]: p zeros, the signal, p zeros
    circulant_matrix: np.ndarray  # [L, L]: C(c), the circular cross-correlation
    kept_rows: np.ndarray  # rows of C that are the strided, non-wrapping outputs
    direct: np.ndarray  # sliding-window sum of products
    via_circulant: np.ndarray  # (C @ padded_signal)[kept_rows]
    via_fft: np.ndarray  # ifft(fft(c) * fft(padded_signal))[kept_rows]

    @property
    def layer_matrix(self) -> np.ndarray:
        """[m, n]: the conv layer as one matrix on the unpadded signal (a banded Toeplitz matrix)."""
        before = self.pads[0]
        return self.circulant_matrix[self.kept_rows][:, before:before + self.n_inputs]

    @property
    def max_difference(self) -> float:
        """Largest gap between the three results (machine-precision small)."""
        return float(max(np.abs(self.via_circulant - self.direct).max(),
                         np.abs(self.via_fft - self.direct).max()))

    @property
    def relative_difference(self) -> float:
        """``max_difference`` as a fraction of the largest output (nan if a result is not finite)."""
        results = np.concatenate([self.direct, self.via_circulant, self.via_fft])
        if not np.isfinite(results).all():
            return float("nan")
        scale = float(np.abs(self.direct).max())
        return self.max_difference / scale if scale > 0 else self.max_difference

    @property
    def equal_to_machine_precision(self) -> bool:
        """True when the three ways agree to float64 rounding (a few hundred ulps of the largest output)."""
        return self.relative_difference <= 1e-13  # nan compares False


def conv1d_three_ways(signal, kernel, padding: Padding = 0, stride: int = 1,
                      dilation: int = 1) -> Conv1dThreeWays:
    x, w = _as_1d(signal, "signal"), _as_1d(kernel, "kernel")
    pads = padding_amounts(padding, w.size, dilation)
    direct = conv1d(x, w, padding, stride, dilation)
    padded = np.pad(x, pads)
    column = correlation_column(w, padded.size, dilation)
    matrix = circulant(column)
    kept = np.arange(direct.size) * stride
    via_circulant = (matrix @ padded)[kept]
    via_fft = np.fft.ifft(np.fft.fft(column) * np.fft.fft(padded)).real[kept]
    return Conv1dThreeWays(x.size, pads, padded, matrix, kept, direct, via_circulant, via_fft)


@dataclass(frozen=True)
class UnitPlacement:
    """Where a stacked 1-D conv layer's units sit over the input: unit i is centred on input
    position ``first + i * spacing`` (``spacing``: the product of the strides so far)."""

    first: float
    spacing: float

    def span(self, length: int) -> tuple[float, float]:
        """(left edge, width) of ``length`` units drawn ``spacing`` wide around their centres."""
        return self.first - self.spacing / 2, self.spacing * length


def unit_placements(layers) -> list[UnitPlacement]:
    """For conv layers given as (kernel_size, stride, padding, dilation), input to output.

    A unit's window in the layer below starts at i*s - p and its centre is d*(k-1)/2 further;
    centres stay affine in i, so each layer is a first centre and a spacing.
    """
    placements, first, spacing = [], 0.0, 1.0
    for kernel_size, stride, padding, dilation in layers:
        first += spacing * (dilation * (kernel_size - 1) / 2 - padding)
        spacing *= stride
        placements.append(UnitPlacement(first, spacing))
    return placements


# ---------------------------------------------------------------- MNIST-1D

@functools.lru_cache(maxsize=1)
def mnist1d_dataset():
    """MNIST-1D as the registered dataset builds it (4,000 train + 1,000 test, 40 points), kept in memory."""
    from ..data import load_dataset

    return load_dataset("mnist1d")


def mnist1d_sample(index: int, split: str = "test") -> tuple[np.ndarray, int]:
    """One MNIST-1D signal (40 floats) and its digit label."""
    data = mnist1d_dataset()
    x, y = (data.test_inputs, data.test_labels) if split == "test" else (data.train_inputs, data.train_labels)
    if not 0 <= index < len(x):
        raise ValueError(f"MNIST-1D {split} has {len(x)} samples; {index} is out of range.")
    return x[index, 0].numpy().astype(np.float64), int(y[index])
