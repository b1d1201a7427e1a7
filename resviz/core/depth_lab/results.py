"""One row of the Depth lab's results, read from a run: the same for the tab's table and ``resviz depth``.

- ``train_loss``: the mean training loss over the last 10% of steps (a single last batch
  is too noisy to compare runs by); the runs report a Step after every batch.
- ``grad_ratio``: at the first step, the gradient norm of the first conv layer's weight
  divided by that of the classifier's: how much of the error signal reaches the bottom
  of the net before anything has been learned. Near 1e-1 it arrives; below 1e-6 it has
  vanished on the way down.
- ``steps_to_target``: the first step at which the smoothed training loss is below a
  target (how ReLU vs tanh is compared: AlexNet counted the epochs to 25% training error).
"""

from __future__ import annotations

import math

import numpy as np

from ..runs import Run

GRADIENTS = "grad_norms"  # the recorder whose first record gives grad_ratio
TAIL = 0.1  # the share of the last steps train_loss is averaged over
SMOOTHING = 0.9  # of the exponential moving average steps_to_target reads


def tail_mean(losses: np.ndarray, fraction: float = TAIL) -> float | None:
    losses = np.asarray(losses, dtype=float)
    if not len(losses):
        return None
    return float(losses[-max(1, int(round(len(losses) * fraction))):].mean())


def first_step_ratio(run: Run) -> float | None:
    """First conv's weight-gradient norm / the classifier's, at step 1 (None before it is recorded)."""
    records = run.recorded.get(GRADIENTS) or []
    first = next((r for r in records if r.step == 1), None)
    if first is None or len(first.values) < 2:
        return None
    bottom, top = float(first.values[0]), float(first.values[-1])
    return bottom / top if top > 0 else None


def steps_to_target(steps: np.ndarray, losses: np.ndarray, target: float) -> int | None:
    """The first step whose exponentially smoothed loss is below ``target`` (None: never)."""
    average = None
    for step, loss in zip(steps, losses):
        average = loss if average is None else SMOOTHING * average + (1 - SMOOTHING) * loss
        if average < target:
            return int(step)
    return None


def _finite(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def run_row(run: Run, target_loss: float | None = None) -> dict:
    """The run summed up: what it is, how far it trained, and what it measured."""
    config = {**run.settings.get("model_config", {}), **run.model_config}
    steps, losses = run.curves.steps["loss"].data()
    row = {
        "name": run.name,
        "variant": config.get("variant"),
        "depth": config.get("depth"),
        "batchnorm": bool(config.get("batchnorm")),
        "activation": config.get("activation"),
        "width": config.get("width"),
        "status": run.status.value,
        "steps": int(steps[-1]) if len(steps) else 0,
        "train_loss": _finite(tail_mean(losses)),
        "test_accuracy": _finite(run.metrics.get("test_accuracy")),
        "grad_ratio": _finite(first_step_ratio(run)),
        "seconds": round(run.seconds, 2),
        "parameters": run.started.parameters if run.started is not None else None,
    }
    if target_loss is not None:
        row["target_loss"] = target_loss
        row["steps_to_target"] = steps_to_target(steps, losses, target_loss)
    return row
