"""Saving the run: at its end (finished or stopped), and the last good weights when it fails.

A trained model is never lost: if the checkpoint cannot be written where it was asked
(a full disk, a folder that went away, no permission), it is written to the default
checkpoints folder instead and the run's last event says where. Only the main process
writes (under torchrun, rank 0).
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

from .. import models
from ..checkpoints import default_checkpoint_path, save_checkpoint
from ..data import describe_error
from .base import Callback


class Checkpointer(Callback):
    name = "checkpoint"

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self.note = ""  # what the person should know about where it went

    def save(self, ctx, state, epochs_completed: int) -> str | None:
        if self.path is None or not ctx.dist.is_main:
            return None
        meta = dict(
            objective=ctx.spec.objective, dataset=ctx.config.dataset, dataset_title=ctx.data.title,
            classes=list(ctx.data.classes), input_shape=list(_input_shape(ctx)), epoch=epochs_completed,
            step=ctx.step, metrics=ctx.metrics, train_config=asdict(ctx.config), history=ctx.history,
            dataset_options=dict(ctx.data.options),
            seconds=round(ctx.clock.elapsed(), 3),  # training time, shown for an opened run
        )
        config = models.model_config(ctx.model)
        try:
            return str(save_checkpoint(self.path, model=ctx.config.model, model_config=config,
                                       state_dict=state, **meta))
        except OSError as error:
            fallback = default_checkpoint_path(ctx.config.model, ctx.config.dataset)
            saved = save_checkpoint(fallback, model=ctx.config.model, model_config=config, state_dict=state, **meta)
            self.note = (f"Could not write the checkpoint to {self.path} ({describe_error(error)}); "
                         f"it was saved to {saved} instead.")
            return str(saved)

    def on_fit_end(self, ctx):
        if ctx.failure is not None:
            if ctx.last_good_state is not None:
                path = self.save(ctx, ctx.last_good_state, ctx.tested_epoch or 0)
                kept = f" The weights after epoch {ctx.tested_epoch} were saved to {path}." if path else ""
                ctx.failure = replace(ctx.failure, message=ctx.failure.message + kept, checkpoint=path)
            return ()
        ctx.checkpoint = self.save(ctx, ctx.model.state_dict(), ctx.completed)
        return ()


def _input_shape(ctx) -> tuple[int, ...]:
    """What one example the model takes looks like (the data may be cached features by now)."""
    return tuple(getattr(ctx.model, "input_shape", None) or ctx.data.input_shape)
