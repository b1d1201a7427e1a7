"""U-Net as in Ronneberger, Fischer & Brox 2015 (https://arxiv.org/abs/1505.04597), for the table.

Seed 004 (figure 11.10): an encoder that halves the map four times, a decoder that
doubles it back with 2x2 transposed convolutions, and skip connections that append
each encoder scale's last map to the decoder's first map at the same scale. The
paper's 3x3 convolutions are "valid" (no padding), so every conv trims a pixel from
each border and the skipped maps are centre-cropped before the concatenation: a
572x572 tile gives a 388x388 segmentation map (the paper's figure 1). ``padding=1``
gives the common "same" variant whose output is as large as its input.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class UNetConfig:
    in_channels: int = 1  # the paper's cell images are grey
    num_classes: int = 2  # cell / background
    widths: tuple[int, ...] = (64, 128, 256, 512, 1024)  # channels at each scale, top to bottom
    padding: int = 0  # 0: the paper's valid convolutions; 1: output as large as the input


class DoubleConv(nn.Sequential):
    """Two 3x3 convolutions, each followed by a ReLU (the paper has no BatchNorm)."""

    def __init__(self, in_channels: int, out_channels: int, padding: int):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=padding),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=padding),
            nn.ReLU(inplace=True),
        )


class UpStep(nn.Module):
    """2x2 up-convolution halving the channels, concatenate the cropped skip map, two 3x3 convs."""

    def __init__(self, in_channels: int, out_channels: int, padding: int):
        super().__init__()
        self.up = nn.ConvTranspose2d(in_channels, out_channels, kernel_size=2, stride=2)
        self.conv = DoubleConv(2 * out_channels, out_channels, padding)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = self.up(x)
        return self.conv(torch.cat([center_crop(skip, x.shape[-2:]), x], dim=1))


def center_crop(x: torch.Tensor, size) -> torch.Tensor:
    """The middle ``size`` of a map (the paper's dashed boxes: valid convs made the decoder's map smaller)."""
    top = (x.shape[-2] - size[0]) // 2
    left = (x.shape[-1] - size[1]) // 2
    return x[..., top:top + size[0], left:left + size[1]]


class UNet(nn.Module):
    def __init__(self, config: UNetConfig | None = None, **overrides):
        super().__init__()
        config = config or UNetConfig(**overrides)
        self.config = config
        widths = config.widths
        self.down = nn.ModuleList()
        channels = config.in_channels
        for width in widths[:-1]:
            self.down.append(DoubleConv(channels, width, config.padding))
            channels = width
        self.pool = nn.MaxPool2d(2)
        self.bottom = DoubleConv(widths[-2], widths[-1], config.padding)
        self.up = nn.ModuleList(
            UpStep(wide, narrow, config.padding) for wide, narrow in zip(widths[:0:-1], widths[-2::-1])
        )
        self.head = nn.Conv2d(widths[0], config.num_classes, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for step in self.down:
            x = step(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for step, skip in zip(self.up, reversed(skips)):
            x = step(x, skip)
        return self.head(x)
