"""Feature capture: every layer's output for one input, hooks always removed."""

import numpy as np
import pytest
import torch
from torch import nn

from resviz.core import models
from resviz.core.analysis.features import ActivationCapture, as_batch, capture_activations, conv_layers, kernel_of


def hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules())


@pytest.fixture
def digit():
    torch.manual_seed(0)
    image = torch.zeros(28, 28)
    image[6:22, 12:16] = 1.0  # a '1'
    return image


def test_cnn_feature_maps_have_the_seed_shapes(digit):
    model = models.build("cnn").eval()
    records = capture_activations(model, digit)
    shapes = {(r.name, r.kind): r.array.shape for r in records}
    # seed 001: 28x28x16 -> 14x14x16 -> 14x14x32 -> 7x7x32 (written C x H x W here)
    assert shapes[("layer1.0", "conv")] == (16, 28, 28)
    assert shapes[("layer1.1", "bn")] == (16, 28, 28)
    assert shapes[("layer1.2", "relu")] == (16, 28, 28)
    assert shapes[("layer1.3", "pool")] == (16, 14, 14)
    assert shapes[("layer2.0", "conv")] == (32, 14, 14)
    assert shapes[("layer2.3", "pool")] == (32, 7, 7)
    assert [r.kind for r in records] == ["conv", "bn", "relu", "pool"] * 2
    assert records[-1].shape_text == "32×7×7"
    assert hook_count(model) == 0


