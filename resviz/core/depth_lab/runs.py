"""What the Depth lab trains: one net (``DepthRun``) and how every net of an experiment is trained (``Recipe``).

A ``DepthRun`` is the part a person varies — how units pass their input on (plain,
residual, highway, dense), how many 3x3 convs, BatchNorm, the activation, the width —
and a ``Recipe`` the part held fixed so the runs compare: steps, how many digits, batch,
optimizer and learning rate. ``Recipe.train_config(run)`` is the ``TrainConfig`` the
trainer takes, with a Step event after every batch (so the final training loss is a mean
over the last steps, not over a window of them) and the recorders asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..models.deepnet import ACTIVATIONS, VARIANTS
from ..trainer import TrainConfig

MIN_DEPTH, MAX_DEPTH = 4, 100  # 3x3 convs; 100 plain layers already take a minute per 100 steps on 2 cores
MIN_WIDTH, MAX_WIDTH = 2, 128  # channels
MAX_STEPS = 20_000
DEFAULT_WIDTH = 16


class DepthLabError(ValueError):
    """A configuration the lab refuses; the message names the setting and its range."""


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise DepthLabError(f"{name} must be a whole number from {low} to {high}, not {value!r}")


@dataclass(frozen=True)
class DepthRun:
    variant: str = "plain"  # plain | residual | highway | dense (models/deepnet.py)
    depth: int = 20  # 3x3 conv layers, the stem's included
    batchnorm: bool = False  # BatchNorm after every conv
    activation: str = "relu"  # relu | tanh
    width: int = DEFAULT_WIDTH  # channels of every unit

    def __post_init__(self):
        if self.variant not in VARIANTS:
            raise DepthLabError(f"variant must be one of {', '.join(VARIANTS)}, not {self.variant!r}")
        if self.activation not in ACTIVATIONS:
            raise DepthLabError(f"activation must be one of {', '.join(ACTIVATIONS)}, not {self.activation!r}")
        _check_range("depth", self.depth, MIN_DEPTH, MAX_DEPTH)
        _check_range("width", self.width, MIN_WIDTH, MAX_WIDTH)

    @property
    def label(self) -> str:
        """How a person names it: 'residual 30, BN, ReLU' (and the width when it is not the usual 16)."""
        activation = {"relu": "ReLU", "tanh": "tanh"}[self.activation]
        width = f", width {self.width}" if self.width != DEFAULT_WIDTH else ""
        return f"{self.variant} {self.depth}, {'BN' if self.batchnorm else 'no BN'}, {activation}{width}"

    def model_config(self) -> dict:
        return dict(variant=self.variant, depth=self.depth, batchnorm=self.batchnorm,
                    activation=self.activation, width=self.width)

    @classmethod
    def from_model_config(cls, config: dict) -> DepthRun:
        return cls(**{k: config[k] for k in ("variant", "depth", "batchnorm", "activation", "width") if k in config})


@dataclass(frozen=True)
class Recipe:
    steps: int = 300  # optimizer steps, rounded up to whole passes over the subset
    train_subset: int = 2000  # the first N training digits
    test_subset: int = 1000  # the first N test digits (tested after every pass)
    batch_size: int = 64
    optimizer: str = "adam"  # adam | sgd (momentum 0.9, as AlexNet) | adamw
    lr: float = 1e-3
    schedule: str = "constant"  # the same step size throughout: no warm-up to hide a slow start
    dataset: str = "mnist"
    record_every: int = 5  # steps between gradient-norm / activation records

    def __post_init__(self):
        _check_range("steps", self.steps, 1, MAX_STEPS)
        _check_range("batch_size", self.batch_size, 1, 4096)
        _check_range("train_subset", self.train_subset, self.batch_size, 60_000)
        if not 0 < self.lr <= 1:
            raise DepthLabError(f"lr must be above 0 and at most 1, not {self.lr!r}")

    @property
    def steps_per_epoch(self) -> int:
        return self.train_subset // self.batch_size

    @property
    def epochs(self) -> int:
        return math.ceil(self.steps / self.steps_per_epoch)

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch

    @property
    def text(self) -> str:
        """One line for people: '310 steps of 64 on 2,000 digits, Adam lr 0.001'."""
        optimizer = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD (momentum 0.9)"}.get(self.optimizer, self.optimizer)
        return (f"{self.total_steps} steps of {self.batch_size} on {self.train_subset:,} digits, "
                f"{optimizer} lr {self.lr:g}; tested on {self.test_subset:,}")

    def train_config(self, run: DepthRun, device: str = "auto", record: tuple[str, ...] = ("grad_norms",),
                     snapshot_every: int = 0, seed: int = 0, data_dir: str | None = None) -> TrainConfig:
        return TrainConfig(
            model="deepnet", model_config=run.model_config(), dataset=self.dataset, device=device,
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, optimizer=self.optimizer,
            schedule=self.schedule, momentum_cycle=False, seed=seed, log_every=1,
            snapshot_every=snapshot_every, record=tuple(record), record_every=self.record_every,
            train_subset=self.train_subset, test_subset=self.test_subset, data_dir=data_dir,
        )
