"""Saving the run: at its end (finished or stopped), and the last good weights when it fails.

A trained model is never lost: if the checkpoint cannot be written where it was asked
(a full disk, a folder that went away, no permission, a target that is not a file), it
is written to the default checkpoints folder instead and the run's last event says
where. If that fails too (the disk is full there as well), the weights are kept in
memory as an ``UnsavedCheckpoint`` on the run's last event (``Done.unsaved`` /
``Failed.unsaved``) for the caller to save once there is room, and its message says
why and where it tried. Only the main process writes (under torchrun, rank 0).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .. import run_meta
from ..checkpoints import UnsavedCheckpoint, default_checkpoint_path, save_checkpoint
from ..data import describe_error
from .base import Callback


class Checkpointer(Callback):
    name = "checkpoint"

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self.note = ""  # what the person should know about where it went
        self.unsaved: UnsavedCheckpoint | None = None  # the weights no folder had room for

    def save(self, ctx, state, epochs_completed: int) -> str | None:
        """The path the checkpoint was written to; None when not written (not asked, not rank 0,
        or no folder could take it: then ``self.unsaved`` holds it)."""
        if self.path is None or not ctx.dist.is_main:
            return None
        meta = run_meta.from_training(ctx, epochs_completed).as_dict()
        failures: list[tuple[Path, BaseException]] = []
        for target in self._targets(ctx):
            try:
                saved = save_checkpoint(target, state_dict=state, **meta)
            except (OSError, ValueError, RuntimeError) as error:  # full disk, no folder, not a file, torch's writer
                failures.append((target, error))
                continue
            if failures:
                self.note = (f"Could not write the checkpoint to {self.path} ({_reason(failures[0][1])}); "
                             f"it was saved to {saved} instead.")
            return str(saved)
        model, config = meta.pop("model"), meta.pop("model_config")
        self.unsaved = UnsavedCheckpoint(model, config, meta, _cpu_copy(state), tuple(str(p) for p, _ in failures))
        tried = "; ".join(f"{path}: {_reason(error)}" for path, error in failures)
        self.note = (f"Could not save the checkpoint anywhere ({tried}). The trained weights are kept in memory "
                     "only: save them once there is room, or they are lost when this run is closed.")
        return None

    def _targets(self, ctx):
        """Where to try, in order: the path asked for, then a new file in the default folder."""
        yield self.path
        yield default_checkpoint_path(ctx.config.model, ctx.config.dataset)

    def on_fit_end(self, ctx):
        if ctx.failure is not None:
            if ctx.last_good_state is not None:
                path = self.save(ctx, ctx.last_good_state, ctx.tested_epoch or 0)
                kept = f" The weights after epoch {ctx.tested_epoch} were saved to {path}." if path else ""
                note = f" {self.note}" if self.note else ""
                ctx.failure = replace(ctx.failure, message=ctx.failure.message + kept + note, checkpoint=path,
                                      unsaved=self.unsaved)
            return ()
        ctx.checkpoint = self.save(ctx, ctx.model.state_dict(), ctx.completed)
        return ()


def _reason(error: BaseException) -> str:
    """``the disk is full: ... (12 KB free)`` for a full disk; the exception's own words otherwise."""
    if isinstance(error, OSError) and error.strerror and "disk is full" in error.strerror:
        return error.strerror.split(" [", 1)[0]  # torch's own "[enforce fail ...] unexpected pos" says no more
    return describe_error(error)


def _cpu_copy(state: dict) -> dict:
    """The weights detached onto the CPU, so they stay as they are whatever the model does next."""
    return {k: v.detach().to("cpu", copy=True) for k, v in state.items()}

