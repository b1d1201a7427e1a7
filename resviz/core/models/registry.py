"""The model registry: a name -> how to build it, what it learns, what input it takes.

A ``ModelSpec`` says what the rest of resviz may ask of a model without looking at
its code: which objective trains it (and so whether it classifies or generates),
which config fields it fills from the dataset (channels, size, classes) or else the
one input shape it takes, and the training recipe a person starts from, per dataset
where one differs.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

# config fields a model may fill from the dataset, and how
_ADAPTERS: dict[str, Callable[[tuple[int, ...], int], int]] = {
    "in_channels": lambda shape, classes: shape[0],
    "image_size": lambda shape, classes: shape[1],
    "input_length": lambda shape, classes: shape[-1],
    "num_classes": lambda shape, classes: classes,
}


class ModelDoesNotFit(ValueError):
    """The model cannot take this dataset's inputs; the message says why and what would."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str  # one line, shown in the UI's model picker and in `resviz train --help`
    objective: str  # the key of its Objective (objectives.py): "classifier" or "vae"
    builder: Callable[..., nn.Module]
    # training defaults a person starts from (the seed's numbers where it gives them)
    defaults: dict = field(default_factory=dict)
    dataset_defaults: dict[str, dict] = field(default_factory=dict)  # recipe overrides for one dataset
    title: str = ""  # the name people see, without the registry name (``label`` adds it); that name when empty
    adapts: tuple[str, ...] = ()  # config fields taken from the dataset (keys of _ADAPTERS)
    input_shape: tuple[int, ...] | None = None  # the one input it takes, when it does not adapt
    input_rank: int = 3  # 3: images (C, H, W); 2: signals (C, L)
    # VAEs only. Steps of the default recipe after which decodes of prior samples look like
    # digits (None: not measured); before that the VAE panels say the pictures are still learning
    digits_after_steps: int | None = None
    # ends in seed 000's row decoder (a Linear(3, 28) applied to every row), whose samples blur
    # into stripes: the Generated tab says why beside a VAE whose decoder is convolutional
    seed_decoder: bool = False

    @property
    def shown_name(self) -> str:
        return self.title or self.name

    @property
    def label(self) -> str:
        """The title with the name to type (``--model cvae``) once: 'Conv VAE, 16-D latent (cvae)'."""
        return f"{self.title} ({self.name})" if self.title and self.title != self.name else self.name

    def recipe(self, dataset: str | None = None) -> dict:
        """The training defaults, with the dataset's own overrides on top."""
        return {**self.defaults, **self.dataset_defaults.get(dataset or "", {})}

    def fit_config(self, input_shape: tuple[int, ...], num_classes: int) -> dict:
        """Config overrides that make this model take ``input_shape`` and predict ``num_classes``."""
        shape = tuple(int(s) for s in input_shape)
        what = "signals (channels x length)" if self.input_rank == 2 else "images (channels x height x width)"
        if len(shape) != self.input_rank:
            raise ModelDoesNotFit(f"{self.name} takes {what}; this dataset's inputs are {_shape_text(shape)}.")
        if self.input_shape is not None and shape != tuple(self.input_shape):
            raise ModelDoesNotFit(f"{self.name} takes {_shape_text(self.input_shape)} inputs only; "
                                  f"this dataset's are {_shape_text(shape)}.")
        if self.input_rank == 3 and "image_size" in self.adapts and shape[1] != shape[2]:
            raise ModelDoesNotFit(f"{self.name} takes square images; these are {_shape_text(shape)}.")
        return {key: _ADAPTERS[key](shape, num_classes) for key in self.adapts}


def _shape_text(shape) -> str:
    return "×".join(str(s) for s in shape)


_REGISTRY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    unknown = set(spec.adapts) - set(_ADAPTERS)
    if unknown:
        raise ValueError(f"{spec.name}: unknown adapts {sorted(unknown)}")
    _REGISTRY[spec.name] = spec
    return spec


def names(objective: str | None = None) -> list[str]:
    return [n for n, s in _REGISTRY.items() if objective is None or s.objective == objective]


def spec(name: str) -> ModelSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"Unknown model {name!r}; choose one of {', '.join(_REGISTRY)}") from None


_RNG_LOCK = threading.RLock()


def build(name: str, seed: int | None = None, **config) -> nn.Module:
    """A new model ``name``; with ``seed``, its initial weights are that seed's.

    torch's generator is one per process and several threads build models (runs side by
    side, replicas for the panels): builds take turns and leave the process's generator
    as they found it, so a seed always gives the same weights and a replica never
    changes a training run's draws.
    """
    with _RNG_LOCK, torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        return spec(name).builder(**config)


def model_config(model: nn.Module) -> dict:
    """The model's config dataclass as a plain dict (for checkpoints and snapshots)."""
    config = getattr(model, "config", None)
    if config is None:
        return {}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}


def input_shape_of(model: nn.Module) -> tuple[int, ...]:
    """The input one example has: the model's own ``input_shape``, else from its config."""
    shape = getattr(model, "input_shape", None)
    if shape is not None:
        return tuple(shape)
    config = getattr(model, "config", None)
    channels = getattr(config, "in_channels", 1)
    size = getattr(config, "image_size", 28)
    return (channels, size, size)
