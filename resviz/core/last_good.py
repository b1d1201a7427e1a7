"""The last good weights of a run: those after its latest full test.

A run that diverges later (its loss turns NaN or explodes) is saved with these instead
of the broken ones. The trainer keeps them after each epoch's test completes. Frozen
modules cannot change, so their tensors are kept as they are rather than copied.
"""

from __future__ import annotations

import torch

from .optim import frozen_state_names


class LastGood:
    def __init__(self, model: torch.nn.Module, freeze: tuple[str, ...]):
        self.model = model
        self._frozen = frozen_state_names(model, freeze)
        self.state: dict[str, torch.Tensor] | None = None  # None until a test has completed
        self.epoch = 0  # the epoch whose test they passed

    def keep(self, epoch: int) -> None:
        """The model's weights as they are now, after epoch ``epoch``'s test."""
        self.state = {k: v.detach() if k in self._frozen else v.detach().clone()
                      for k, v in self.model.state_dict().items()}
        self.epoch = epoch
