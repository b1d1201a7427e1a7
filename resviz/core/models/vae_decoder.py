"""Seed 000's VAE decoder: three transposed convolutions, then a row-wise FC layer.

Input: a latent of h channels x 28 rows x 1 column. Each layer is
``ConvTranspose2d(kernel 5, stride (3, 1))`` -> ReLU -> BatchNorm -> ``MaxPool2d((3, 2))``
(the seed's order), with dropout 0.01 after the second layer. Channels h -> 128 -> 64
-> 1. Shapes (channels x height x width), as the seed's table gives them:

    h x 28 x 1 -> 128 x 28 x 2 -> 64 x 28 x 3 -> 1 x 28 x 3 -> Linear(3, 28) -> 1 x 28 x 28

Interpretation (checked with torch): the seed gives no padding, and padding 0 is the
one that yields its shapes. A transposed conv with stride 3 over 28 rows gives
(28 - 1) * 3 + 5 = 86 rows; pooling by 3 keeps floor(86 / 3) = 28 (the last two rows
are dropped). Across the width, 1 -> 5 -> pool 2 -> 2, then 2 -> 6 -> 3, 3 -> 7 -> 3.
The final ``Linear(3, 28)`` acts on the last axis, so every row of the output is a
mix of the same three learned row patterns: a tight bottleneck, and part of why the
seed's reconstructions look smooth.

The decoder returns logits; ``sigmoid`` of them is the pixel probability.
"""

from __future__ import annotations

import torch
from torch import nn


def upsample_block(in_channels: int, out_channels: int, kernel_size: int, stride, pool, dropout: float = 0.0):
    layers = [
        nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=stride, padding=0),
        nn.ReLU(inplace=True),
        nn.BatchNorm2d(out_channels),
        nn.MaxPool2d(pool),
    ]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def output_width(kernel_size: int, stride: int, pool: int, width: int = 1, layers: int = 3) -> int:
    """Width after the three blocks (transposed conv, then pool), from the size formulas."""
    for _ in range(layers):
        width = (width - 1) * stride + kernel_size
        width = (width - pool) // pool + 1
    return width


class SeedDecoder(nn.Module):
    def __init__(self, latent_channels: int, channels=(128, 64), kernel_size: int = 5,
                 stride=(3, 1), pool=(3, 2), dropout: float = 0.01, image_size: int = 28):
        super().__init__()
        c1, c2 = channels
        self.layer1 = upsample_block(latent_channels, c1, kernel_size, stride, pool)
        self.layer2 = upsample_block(c1, c2, kernel_size, stride, pool, dropout)
        self.layer3 = upsample_block(c2, 1, kernel_size, stride, pool)
        width = output_width(kernel_size, stride[1], pool[1])
        self.fc = nn.Linear(width, image_size)  # along the last axis: 1 x 28 x 3 -> 1 x 28 x 28

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """[B, h, 28, 1] -> logits [B, 1, 28, 28]."""
        return self.fc(self.layer3(self.layer2(self.layer1(z))))
