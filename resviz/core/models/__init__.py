"""The model registry: a name -> how to build it, what it is, how to train it.

``build(name, **config)`` makes a model; ``names()`` lists them; each spec's
one-line description is shown in the UI's model picker and in ``resviz --help``.
Every model takes float images in [0, 1] shaped [B, 1, 28, 28].
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

from torch import nn

from .cnn import SimpleCNN
from .resnet import SeedResNet


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    kind: str  # "classifier" or "vae": picks the loss and the metrics
    builder: Callable[..., nn.Module]
    # training defaults a person starts from (the seed's numbers where it gives them)
    defaults: dict = field(default_factory=dict)


_REGISTRY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    _REGISTRY[spec.name] = spec
    return spec


def names(kind: str | None = None) -> list[str]:
    return [n for n, s in _REGISTRY.items() if kind is None or s.kind == kind]


def spec(name: str) -> ModelSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"Unknown model {name!r}; choose one of {', '.join(_REGISTRY)}") from None


def build(name: str, **config) -> nn.Module:
    return spec(name).builder(**config)


def model_config(model: nn.Module) -> dict:
    """The model's config as a plain dict (for checkpoints and snapshots)."""
    config = getattr(model, "config", None)
    if config is None:
        return {}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}


register(ModelSpec(
    "resnet", "Seed 000's ResNet: 5 conv layers with 4 residual blocks, then FC to 10 classes",
    "classifier", SeedResNet,
    defaults=dict(epochs=2, batch_size=128, lr=3e-3, optimizer="adam"),
))
register(ModelSpec(
    "cnn", "Seed 001's simple CNN: conv 16@5x5 -> pool -> conv 32@5x5 -> pool -> FC",
    "classifier", SimpleCNN,
    defaults=dict(epochs=2, batch_size=128, lr=3e-3, optimizer="adam"),
))
