"""Saving the run: at its end (finished or stopped), and the last good weights when it fails.

The trainer holds one ``Checkpointer`` and calls it when the run ends; what it did comes
back as a ``Saved`` (where the file went, what the person should know, the weights no
folder took), which the trainer puts on the run's last event.

A trained model is never lost: if the checkpoint cannot be written where it was asked
(a full disk, a folder that went away, no permission, a target that is not a file), it
is written to the default checkpoints folder instead and the run's last event says
where. If that fails too (the disk is full there as well), the weights are kept in
memory as an ``UnsavedCheckpoint`` on the run's last event (``Done.unsaved`` /
``Failed.unsaved``) for the caller to save once there is room, and its message says
why and where it tried. Only the main process writes (under torchrun, rank 0).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import torch

from .. import run_meta
from ..checkpoints import UnsavedCheckpoint, default_checkpoint_path, save_checkpoint
from ..data import Dataset, describe_error
from ..events import Failed
from ..last_good import LastGood
from ..models import ModelSpec


@dataclass(frozen=True)
class RunRecord:
    """What a checkpoint records of a run the trainer is ending (``run_meta.from_training`` reads it)."""

    name: str  # the run's name ("" when it has none: the file's name stands in)
    config: object  # the TrainConfig
    spec: ModelSpec
    model: torch.nn.Module
    data: Dataset
    step: int
    metrics: dict  # the latest test's
    history: dict  # Trainer.history
    seconds: float  # the training time, read once: the checkpoint and the last event share it


@dataclass(frozen=True)
class Saved:
    path: str | None = None  # where the checkpoint went; None: not asked, not rank 0, or nowhere had room
    note: str = ""  # what the person should know about where it went
    unsaved: UnsavedCheckpoint | None = None  # the weights no folder had room for


class Checkpointer:
    def __init__(self, path: str | Path | None, is_main: bool = True):
        self.path = Path(path) if path else None
        self.is_main = is_main  # under torchrun only rank 0 writes

    def save(self, run: RunRecord, state: dict, epochs_completed: int) -> Saved:
        """Writes ``state`` with the run's record (nothing when no path was asked or this is not rank 0)."""
        if self.path is None or not self.is_main:
            return Saved()
        meta = run_meta.from_training(run, epochs_completed).as_dict()
        failures: list[tuple[Path, BaseException]] = []
        for target in self._targets(run):
            try:
                saved = save_checkpoint(target, state_dict=state, **meta)
            except (OSError, ValueError, RuntimeError) as error:  # full disk, no folder, not a file, torch's writer
                failures.append((target, error))
                continue
            note = (f"Could not write the checkpoint to {self.path} ({_reason(failures[0][1])}); "
                    f"it was saved to {saved} instead.") if failures else ""
            return Saved(str(saved), note)
        model, config = meta.pop("model"), meta.pop("model_config")
        unsaved = UnsavedCheckpoint(model, config, meta, _cpu_copy(state), tuple(str(p) for p, _ in failures))
        tried = "; ".join(f"{path}: {_reason(error)}" for path, error in failures)
        return Saved(None, f"Could not save the checkpoint anywhere ({tried}). The trained weights are kept in memory "
                           "only: save them once there is room, or they are lost when this run is closed.", unsaved)

    def save_last_good(self, run: RunRecord, good: LastGood, failure: Failed) -> Failed:
        """``failure`` saying where the weights after the last full test went (unchanged without a test)."""
        if good.state is None:
            return failure
        saved = self.save(run, good.state, good.epoch)
        kept = f" The weights after epoch {good.epoch} were saved to {saved.path}." if saved.path else ""
        note = f" {saved.note}" if saved.note else ""
        return replace(failure, message=failure.message + kept + note, checkpoint=saved.path, unsaved=saved.unsaved)

    def _targets(self, run: RunRecord):
        """Where to try, in order: the path asked for, then a new file in the default folder."""
        yield self.path
        yield default_checkpoint_path(run.config.model, run.config.dataset)


def _reason(error: BaseException) -> str:
    """``the disk is full: ... (12 KB free)`` for a full disk; the exception's own words otherwise."""
    if isinstance(error, OSError) and error.strerror and "disk is full" in error.strerror:
        return error.strerror.split(" [", 1)[0]  # torch's own "[enforce fail ...] unexpected pos" says no more
    return describe_error(error)


def _cpu_copy(state: dict) -> dict:
    """The weights detached onto the CPU, so they stay as they are whatever the model does next."""
    return {k: v.detach().to("cpu", copy=True) for k, v in state.items()}

