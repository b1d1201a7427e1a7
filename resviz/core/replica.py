"""A frozen CPU copy of a model, for looking at while the real one trains.

Panels never touch the model the optimizer is updating in another thread. They get a
``ModelReplica`` built from a trainer ``Snapshot`` (or from a checkpoint): its own CPU
module in eval mode, never mutated after it is made, so any thread may run it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import models
from .checkpoints import Checkpoint, build_with_state
from .events import Snapshot


@dataclass(frozen=True)
class ModelReplica:
    name: str  # registry name
    kind: str  # "classifier" or "vae"
    config: dict
    model: nn.Module = field(repr=False)  # CPU, eval mode
    classes: tuple[str, ...] = tuple(str(d) for d in range(10))
    dataset: str = "mnist"
    step: int = 0
    epoch: int = 0
    source: str = "training"  # "training" or a checkpoint path

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, classes=None, dataset: str = "mnist") -> "ModelReplica":
        model = build_with_state(snapshot.model, snapshot.model_config, snapshot.state)
        return cls(snapshot.model, models.spec(snapshot.model).kind, dict(snapshot.model_config), model,
                   tuple(classes) if classes else cls.classes, dataset, snapshot.step, snapshot.epoch)

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint) -> "ModelReplica":
        meta = checkpoint.meta
        classes = meta.get("classes") or cls.classes
        return cls(checkpoint.model_name, meta.get("kind", "classifier"), dict(meta.get("model_config", {})),
                   checkpoint.build_model(), tuple(classes), meta.get("dataset", "mnist"),
                   int(meta.get("step", 0)), int(meta.get("epoch", 0)), str(checkpoint.path))

    @torch.no_grad()
    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities for 28x28 float images in [0, 1]: [28,28] -> [10], [N,28,28] -> [N,10]."""
        x = torch.as_tensor(np.asarray(images, dtype=np.float32))
        single = x.ndim == 2
        x = x.reshape(-1, 1, *x.shape[-2:])
        probs = torch.softmax(self.model(x).float(), dim=1).numpy()
        return probs[0] if single else probs