def test_records_equal_what_torch_computes(digit):
    model = models.build("cnn").eval()
    records = {r.name: r.array for r in capture_activations(model, digit)}
    x = digit[None, None]
    with torch.no_grad():
        conv = model.layer1[0](x)
        bn = model.layer1[1](conv)
        relu = torch.relu(bn)
        pool = nn.functional.max_pool2d(relu, 2)
    np.testing.assert_allclose(records["layer1.0"], conv[0].numpy(), atol=1e-5)
    # BN's output is kept as it was, even though the next ReLU works in place
    np.testing.assert_allclose(records["layer1.1"], bn[0].numpy(), atol=1e-5)
    assert (records["layer1.1"] < 0).any()
    np.testing.assert_allclose(records["layer1.2"], relu[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(records["layer1.3"], pool[0].numpy(), atol=1e-5)


def test_resnet_feature_maps_follow_the_layer_shapes_and_record_each_addition(digit):
    model = models.build("resnet").eval()
    records = capture_activations(model, digit)
    by_name = {r.name: r for r in records}
    # ResNet layers: 28 -> 14 -> 7 -> 4 -> 4 -> 4 (see models/resnet.py)
    assert by_name["features.0.conv"].array.shape == (16, 28, 28)
    assert by_name["features.0.pool"].array.shape == (16, 14, 14)
    assert by_name["features.1.pool"].array.shape == (32, 7, 7)
    assert by_name["features.2.pool"].array.shape == (32, 4, 4)
    assert by_name["features.4.residual.relu2"].array.shape == (64, 4, 4)
    additions = [r for r in records if r.kind == "residual add"]
    assert [r.name for r in additions] == [f"features.{i}.residual.add" for i in range(1, 5)]
    # the addition is bn2 + the block's input, recorded just before the final ReLU
    block = model.features[1].residual
    block_input = torch.as_tensor(by_name["features.1.pool"].array)[None]
    with torch.no_grad():
        expected = block.bn2(block.conv2(block.relu1(block.bn1(block.conv1(block_input))))) + block_input
    np.testing.assert_allclose(by_name["features.1.residual.add"].array, expected[0].numpy(), atol=1e-5)
    names = [r.name for r in records]
    assert names.index("features.1.residual.add") + 1 == names.index("features.1.residual.relu2")
    np.testing.assert_allclose(by_name["features.1.residual.relu2"].array,
                               np.maximum(by_name["features.1.residual.add"].array, 0), atol=1e-6)
    assert by_name["features.1.residual.add"].conv == "features.1.residual.conv2"
    assert hook_count(model) == 0


def test_every_feature_map_shape_matches_a_plain_forward_pass(digit):
    for name in ("cnn", "resnet"):
        model = models.build(name).eval()
        expected = {}

        def note(module_name, expected=expected):
            def hook(module, inputs, output):
                expected.setdefault(module_name, tuple(output.shape[1:]))
            return hook

        handles = [m.register_forward_hook(note(n)) for n, m in model.named_modules() if n]
        with torch.no_grad():
            model(digit[None, None])
        for h in handles:
            h.remove()
        for record in capture_activations(model, digit):
            module_name = record.name.removesuffix(".add")
            assert record.array.shape == expected[module_name], record.name


def test_hooks_are_removed_even_when_the_forward_pass_fails():
    model = models.build("resnet").eval()
    with pytest.raises(RuntimeError):
        with ActivationCapture(model):
            assert hook_count(model) > 0
            model(torch.zeros(1, 3, 28, 28))  # wrong channel count
    assert hook_count(model) == 0
    with pytest.raises(RuntimeError):
        capture_activations(model, torch.zeros(3, 28, 28)[None])
    assert hook_count(model) == 0


def test_capture_leaves_a_training_model_in_training_mode_and_its_statistics_alone(digit):
    model = models.build("cnn").train()
    before = model.layer1[1].running_mean.clone()
    capture_activations(model, digit)
    assert model.training
    assert torch.equal(model.layer1[1].running_mean, before)


def test_only_chosen_layers_or_kinds(digit):
    model = models.build("resnet").eval()
    convs = capture_activations(model, digit, kinds=["conv"])
    assert [r.name for r in convs] == [name for name, _ in conv_layers(model)]
    one = capture_activations(model, digit, layers=["features.2.residual"])
    assert [(r.name, r.kind) for r in one] == [("features.2.residual.add", "residual add")]


def test_conv_layers_are_found_in_any_model():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Sequential(nn.ReLU(), nn.Conv2d(4, 2, 5, padding=2)),
                          nn.Conv1d(2, 2, 3))
    found = conv_layers(model)
    assert [name for name, _ in found] == ["0", "1.1"]
    assert [name for name, _ in conv_layers(models.build("cnn"))] == ["layer1.0", "layer2.0"]
    assert len(conv_layers(models.build("resnet"))) == 13  # 5 layers + 4 blocks x 2


def test_kernel_of_a_channel_is_its_conv_weight():
    model = models.build("cnn")
    kernel = kernel_of(model, "layer2.0", 7)
    assert kernel.shape == (16, 5, 5)
    np.testing.assert_array_equal(kernel, model.layer2[0].weight[7].detach().numpy())


def test_a_1d_cnn_records_channels_by_positions_equal_to_torch():
    model = models.build("mnist1d-cnn").eval()
    torch.manual_seed(0)
    signal = torch.randn(40)  # one example: [L] for a one-channel signal model
    records = capture_activations(model, signal)
    assert [(r.name, r.kind, r.array.shape) for r in records] == [
        ("features.0", "conv", (15, 19)), ("features.1", "relu", (15, 19)),
        ("features.2", "conv", (15, 9)), ("features.3", "relu", (15, 9)),
        ("features.4", "conv", (15, 4)), ("features.5", "relu", (15, 4)),
    ]
    assert records[1].conv == "features.0" and records[-1].shape_text == "15×4"
    with torch.no_grad():
        expected = model.features[:4](signal[None, None])[0].numpy()
    np.testing.assert_allclose(records[3].array, expected, atol=1e-5)
    assert hook_count(model) == 0
    assert [r.array.shape for r in capture_activations(model, signal[None].numpy())][0] == (15, 19)  # [C, L] too
    assert kernel_of(model, "features.2", 3).shape == (15, 3)


def test_as_batch_adds_the_axes_an_example_of_that_rank_lacks():
    assert as_batch(np.zeros(40), rank=2).shape == (1, 1, 40)
    assert as_batch(np.zeros((1, 40)), rank=2).shape == (1, 1, 40)
    assert as_batch(np.zeros((8, 1, 40)), rank=2).shape == (8, 1, 40)
    assert as_batch(np.zeros((28, 28))).shape == (1, 1, 28, 28)


def test_1d_pooling_is_recorded_as_pooling():
    model = nn.Sequential(nn.Conv1d(1, 4, 3), nn.ReLU(), nn.MaxPool1d(2))
    model.input_shape = (1, 20)
    records = capture_activations(model, np.zeros(20))
    assert [(r.kind, r.array.shape) for r in records] == [("conv", (4, 18)), ("relu", (4, 18)), ("pool", (4, 9))]
