"""What a training run tells the world, as small frozen records.

``Trainer.fit()`` yields these. They hold Python numbers and detached CPU numpy
copies, never live tensors, so a UI thread can read them while the optimizer keeps
writing the model in another thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .checkpoints import UnsavedCheckpoint


@dataclass(frozen=True)
class Loading:
    """Data is being read or downloaded (before the first step)."""

    message: str
    fraction: float | None = None  # None: no measurable progress


@dataclass(frozen=True)
class Started:
    model: str
    model_config: dict
    objective: str  # the objective's key (models.spec(model).objective)
    dataset: str
    dataset_title: str
    classes: tuple[str, ...]
    data_note: str | None  # set when a fallback dataset is used
    device: str  # "cpu" or "cuda"
    device_name: str
    parameters: int
    train_size: int
    test_size: int
    steps_per_epoch: int
    total_steps: int
    epochs: int
    input_shape: tuple[int, ...] = (1, 28, 28)  # one example: (C, H, W) or (C, L)
    trainable_parameters: int = 0
    frozen_parameters: int = 0
    world_size: int = 1  # processes training data-parallel
    batch_size: int = 0  # examples per optimizer step (per process)


@dataclass(frozen=True)
class Step:
    step: int  # 1-based, counted over the whole run
    total_steps: int
    epoch: int  # 1-based
    loss: float  # mean training loss since the previous Step
    parts: dict[str, float]  # named loss terms (a VAE's recon and kl), same window
    lr: float
    images_per_s: float
    elapsed_s: float  # training time so far, pauses excluded
    eta_s: float


@dataclass(frozen=True)
class Epoch:
    epoch: int
    step: int
    train_loss: float
    metrics: dict[str, float]  # test_loss, test_accuracy / test_recon, test_kl, ...
    seconds: float  # training time so far


@dataclass(frozen=True)
class Snapshot:
    """A copy of the weights taken in the training thread, for panels to inspect."""

    step: int
    epoch: int
    model: str
    model_config: dict
    state: dict[str, np.ndarray] = field(repr=False)


@dataclass(frozen=True)
class Recorded:
    """What a recording callback measured at one step (gradient norms, activation statistics)."""

    name: str  # the recorder's name: "grad_norms", "activations", ...
    step: int
    epoch: int
    labels: tuple[str, ...]  # what each row of ``values`` is (layer names, in input-to-output order)
    values: np.ndarray = field(repr=False)  # [len(labels)] or [len(labels), k], a host copy


@dataclass(frozen=True)
class Done:
    stopped: bool  # True when the person stopped it early
    epochs_completed: int
    step: int
    metrics: dict[str, float]
    seconds: float
    checkpoint: str | None
    message: str = ""  # something the person should know (the checkpoint went elsewhere, ...)
    # the weights no folder had room for (checkpoint is then None): the caller saves them later
    unsaved: UnsavedCheckpoint | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Failed:
    message: str  # for a person: what happened and what to try
    detail: str = ""  # the technical reason (exception text)
    checkpoint: str | None = None  # the last good weights, when they could be kept
    traceback: str = ""  # the full traceback, when an exception caused it
    log: str | None = None  # the log file that holds it
    unsaved: UnsavedCheckpoint | None = field(default=None, repr=False, compare=False)  # as Done.unsaved


Event = Loading | Started | Step | Epoch | Snapshot | Recorded | Done | Failed
