"""Which layers the recorders look at: the model's own list, or every conv and linear layer."""

from __future__ import annotations

from torch import nn


def recorded_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(name, module) in input-to-output order: ``model.depth_layers()`` when the model has it."""
    if hasattr(model, "depth_layers"):
        return list(model.depth_layers())
    kinds = (nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d, nn.Linear)
    return [(name, m) for name, m in model.named_modules()
            if isinstance(m, kinds) and getattr(m, "weight", None) is not None and m.weight.requires_grad]
