"""The Convolution lab's 2-D maths against torch.nn.functional and the seeds' examples."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from resviz.core.analysis import convolution as conv
from resviz.core.analysis import seed_examples as seeds

# What the lab's controls allow: 3x3 / 5x5 kernels, valid / same / p = 0..4, stride 1..4, dilation 1..3.
KERNEL_SIZES = (3, 5)
PADDINGS = ("valid", "same", 0, 1, 2, 3, 4)
STRIDES = (1, 2, 3, 4)
DILATIONS = (1, 2, 3)


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, dtype=np.float64))[None, None]


def torch_conv2d(image, kernel, padding, stride, dilation):
    """torch's answer; "same" with stride > 1 is padded by hand (torch refuses it)."""
    (top, bottom), (left, right) = (conv.padding_amounts(padding, f, dilation) for f in kernel.shape)
    x = F.pad(_t(image), (left, right, top, bottom))
    return F.conv2d(x, _t(kernel), stride=stride, dilation=dilation)[0, 0].numpy()


@pytest.mark.parametrize("f", KERNEL_SIZES)
@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("stride", STRIDES)
@pytest.mark.parametrize("dilation", DILATIONS)
def test_conv2d_equals_torch_on_a_digit_sized_input(f, padding, stride, dilation):
    rng = np.random.default_rng(f * 1000 + stride * 10 + dilation)
    image, kernel = rng.normal(size=(28, 28)), rng.normal(size=(f, f))
    ours = conv.conv2d(image, kernel, padding, stride, dilation)
    expected = torch_conv2d(image, kernel, padding, stride, dilation)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(conv.conv2d_torch(image, kernel, padding, stride, dilation), expected)
    if padding == "same" and stride == 1:  # torch's own "same" agrees too
        same = F.conv2d(_t(image), _t(kernel), padding="same", dilation=dilation)[0, 0].numpy()
        np.testing.assert_allclose(ours, same, atol=1e-10)


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("stride", (1, 2))
@pytest.mark.parametrize("dilation", (1, 2))
def test_conv2d_on_a_rectangular_input_and_same_padding_with_an_even_kernel(padding, stride, dilation):
    rng = np.random.default_rng(7)
    image, kernel = rng.normal(size=(11, 8)), rng.normal(size=(2, 2))
    ours = conv.conv2d(image, kernel, padding, stride, dilation, bias=0.25)
    expected = torch_conv2d(image, kernel, padding, stride, dilation) + 0.25
    np.testing.assert_allclose(ours, expected, atol=1e-10)


@pytest.mark.parametrize("f", KERNEL_SIZES)
@pytest.mark.parametrize("p", (0, 1, 2, 3, 4))
@pytest.mark.parametrize("s", STRIDES)
@pytest.mark.parametrize("d", DILATIONS)
def test_output_size_is_the_size_torch_produces(f, p, s, d):
    w = torch.zeros(1, 1, f, f)
    for n in (4, 5, 6, 7, 9, 28):  # the lab's input sizes
        x = torch.zeros(1, 1, n, n)
        if n + 2 * p < d * (f - 1) + 1:
            with pytest.raises(RuntimeError):
                F.conv2d(x, w, padding=p, stride=s, dilation=d)
            with pytest.raises(ValueError, match="padded input"):
                conv.output_size(n, f, p, s, d)
        else:
            assert conv.output_size(n, f, p, s, d) == F.conv2d(x, w, padding=p, stride=s, dilation=d).shape[-1]


def test_output_size_reduces_to_the_seed_formula_without_dilation():
    for n, f, p, s in [(6, 3, 0, 1), (28, 5, 2, 1), (14, 5, 2, 1), (28, 2, 0, 2), (9, 3, 1, 1), (40, 3, 0, 2)]:
        assert conv.output_size(n, f, p, s) == (n + 2 * p - f) // s + 1
    assert conv.output_size(6, 3) == 4  # seed 001: 6x6 input, 3x3 kernel -> 4x4 feature map
    assert conv.output_size(9, 3, 1) == 9  # seed 001: 9x9 with one ring of padding stays 9x9
    assert conv.output_size(40, 3, 0, 2) == 19  # seed 004: MNIST-1D, kernel 3, stride 2, valid -> 19


