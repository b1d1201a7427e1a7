"""Model shapes from the seeds, and the registry the UI and CLI read."""

import pytest
import torch

from resviz.core import models
from resviz.core.models.cnn import SimpleCNN
from resviz.core.models.resnet import ResidualBlock, SeedResNet


def _shapes_after(model, x, module_types):
    shapes = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:])))
             for m in model.modules() if isinstance(m, module_types)]
    try:
        model(x)
    finally:
        for h in hooks:
            h.remove()
    return shapes


def test_cnn_has_the_seed_001_shapes():
    model = SimpleCNN().eval()
    x = torch.rand(2, 1, 28, 28)
    convs = _shapes_after(model, x, torch.nn.Conv2d)
    pools = _shapes_after(model, x, torch.nn.MaxPool2d)
    # seed 001 writes W x H x D: 28x28x16 -> 14x14x16 -> 14x14x32 -> 7x7x32
    assert convs == [(16, 28, 28), (32, 14, 14)]
    assert pools == [(16, 14, 14), (32, 7, 7)]
    assert model(x).shape == (2, 10)
    assert model.fc.in_features == 7 * 7 * 32


def test_resnet_follows_seed_000_layout():
    model = SeedResNet().eval()
    x = torch.rand(3, 1, 28, 28)
    assert model(x).shape == (3, 10)
    assert len(model.features) == 5  # layers 1..5, then the FC layer 6
    blocks = [m for m in model.modules() if isinstance(m, ResidualBlock)]
    assert len(blocks) == 4  # layers 2..5 each add a residual block
    assert not hasattr(model.features[0], "residual")
    # pooled only while larger than 4 (ceil mode): 28 -> 14 -> 7 -> 4 -> 4 -> 4
    pools = _shapes_after(model, x, torch.nn.MaxPool2d)
    assert [s[1:] for s in pools] == [(14, 14), (7, 7), (4, 4)]
    assert model.feature_shape == (64, 4, 4)


def test_resnet_widths_are_config():
    model = SeedResNet(widths=(8, 8, 16, 16, 32))
    assert model(torch.rand(1, 1, 28, 28)).shape == (1, 10)
    assert model.fc.in_features == 32 * 4 * 4
    assert models.model_config(model)["widths"] == [8, 8, 16, 16, 32]


def test_residual_block_adds_its_input():
    block = ResidualBlock(4).eval()
    for p in block.parameters():
        torch.nn.init.zeros_(p)  # the conv path gives 0 (BN weight 0): output = relu(identity)
    x = torch.randn(2, 4, 5, 5)
    assert torch.allclose(block(x), torch.relu(x))


def test_registry_lists_models_with_descriptions():
    assert {"resnet", "cnn"} <= set(models.names())
    for name in models.names():
        spec = models.spec(name)
        assert spec.description and "\n" not in spec.description
        assert spec.objective in ("classifier", "vae")
    with pytest.raises(KeyError, match="Unknown model"):
        models.build("no-such-model")
