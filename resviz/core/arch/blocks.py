"""BasicBlock beside Bottleneck (seed 002): why ResNet-50 puts 1x1 convs around its 3x3.

He et al. 2015 (https://arxiv.org/abs/1512.03385, figure 5) compare the two blocks
at the first stage of ResNet-34 and ResNet-50: a BasicBlock (3x3 -> 3x3) on 64
channels and a Bottleneck (1x1 -> 3x3 -> 1x1) on 256 channels whose 3x3 works on 64.
Both are torchvision's own classes, tabulated here on meta tensors; a BasicBlock on
all 256 channels shows what the 1x1 layers save.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..torchvision_pair import import_torchvision
from .report import format_count, format_macs
from .summary import Summary, summarize


@dataclass(frozen=True)
class BlockComparison:
    map_size: int  # side of the feature map the blocks run on (56 in ResNet's first stage)
    basic: Summary  # BasicBlock(64 -> 64): ResNet-18/34
    bottleneck: Summary  # Bottleneck(256 -> 64 -> 256): ResNet-50/101/152
    wide_basic: Summary  # BasicBlock(256 -> 256): two 3x3 convs on the bottleneck's 256 channels

    def sentence(self) -> str:
        b, w = self.bottleneck, self.wide_basic
        return (
            f"The first 1×1 conv squeezes 256 channels to 64, so the costly 3×3 conv works on 64, and the last "
            f"1×1 expands them back: {format_count(b.total_params)} parameters and {format_macs(b.total_macs)} "
            f"multiply-adds, about a BasicBlock's cost, where two 3×3 convs on all 256 channels would take "
            f"{format_count(w.total_params)} and {format_macs(w.total_macs)} "
            f"({w.total_params / b.total_params:.0f}× more)."
        )


def compare_blocks(map_size: int = 56) -> BlockComparison:
    import_torchvision()  # a torchvision built for another torch: say which to install
    from torchvision.models.resnet import BasicBlock, Bottleneck

    with torch.device("meta"):
        basic, bottleneck, wide = BasicBlock(64, 64), Bottleneck(256, 64), BasicBlock(256, 256)
    return BlockComparison(
        map_size,
        summarize(basic, (64, map_size, map_size)),
        summarize(bottleneck, (256, map_size, map_size)),
        summarize(wide, (256, map_size, map_size)),
    )
