"""Seed 004's 1-D convolution: direct = circulant matrix = FFT = torch's conv1d."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from resviz.core.analysis import conv1d as c1
from resviz.core.analysis.convolution import padding_amounts

# What the 1-D view allows: kernel 1..7, valid / same / p = 0..4, stride 1..3, dilation 1..3.
KERNEL_SIZES = (1, 3, 5, 7)
PADDINGS = ("valid", "same", 0, 1, 2, 4)


def torch_conv1d(x, w, padding, stride, dilation):
    before, after = padding_amounts(padding, len(w), dilation)
    xt = F.pad(torch.as_tensor(x)[None, None], (before, after))
    return F.conv1d(xt, torch.as_tensor(w)[None, None], stride=stride, dilation=dilation)[0, 0].numpy()


@pytest.mark.parametrize("f", KERNEL_SIZES)
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("stride", (1, 2, 3))
@pytest.mark.parametrize("dilation", (1, 2, 3))
def test_direct_circulant_and_fft_equal_torch(f, padding, stride, dilation):
    rng = np.random.default_rng(f * 100 + stride * 10 + dilation)
    x, w = rng.normal(size=40), rng.normal(size=f)
    three = c1.conv1d_three_ways(x, w, padding, stride, dilation)
    expected = torch_conv1d(x, w, padding, stride, dilation)
    np.testing.assert_allclose(three.direct, expected, atol=1e-12)
    np.testing.assert_allclose(three.via_circulant, three.direct, atol=1e-12)
    np.testing.assert_allclose(three.via_fft, three.direct, atol=1e-12)
    assert three.max_difference < 1e-12
    # the conv layer as one banded matrix on the unpadded signal
    np.testing.assert_allclose(three.layer_matrix @ x, three.direct, atol=1e-12)
    assert three.layer_matrix.shape == (expected.size, 40)


def test_circulant_is_built_from_shifted_copies_and_commutes():
    c = np.array([1.0, 2, 3, 4])
    np.testing.assert_array_equal(c1.circulant(c), [[1, 4, 3, 2], [2, 1, 4, 3], [3, 2, 1, 4], [4, 3, 2, 1]])
    rng = np.random.default_rng(0)
    u, w = rng.normal(size=6), rng.normal(size=6)
    cu, cw = c1.circulant(u), c1.circulant(w)
    np.testing.assert_allclose(cu @ cw, cw @ cu, atol=1e-12)  # seed 004: C(u)C(w) = C(w)C(u)


def test_w_equal_e1_shifts_right_by_one():
    x = np.arange(5.0)
    shift = c1.circulant([0.0, 1, 0, 0, 0])
    np.testing.assert_array_equal(shift @ x, np.roll(x, 1))


def test_circulant_product_is_the_fft_product():
    rng = np.random.default_rng(1)
    c, x = rng.normal(size=16), rng.normal(size=16)
    np.testing.assert_allclose(c1.circulant(c) @ x, np.fft.ifft(np.fft.fft(c) * np.fft.fft(x)).real, atol=1e-12)


def test_the_rows_left_out_are_the_windows_that_wrap_round():
    x, w = np.arange(1.0, 7.0), np.array([1.0, 10.0, 100.0])
    three = c1.conv1d_three_ways(x, w, padding=0)
    full = three.circulant_matrix @ three.padded_signal
    np.testing.assert_array_equal(full[:4], three.direct)
    assert full[4] == 5 + 6 * 10 + 1 * 100  # the window at 4 wraps: x5, x6, then x1


def test_seed_004_mnist1d_first_layer_size():
    assert c1.conv1d(np.zeros(40), np.ones(3), "valid", stride=2).size == 19


def test_bad_settings_get_a_message():
    with pytest.raises(ValueError, match="no position where it fits"):
        c1.conv1d(np.zeros(4), np.ones(3), dilation=3)
    with pytest.raises(ValueError, match="stride"):
        c1.conv1d(np.zeros(10), np.ones(3), stride=0)


def test_mnist1d_samples_are_40_point_signals_built_once():
    signal, label = c1.mnist1d_sample(0)
    assert signal.shape == (40,) and 0 <= label <= 9 and np.isfinite(signal).all()
    assert c1.mnist1d_dataset() is c1.mnist1d_dataset()  # cached, not rebuilt
    assert c1.mnist1d_dataset().test_inputs.shape == (1000, 1, 40)
    with pytest.raises(ValueError, match="out of range"):
        c1.mnist1d_sample(1000)


def test_three_ways_that_are_not_finite_are_not_called_equal():
    from resviz.core.analysis.conv1d import conv1d_three_ways

    signal = np.sin(np.linspace(0, 6, 40))
    assert conv1d_three_ways(signal, np.array([0.25, 0.5, 0.25])).equal_to_machine_precision
    with np.errstate(all="ignore"):
        huge = conv1d_three_ways(signal, np.array([1e308, 1e308, 1e308]))
    assert np.isnan(huge.relative_difference) and not huge.equal_to_machine_precision


def test_unit_placements_of_the_seed_network_centre_each_unit_over_its_inputs():
    # kernel 3, stride 2, valid: layer-1 unit i reads inputs 2i..2i+2 (centre 2i+1), layer 2 centres 4j+3, ...
    placements = c1.unit_placements([(3, 2, 0, 1)] * 3)
    assert [(p.first, p.spacing) for p in placements] == [(1, 2), (3, 4), (7, 8)]
    assert placements[0].span(19) == (0, 38)


def test_unit_placements_match_the_windows_actually_read():
    layers = [(5, 1, 2, 1), (3, 2, 0, 2), (3, 3, 1, 1)]  # padding and dilation too
    length, position = 64, lambda i: float(i)
    for (k, s, p, d), placement in zip(layers, c1.unit_placements(layers)):
        length = (length + 2 * p - d * (k - 1) - 1) // s + 1
        centres = np.array([np.mean([position(i * s - p + j * d) for j in range(k)]) for i in range(length)])
        np.testing.assert_allclose(centres, placement.first + np.arange(length) * placement.spacing)
        position = lambda i, c=centres: c[0] + i * (c[1] - c[0])  # noqa: E731 — padding extends the line
