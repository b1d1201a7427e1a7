"""What a callback is: a named piece of a training run that reacts to the loop's moments.

The loop (``Trainer.fit``) only trains; everything else a run does happens in
callbacks, in a fixed order: reporting progress and catching divergence, testing each
epoch, taking weight snapshots, recording what an experiment wants (gradient norms,
activation statistics), and saving the checkpoint. A callback may yield events (small
frozen records, see ``events.py``) from its hooks; they are made in the training thread.
Lightning's ``Callback`` and fastai's ``callback/core.py`` are the models: a short list
of named moments, a callback overriding only the ones it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..events import Event


class Callback:
    name = ""
    wants_gradients = False  # uses after_backward: the step cannot be a replayed CUDA graph

    def on_fit_start(self, ctx) -> Iterable[Event]:
        return ()

    def on_step_start(self, ctx) -> None:
        """Before the forward pass of step ``ctx.step + 1``."""

    def after_backward(self, ctx) -> None:
        """Gradients are in ``.grad``; the optimizer has not stepped yet."""

    def on_step_end(self, ctx) -> Iterable[Event]:
        return ()

    def on_epoch_end(self, ctx) -> Iterable[Event]:
        return ()

    def on_fit_end(self, ctx) -> Iterable[Event]:
        return ()

    def close(self) -> None:
        """Remove hooks and let go of the model (also after an exception)."""


class CallbackList:
    def __init__(self, callbacks: Iterable[Callback]):
        self.callbacks = list(callbacks)

    @property
    def wants_gradients(self) -> bool:
        return any(c.wants_gradients for c in self.callbacks)

    def fire(self, moment: str, ctx) -> Iterator[Event]:
        for callback in self.callbacks:
            events = getattr(callback, moment)(ctx)
            if events:
                yield from events

    def call(self, moment: str, ctx) -> None:
        for callback in self.callbacks:
            getattr(callback, moment)(ctx)

    def close(self) -> None:
        for callback in self.callbacks:
            callback.close()
