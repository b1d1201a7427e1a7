"""The model registry: a name -> how to build it, what it is, how to train it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

from torch import nn


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str  # one line, shown in the UI's model picker and in `resviz train --help`
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
    """The model's config dataclass as a plain dict (for checkpoints and snapshots)."""
    config = getattr(model, "config", None)
    if config is None:
        return {}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}