def test_formula_text_fills_in_the_numbers_and_the_result():
    text = conv.output_size_formula(28, 3, (1, 1), s=2, d=1)
    assert "⌊(28 + 2·1 − 3)/2⌋ + 1" in text and text.endswith("= 14")
    dilated = conv.output_size_formula(28, 3, (0, 0), s=1, d=2)
    assert "f_d = d(f−1)+1 = 2·(3−1)+1 = 5" in dilated and dilated.endswith("= 24")
    assert "no output" in conv.output_size_formula(4, 5, (0, 0), s=1, d=2)


def test_each_window_holds_the_products_that_sum_to_its_output():
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(9, 7)), rng.normal(size=(3, 3))
    out = conv.conv2d(image, kernel, padding=2, stride=2, dilation=2)
    geometry = conv.ConvGeometry.of(image.shape, kernel.shape, 2, 2, 2)
    assert geometry.steps == out.size
    for step in range(geometry.steps):
        window = conv.conv_window(image, kernel, step, padding=2, stride=2, dilation=2)
        assert window.total == pytest.approx(out[window.out_row, window.out_col])
        np.testing.assert_allclose(window.products, window.patch * kernel)
        inside = (window.rows[:, None] >= 0) & (window.rows[:, None] < 9) & \
                 (window.cols[None, :] >= 0) & (window.cols[None, :] < 7)
        # taps inside the image read the image, taps on the padding read zero
        expected = np.where(inside, image[np.clip(window.rows, 0, 8)][:, np.clip(window.cols, 0, 6)], 0.0)
        np.testing.assert_array_equal(window.patch, expected)
    with pytest.raises(ValueError, match="outside"):
        conv.conv_window(image, kernel, geometry.steps, padding=2, stride=2, dilation=2)


# ---------------------------------------------------------------- pooling

@pytest.mark.parametrize("size", (2, 3, 4))
@pytest.mark.parametrize("stride", (1, 2, 3, 4))
@pytest.mark.parametrize("shape", ((28, 28), (13, 11)))
def test_max_min_average_pooling_equal_torch(size, stride, shape):
    x = np.random.default_rng(size * 10 + stride).normal(size=shape)
    max_t = F.max_pool2d(_t(x), size, stride)[0, 0].numpy()
    np.testing.assert_allclose(conv.pool2d(x, size, stride, "max"), max_t)
    np.testing.assert_allclose(conv.pool2d(x, size, stride, "min"), -F.max_pool2d(_t(-x), size, stride)[0, 0].numpy())
    np.testing.assert_allclose(conv.pool2d(x, size, stride, "average"),
                               F.avg_pool2d(_t(x), size, stride)[0, 0].numpy(), atol=1e-12)


def test_min_pool_is_minus_max_pool_of_minus_x():
    x = np.random.default_rng(3).normal(size=(10, 10))
    np.testing.assert_array_equal(conv.pool2d(x, 2, 2, "min"), -conv.pool2d(-x, 2, 2, "max"))


@pytest.mark.parametrize("out", (1, 2, 3, 5, 7, 13))
@pytest.mark.parametrize("shape", ((28, 28), (13, 11), (26, 26)))
def test_adaptive_pooling_equals_torch(out, shape):
    x = np.random.default_rng(out).normal(size=shape)
    out = min(out, *shape)
    np.testing.assert_allclose(conv.adaptive_pool2d(x, out, "average"),
                               F.adaptive_avg_pool2d(_t(x), out)[0, 0].numpy(), atol=1e-12)
    np.testing.assert_allclose(conv.adaptive_pool2d(x, out, "max"),
                               F.adaptive_max_pool2d(_t(x), out)[0, 0].numpy())


def test_pooling_refuses_bad_settings_with_a_message():
    with pytest.raises(ValueError, match="does not fit"):
        conv.pool2d(np.zeros((3, 3)), 4)
    with pytest.raises(ValueError, match="Pooling must be"):
        conv.pool2d(np.zeros((4, 4)), 2, mode="median")
    with pytest.raises(ValueError, match="between 1 and 4"):
        conv.adaptive_pool2d(np.zeros((4, 4)), 5)


def test_relu_and_flatten_match_torch():
    x = np.random.default_rng(4).normal(size=(5, 6))
    np.testing.assert_array_equal(conv.relu(x), F.relu(_t(x))[0, 0].numpy())
    np.testing.assert_array_equal(conv.flatten(x), torch.flatten(_t(x)).numpy())


# ---------------------------------------------------------------- kernels and the typed grid

