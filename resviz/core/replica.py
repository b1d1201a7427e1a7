"""A frozen CPU copy of a model, for looking at while the real one trains.

Panels never touch the model the optimizer is updating in another thread. They get a
``ModelReplica`` built from a trainer ``Snapshot`` (or from a checkpoint): its own CPU
module in eval mode, never mutated after it is made, so any thread may run it. It
knows what it is (``classifies``, ``generates``), what one input looks like and the
names of its classes, so panels ask it rather than a model name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import models
from .checkpoints import Checkpoint, build_with_state
from .events import Snapshot
from .objectives import objective_class

DIGITS = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class ModelReplica:
    name: str  # registry name
    config: dict
    model: nn.Module = field(repr=False)  # CPU, eval mode
    classes: tuple[str, ...] = DIGITS
    dataset: str = "mnist"
    step: int = 0
    epoch: int = 0
    source: str = "training"  # "training" or a checkpoint path

    @property
    def spec(self) -> models.ModelSpec:
        return models.spec(self.name)

    @property
    def classifies(self) -> bool:
        return objective_class(self.spec.objective).classifies

    @property
    def generates(self) -> bool:
        return objective_class(self.spec.objective).generates

    @property
    def input_shape(self) -> tuple[int, ...]:
        return models.input_shape_of(self.model)

    @property
    def takes_grey_digits(self) -> bool:
        """One 28x28 grey channel: the drawing canvas can feed it."""
        return self.input_shape == (1, 28, 28)

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, classes=None, dataset: str = "mnist") -> ModelReplica:
        model = build_with_state(snapshot.model, snapshot.model_config, snapshot.state)
        return cls(snapshot.model, dict(snapshot.model_config), model, tuple(classes) if classes else DIGITS,
                   dataset, snapshot.step, snapshot.epoch)

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint) -> ModelReplica:
        meta = checkpoint.meta
        return cls(checkpoint.model_name, dict(meta.get("model_config", {})), checkpoint.build_model(),
                   tuple(meta.get("classes") or DIGITS), meta.get("dataset", "mnist"),
                   int(meta.get("step", 0)), int(meta.get("epoch", 0)), str(checkpoint.path))

    def as_batch(self, inputs: np.ndarray) -> tuple[torch.Tensor, bool]:
        """Float inputs in [0, 1] -> ([N, *input_shape], whether it was one example).

        One example is ``input_shape`` or, for a one-channel model, that without the channel.
        """
        x = torch.as_tensor(np.asarray(inputs, dtype=np.float32))
        shape = self.input_shape
        single = tuple(x.shape) == shape or (shape[0] == 1 and tuple(x.shape) == shape[1:])
        return x.reshape(-1, *shape), single

    @torch.no_grad()
    def predict_proba(self, inputs: np.ndarray) -> np.ndarray:
        """Class probabilities: one example -> [classes], a batch -> [N, classes]."""
        x, single = self.as_batch(inputs)
        probs = torch.softmax(self.model(x).float(), dim=1).numpy()
        return probs[0] if single else probs
