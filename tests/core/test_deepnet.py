"""The Depth lab's nets: shapes, depth counted as documented, comparable sizes, learning, vanishing gradients."""

import pytest
import torch
from torch import nn

from resviz.core import models
from resviz.core.models.deepnet import VARIANTS, DeepNet, DeepNetConfig


def _params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("depth", [4, 50])
def test_shapes_and_depth(variant, depth):
    model = DeepNet(variant=variant, depth=depth).eval()
    assert model(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    layers = model.depth_layers()
    assert len(layers) == depth
    # depth counts every 3x3 conv, nothing else: the 1x1 helpers are listed apart
    threes = [m for m in model.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    assert {id(m) for _, m in layers} == {id(m) for m in threes}
    assert all(m.kernel_size == (1, 1) for _, m in model.helper_layers())
    assert len({label for label, _ in layers}) == depth  # every layer has its own name


def test_depth_layers_run_in_input_to_output_order():
    model = DeepNet(variant="dense", depth=12)
    order = []
    hooks = [m.register_forward_hook(lambda m, i, o: order.append(id(m))) for _, m in model.depth_layers()]
    model(torch.rand(1, 1, 28, 28))
    for h in hooks:
        h.remove()
    assert order == [id(m) for _, m in model.depth_layers()]
    assert model.depth_layers()[0][0] == "stem conv"
    assert DeepNet(variant="residual", depth=6).depth_layers()[3][0] == "block 2 conv 1"
    with_head = model.depth_layers(include_classifier=True)
    assert len(with_head) == 13 and with_head[-1] == ("classifier", model.classifier)


@pytest.mark.parametrize("depth", [10, 50])
@pytest.mark.parametrize("batchnorm", [False, True])
def test_parameters_are_comparable_across_variants(depth, batchnorm):
    plain = _params(DeepNet(variant="plain", depth=depth, batchnorm=batchnorm))
    for variant in VARIANTS:
        ratio = _params(DeepNet(variant=variant, depth=depth, batchnorm=batchnorm)) / plain
        assert 0.7 < ratio < 1.3, (variant, ratio)


def test_residual_block_adds_its_input():
    model = DeepNet(variant="residual", depth=3, batchnorm=False)
    unit = model.stages[0][1]
    for p in unit.parameters():
        nn.init.zeros_(p)  # f(x) = 0: the block passes act(x) on
    x = torch.randn(2, 16, 14, 14)
    assert torch.equal(unit(x), torch.relu(x))


def test_highway_gate_starts_by_carrying():
    model = DeepNet(variant="highway", depth=3, gate_bias=-3.0)
    unit = model.stages[0][1]
    assert torch.all(unit.gate.bias == -3.0)
    for p in unit.h.parameters():
        nn.init.zeros_(p)
    nn.init.zeros_(unit.gate.weight)
    x = torch.randn(2, 16, 14, 14)
    t = torch.sigmoid(torch.tensor(-3.0))  # T(x) ~ 0.05: y = H(x) T + x (1 - T), H = relu(0) = 0
    assert torch.allclose(unit(x), x * (1 - t))


def _pattern_batch(n: int = 40) -> tuple[torch.Tensor, torch.Tensor]:
    """Ten classes, each a fixed random pattern under noise: learnable in a few steps."""
    g = torch.Generator().manual_seed(0)
    patterns = torch.rand(10, 1, 28, 28, generator=g)
    y = torch.arange(n) % 10
    return (patterns[y] + 0.3 * torch.rand(n, 1, 28, 28, generator=g)).clamp(0, 1), y


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_few_steps_lower_the_loss(variant):
    torch.manual_seed(0)
    model = DeepNet(variant=variant, depth=6, width=8)
    x, y = _pattern_batch()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(20):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses  # highway, carrying at first, is the slowest: ~0.73


def _first_step_grad_ratio(variant: str, depth: int) -> float:
    """|grad of the first conv's weight| / |grad of the classifier's weight| at the first step."""
    torch.manual_seed(0)
    model = DeepNet(variant=variant, depth=depth, batchnorm=False)
    x, y = torch.rand(64, 1, 28, 28), torch.arange(64) % 10
    nn.functional.cross_entropy(model(x), y).backward()
    layers = model.depth_layers(include_classifier=True)
    return float(layers[0][1].weight.grad.norm() / layers[-1][1].weight.grad.norm())


def test_gradients_vanish_down_a_deep_plain_stack_but_not_a_residual_one():
    """Seeds 000/004: without BatchNorm, 30 plain layers starve the first layer of gradient."""
    plain, residual = _first_step_grad_ratio("plain", 30), _first_step_grad_ratio("residual", 30)
    assert residual > 1e-2
    assert plain < 1e-4 * residual


def test_config_is_checked_and_registered():
    with pytest.raises(ValueError, match="variant"):
        DeepNetConfig(variant="wide")
    with pytest.raises(ValueError, match="depth must be at least 3"):
        DeepNetConfig(depth=2)
    with pytest.raises(ValueError, match="activation"):
        DeepNetConfig(activation="gelu")
    assert "deepnet" in models.names()
    model = models.build("deepnet", variant="highway", depth=8, activation="tanh", batchnorm=False)
    assert models.model_config(model)["variant"] == "highway"
    assert any(isinstance(m, nn.Tanh) for m in model.modules())
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    defaults = models.spec("deepnet").defaults
    assert {"epochs", "batch_size", "lr", "optimizer"} <= set(defaults)