def test_kernel_library_has_the_seed_kernels():
    np.testing.assert_array_equal(conv.KERNELS["Vertical edge"].weights, [[1, 0, -1]] * 3)
    np.testing.assert_array_equal(conv.KERNELS["Horizontal edge"].weights, [[1, 1, 1], [0, 0, 0], [-1, -1, -1]])
    np.testing.assert_array_equal(conv.KERNELS["Loopy pattern"].weights, [[1, 1, 1], [1, -1, 1], [1, 1, 1]])
    for kernel in conv.KERNELS.values():
        assert kernel.weights.shape in ((3, 3), (5, 5)) and kernel.explanation
    for blur in ("Box blur", "Gaussian blur", "Gaussian blur 5×5"):
        assert conv.KERNELS[blur].weights.sum() == pytest.approx(1.0)  # a mean keeps brightness


def test_parse_kernel_accepts_numbers_and_fractions():
    cells = [["1", " -1 ", "0.5"], ["1/9", "−2", "1e-1"], ["0", "0", "+3"]]
    np.testing.assert_allclose(conv.parse_kernel(cells), [[1, -1, 0.5], [1 / 9, -2, 0.1], [0, 0, 3]])
    assert conv.parse_kernel([["0"] * 5] * 5).shape == (5, 5)


@pytest.mark.parametrize("bad, message", [
    ("abc", "Row 2, column 3: 'abc' is not a number"),
    ("", "Row 2, column 3 is empty"),
    ("1/0", "'1/0' is not a number"),
    ("nan", "not a finite number"),
])
def test_parse_kernel_refuses_a_non_number_naming_the_cell(bad, message):
    cells = [["1"] * 3 for _ in range(3)]
    cells[1][2] = bad
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        conv.parse_kernel(cells)


def test_parse_kernel_refuses_other_sizes():
    with pytest.raises(ValueError, match="3×3 or 5×5"):
        conv.parse_kernel([["1"] * 4] * 4)


def test_first_layer_kernels_come_from_the_first_one_channel_conv():
    from resviz.core.models.cnn import SimpleCNN

    model = SimpleCNN()
    kernels = conv.first_layer_kernels(model)
    assert kernels.shape == (16, 5, 5)
    np.testing.assert_array_equal(kernels, model.layer1[0].weight.detach().double().numpy()[:, 0])
    assert conv.first_layer_kernels(torch.nn.Linear(3, 3)) is None


# ---------------------------------------------------------------- shapes and parameters

def test_seed_001_cnn_shapes_and_parameters():
    conv1 = conv.conv_layer_shapes(conv.ConvLayerSpec(28, 28, 1, f=5, p=2, s=1, n_filters=16))
    assert conv1.output == (28, 28, 16) and conv1.filter == (5, 5, 1)
    assert (conv1.weights, conv1.biases, conv1.parameters) == (5 * 5 * 1 * 16, 16, 416)
    conv2 = conv.conv_layer_shapes(conv.ConvLayerSpec(14, 14, 16, f=5, p=2, s=1, n_filters=32))
    assert conv2.output == (14, 14, 32) and conv2.weights == 5 * 5 * 16 * 32 and conv2.biases == 32
    torch_conv = torch.nn.Conv2d(16, 32, 5, padding=2)
    assert conv2.weights == torch_conv.weight.numel() and conv2.biases == torch_conv.bias.numel()
    assert torch_conv(torch.zeros(1, 16, 14, 14)).shape[1:] == (32, 14, 14)


def test_why_not_fully_connected_numbers_of_seed_001():
    assert conv.weights_per_dense_neuron(28, 28, 3) == 2352
    assert conv.weights_per_dense_neuron(200, 200, 3) == 120_000
    comparison = conv.compare_with_fully_connected(conv.ConvLayerSpec(28, 28, 3, f=3, p=1, n_filters=8))
    assert comparison.weights_per_neuron == 2352
    assert comparison.conv_weights == 3 * 3 * 3 * 8
    assert comparison.dense_weights == 2352 * 28 * 28 * 8
    assert comparison.ratio == pytest.approx(2352 * 28 * 28 * 8 / 216)


def test_calculator_refuses_impossible_layers():
    with pytest.raises(ValueError, match="no position where it fits"):
        conv.conv_layer_shapes(conv.ConvLayerSpec(3, 3, 1, f=5))
    with pytest.raises(ValueError, match="stride"):
        conv.conv_layer_shapes(conv.ConvLayerSpec(28, 28, 1, f=3, s=0))


# ---------------------------------------------------------------- the seeds' worked examples

def test_seed_000_vertical_edge_example():
    out = conv.conv2d(seeds.vertical_edge_image(), conv.KERNELS["Vertical edge"].weights)
    np.testing.assert_array_equal(out, seeds.VERTICAL_EDGE_OUTPUT)


