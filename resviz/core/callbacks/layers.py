"""Which layers the recorders look at: the model's own list, or every conv and linear layer."""

from __future__ import annotations

from torch import nn


def recorded_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(name, module) in input-to-output order, classifier last: the model's own ``depth_layers``
    when it has them (the Depth lab's nets name theirs "block 3 conv 1"), else every conv and linear layer."""
    if hasattr(model, "depth_layers"):
        return list(model.depth_layers(include_classifier=True))
    kinds = (nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d, nn.Linear)
    return [(name, m) for name, m in model.named_modules()
            if isinstance(m, kinds) and getattr(m, "weight", None) is not None and m.weight.requires_grad]
