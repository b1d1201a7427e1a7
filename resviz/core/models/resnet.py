"""Seed 000's ResNet for MNIST: five conv layers, four residual blocks, one FC layer.

Layer 1 is conv -> BatchNorm -> ReLU -> max-pool. Layers 2..5 are the same followed
by a residual block (conv -> BN -> ReLU -> conv -> BN, added to the block's input,
then ReLU), as in He et al. 2016 (https://arxiv.org/abs/1512.03385). Layer 6 is a
fully connected layer to the 10 classes.

Interpretation: a 28x28 image cannot be max-pooled five times (28->14->7->3->1->0).
We pool only while the map is larger than ``min_pooled_size`` (default 4) and use
``ceil_mode`` so the 7-pixel map keeps its last column: 28 -> 14 -> 7 -> 4, and
layers 4 and 5 keep the 4x4 map. Pooling further would leave 3x3 convolutions that
see mostly zero padding.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

from .registry import ModelSpec, register


def conv3x3(in_channels: int, out_channels: int) -> nn.Conv2d:
    """3x3 'same' convolution without bias (the BatchNorm after it has one)."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False)


@dataclass
class ResNetConfig:
    widths: tuple[int, ...] = (16, 32, 32, 64, 64)  # output channels of layers 1..5
    min_pooled_size: int = 4  # pool only while the map is larger than this
    num_classes: int = 10
    in_channels: int = 1
    image_size: int = 28


class ResidualBlock(nn.Module):
    """conv -> BN -> ReLU -> conv -> BN, plus the input, then ReLU."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = conv3x3(channels, channels)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(channels, channels)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu2 = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu2(out + identity)


class ConvLayer(nn.Sequential):
    """One of the seed's layers: conv -> BN -> ReLU -> (max-pool) -> (residual block)."""

    def __init__(self, in_channels: int, out_channels: int, pool: bool, residual: bool):
        layers: OrderedDict[str, nn.Module] = OrderedDict({
            "conv": conv3x3(in_channels, out_channels),
            "bn": nn.BatchNorm2d(out_channels),
            "relu": nn.ReLU(inplace=True),
        })
        if pool:
            layers["pool"] = nn.MaxPool2d(2, ceil_mode=True)
        if residual:
            layers["residual"] = ResidualBlock(out_channels)
        super().__init__(layers)


class SeedResNet(nn.Module):
    def __init__(self, config: ResNetConfig | None = None, **overrides):
        super().__init__()
        config = config or ResNetConfig(**overrides)
        self.config = config
        layers = []
        size, channels = config.image_size, config.in_channels
        for index, width in enumerate(config.widths):
            pool = size > config.min_pooled_size
            layers.append(ConvLayer(channels, width, pool=pool, residual=index > 0))
            size = -(-size // 2) if pool else size  # ceil division, as ceil_mode does
            channels = width
        self.features = nn.Sequential(*layers)
        self.feature_shape = (channels, size, size)
        self.fc = nn.Linear(channels * size * size, config.num_classes)
        self.input_shape = (config.in_channels, config.image_size, config.image_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.features(x), 1))


register(ModelSpec(
    "resnet", "Seed 000's ResNet: 5 conv layers with 4 residual blocks, then FC to 10 classes",
    "classifier", SeedResNet,
    defaults=dict(epochs=2, batch_size=128, lr=3e-3, optimizer="adam"),
    title="Seed 000 ResNet", adapts=("in_channels", "image_size", "num_classes"),
))