def test_seed_001_loopy_pattern_feature_map():
    example = seeds.SEED_EXAMPLES['7×5 "9" + loopy detector (seed 001)']
    assert example.kernel_name == "Loopy pattern ÷ 9"
    np.testing.assert_allclose(example.kernel * 9, conv.KERNELS["Loopy pattern"].weights)
    feature_map = conv.conv2d(example.image, example.kernel)
    assert feature_map.shape == (5, 3)
    printed = seeds.LOOPY_FEATURE_MAP_PRINTED
    follows = np.ones(printed.shape, dtype=bool)
    for r, c in seeds.LOOPY_MISPRINTED_ENTRIES:
        follows[r, c] = False
    np.testing.assert_allclose(seeds.truncate_2dp(feature_map)[follows], printed[follows])
    # the three that do not follow are -5/9, and negative either way
    np.testing.assert_allclose(feature_map[~follows], -5 / 9)
    assert (printed[~follows] < 0).all()
    assert feature_map.max() == pytest.approx(1.0) and feature_map.argmax() == 1  # the loop, top centre
    np.testing.assert_allclose(seeds.truncate_2dp(conv.relu(feature_map)), seeds.LOOPY_RELU_PRINTED)


def test_seed_001_x_pattern():
    x = seeds.x_pattern()
    assert x.shape == (9, 9) and set(np.unique(x)) == {-1.0, 1.0}
    np.testing.assert_array_equal(x, x.T)
    np.testing.assert_array_equal(x, x[:, ::-1])
    assert (x == 1).sum() == 13  # two 7-long diagonals sharing the centre
    assert seeds.shifted_x_pattern().shape == (9, 9)
    # each X piece scores exactly 1 where it matches: along its own diagonal of the X
    diagonal = conv.conv2d(x, conv.KERNELS["X piece: diagonal ╲ ÷ 9"].weights)
    assert diagonal.max() == pytest.approx(1.0)
    np.testing.assert_array_equal(np.argwhere(np.isclose(diagonal, 1.0)), [[1, 1], [2, 2], [4, 4], [5, 5]])
    crossing = conv.conv2d(x, conv.KERNELS["X piece: crossing ÷ 9"].weights)
    np.testing.assert_array_equal(np.argwhere(np.isclose(crossing, 1.0)), [[3, 3]])


def test_seed_001_max_pool_example():
    np.testing.assert_array_equal(conv.pool2d(seeds.MAX_POOL_INPUT, 2, 2, "max"), seeds.MAX_POOL_OUTPUT)
    np.testing.assert_array_equal(seeds.MAX_POOL_OUTPUT, [[8, 9], [3, 2]])


def test_seed_001_max_pool_example_through_the_identity_kernel():
    example = seeds.SEED_EXAMPLES["4×4 max-pool example (seed 001)"]
    copied = conv.conv2d(example.image, example.kernel, example.padding)
    np.testing.assert_array_equal(copied, example.image)
    np.testing.assert_array_equal(conv.pool2d(conv.relu(copied), 2, 2, "max"), seeds.MAX_POOL_OUTPUT)


def test_every_seed_example_runs_through_the_lab_pipeline():
    for example in seeds.SEED_EXAMPLES.values():
        feature_map = conv.relu(conv.conv2d(example.image, example.kernel, "same"))
        assert feature_map.shape == example.image.shape
        assert conv.flatten(conv.pool2d(feature_map, 2)).ndim == 1


def test_typed_weights_are_limited_to_a_million():
    assert conv.parse_weight("1e6", "Row 1, column 1") == 1e6
    assert conv.parse_weight("-1000000", "Row 1, column 1") == -1e6
    for text in ("1e308", "-1e308", "1000001", "1e200"):
        with pytest.raises(ValueError, match=f"Row 2, column 3: '{text}' is too large: use weights between"):
            conv.parse_weight(text, "Row 2, column 3")


def test_formula_names_the_size_on_its_own_line_after_f_d():
    text = conv.output_size_formula(28, 5, (2, 2), s=1, d=2, name="n_H")
    assert text == "f_d = d(f−1)+1 = 2·(5−1)+1 = 9\nn_H = ⌊(n + 2p − f_d)/s⌋ + 1 = ⌊(28 + 2·2 − 9)/1⌋ + 1 = ⌊23/1⌋ + 1 = 24"
    assert conv.output_size_formula(28, 3, (0, 0), name="n_W").startswith("n_W = ⌊")
