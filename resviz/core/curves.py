"""A run's curves: training loss (and its parts) per reported step, test metrics per epoch.

Filled by the training events (``Curves.add_step`` / ``add_epoch``) or read back from a
checkpoint's history (``Curves.from_history``; ``to_history`` writes that layout); growable
numpy buffers, so a plot reads views of them without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .events import Epoch, Step


class Series:
    """An (x, y) buffer that doubles when full: appending is O(1), reading is a view."""

    def __init__(self, capacity: int = 256):
        self.x = np.empty(capacity)
        self.y = np.empty(capacity)
        self.n = 0

    def append(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            self.x = np.resize(self.x, 2 * self.n)
            self.y = np.resize(self.y, 2 * self.n)
        self.x[self.n], self.y[self.n] = x, y
        self.n += 1

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[:self.n], self.y[:self.n]

    def __len__(self) -> int:
        return self.n


@dataclass
class Curves:
    """Training loss (and its parts) per reported step; the test metrics per epoch."""

    steps: dict[str, Series] = field(default_factory=lambda: {"loss": Series()})  # "loss", "recon", "kl", ...
    epochs: list[dict] = field(default_factory=list)  # {"epoch", "step", "train_loss", metric: value, ...}

    def add_step(self, event: Step) -> None:
        self.steps["loss"].append(event.step, event.loss)
        for name, value in event.parts.items():
            self.steps.setdefault(name, Series()).append(event.step, value)

    def add_epoch(self, event: Epoch) -> None:
        self.epochs.append({"epoch": event.epoch, "step": event.step, "train_loss": event.train_loss,
                            **event.metrics})

    def epoch_series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        rows = [(e["step"], e[key]) for e in self.epochs if isinstance(e.get(key), (int, float))]
        return (np.array([r[0] for r in rows], float), np.array([r[1] for r in rows], float))

    @classmethod
    def from_history(cls, history: dict) -> Curves:
        """The curves a checkpoint stored (``Trainer.history``)."""
        curves = cls()
        steps = history.get("step", [])
        for name, values in history.items():
            if name in ("step", "epoch", "epoch_step") or _per_epoch(name):
                continue
            if isinstance(values, list) and len(values) == len(steps):
                series = curves.steps.setdefault(name, Series())
                for x, y in zip(steps, values):
                    series.append(x, y)
        for i, (epoch, step) in enumerate(zip(history.get("epoch", []), history.get("epoch_step", []))):
            row = {"epoch": epoch, "step": step}
            for key, values in history.items():
                if _per_epoch(key) and isinstance(values, list) and i < len(values):
                    row[key] = values[i]
            curves.epochs.append(row)
        return curves

    def to_history(self) -> dict[str, list]:
        """The checkpoint's ``history`` layout (as ``Trainer.history``): what ``from_history`` reads back."""
        steps, _ = self.steps["loss"].data()
        history: dict[str, list] = {"step": [int(x) for x in steps]}
        for name, series in self.steps.items():
            history[name] = [float(y) for y in series.data()[1]]
        history["epoch"] = [row["epoch"] for row in self.epochs]
        history["epoch_step"] = [row["step"] for row in self.epochs]
        for row in self.epochs:
            for key, value in row.items():
                if key not in ("epoch", "step"):
                    history.setdefault(key, []).append(value)
        return history


def _per_epoch(history_key: str) -> bool:
    """Metrics a checkpoint's history holds once per epoch: test_*, train_loss, train_accuracy."""
    return history_key.startswith(("test_", "train_"))
