"""What a callback is: a named piece of a training run that reacts to the loop's moments.

The loop (``Trainer.fit``) only trains; what else a run does happens in callbacks:
reporting progress and catching divergence, testing each epoch, taking weight
snapshots, recording what an experiment wants (gradient norms, activation statistics).
A callback returns events (small frozen records, see ``events.py``) from its hooks; they
are made in the training thread. Lightning's ``Callback`` and fastai's
``callback/core.py`` are the models: a short list of named moments, a callback
overriding only the ones it needs.

Callbacks talk through results, not through fields of a shared context. A callback
declares the results it reads (``needs``) and the ones it returns (``provides``); the
trainer runs each after whatever provides what it needs (``order_callbacks``), and a
set that no order satisfies is refused when the trainer is made. A result is an event
a hook returns (``RESULT_EVENTS``: the evaluation's ``Epoch`` is the epoch's
``metrics``) or one the trainer gives (``TRAINER_RESULTS``: the step's ``loss``); each
hook is handed only the results its callback declared. A hook that returns a
``Failed`` ends the run: the trainer keeps it, lets the moment's other callbacks finish,
and ends the run with it (after saving the last good weights).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable

from ..events import Epoch, Event, Failed

RESULT_EVENTS = {"metrics": Epoch}  # a result a callback provides -> the event type that carries it
TRAINER_RESULTS = {"loss": "the step's loss and its named parts, still on the device (``TrainStep``)"}


class Callback:
    name = ""
    needs: tuple[str, ...] = ()  # results this callback's hooks read: they run after the ones providing them
    provides: tuple[str, ...] = ()  # results its hooks return (keys of RESULT_EVENTS)
    wants_gradients = False  # uses after_backward: the step cannot be a replayed CUDA graph

    def on_fit_start(self, ctx) -> Iterable[Event]:
        return ()

    def on_step_start(self, ctx) -> None:
        """Before the forward pass of step ``ctx.step + 1``."""

    def after_backward(self, ctx) -> None:
        """Gradients are in ``.grad``; the optimizer has not stepped yet."""

    def on_step_end(self, ctx, results: dict) -> Iterable[Event]:
        """``results``: the ones this callback needs, of this step (``results["loss"]``)."""
        return ()

    def on_epoch_end(self, ctx, results: dict) -> Iterable[Event]:
        """``results``: the ones this callback needs, of this epoch (``results.get("metrics")``:
        the evaluation's ``Epoch``, absent when Stop cut the test short)."""
        return ()

    def on_fit_end(self, ctx) -> Iterable[Event]:
        return ()

    def close(self) -> None:
        """Remove hooks and let go of the model (also after an exception)."""


class CallbackOrderError(ValueError):
    """No order of these callbacks runs each after what it needs."""


def order_callbacks(callbacks: Iterable[Callback]) -> list[Callback]:
    """``callbacks`` in an order where each runs after the providers of what it needs, otherwise
    as given. Refused with a message: a need nothing provides, a result two callbacks provide,
    or callbacks that need each other's results."""
    callbacks = list(callbacks)
    providers: dict[str, Callback] = {}
    for callback in callbacks:
        for result in callback.provides:
            if result not in RESULT_EVENTS:
                raise CallbackOrderError(f"{_named(callback)} provides {result!r}, which is not a result callbacks "
                                         f"return (they return {_listed(RESULT_EVENTS)}).")
            if result in providers:
                raise CallbackOrderError(f"{result!r} is provided by both {_named(providers[result])} and "
                                         f"{_named(callback)}: one provider per result.")
            providers[result] = callback
    for callback in callbacks:
        for result in callback.needs:
            if result not in providers and result not in TRAINER_RESULTS:
                offered = [f"{r!r} ({_named(c)})" for r, c in providers.items()] + \
                          [f"{r!r} (the trainer)" for r in TRAINER_RESULTS]
                raise CallbackOrderError(f"{_named(callback)} needs {result!r}, which nothing in this run "
                                         f"provides; it has {', '.join(offered)}.")
    placed: list[Callback] = []
    waiting = list(callbacks)
    while waiting:
        ready = next((c for c in waiting if all(_provider_placed(r, providers, placed) for r in c.needs)), None)
        if ready is None:
            stuck = "; ".join(f"{_named(c)} needs {', '.join(repr(r) for r in c.needs)}" for c in waiting)
            raise CallbackOrderError(f"No order runs each callback after what it needs: {stuck}.")
        placed.append(ready)
        waiting.remove(ready)
    return placed


def _provider_placed(result: str, providers: dict[str, Callback], placed: list[Callback]) -> bool:
    return result in TRAINER_RESULTS or any(c is providers[result] for c in placed)


def _named(callback: Callback) -> str:
    return f"the {callback.name or type(callback).__name__} callback"


def _listed(results) -> str:
    return ", ".join(repr(r) for r in results)


Moment = Generator[Event, None, "Failed | None"]  # yields a moment's events; returns the Failed that ends the run


class CallbackList:
    """The run's callbacks in their declared order, and the moments the loop calls them at."""

    def __init__(self, callbacks: Iterable[Callback]):
        self.callbacks = order_callbacks(callbacks)

    @property
    def wants_gradients(self) -> bool:
        return any(c.wants_gradients for c in self.callbacks)

    def fit_start(self, ctx) -> Moment:
        return (yield from self._events(lambda c, _: c.on_fit_start(ctx)))

    def step_start(self, ctx) -> None:
        for callback in self.callbacks:
            callback.on_step_start(ctx)

    def after_backward(self, ctx) -> None:
        for callback in self.callbacks:
            callback.after_backward(ctx)

    def step_end(self, ctx, loss) -> Moment:
        return (yield from self._events(lambda c, results: c.on_step_end(ctx, results), loss=loss))

    def epoch_end(self, ctx) -> Generator[Event, None, tuple[Failed | None, Epoch | None]]:
        """Also returns the epoch's metrics (None when its test was cut short)."""
        results: dict = {}
        failure = yield from self._events(lambda c, needed: c.on_epoch_end(ctx, needed), results)
        return failure, results.get("metrics")

    def fit_end(self, ctx) -> Moment:
        return (yield from self._events(lambda c, _: c.on_fit_end(ctx)))

    def close(self) -> None:
        for callback in self.callbacks:
            callback.close()

    def _events(self, hook, results: dict | None = None, **given) -> Moment:
        """Each callback's ``hook(callback, the results it needs)``, in order; what a provider returns
        becomes a result for the callbacks after it. The first ``Failed`` is kept, not yielded."""
        results = {} if results is None else results
        results.update(given)
        failure = None
        for callback in self.callbacks:
            events = hook(callback, {r: results[r] for r in callback.needs if r in results})
            for event in events or ():
                if isinstance(event, Failed):
                    failure = failure or event
                    continue
                for result in callback.provides:
                    if isinstance(event, RESULT_EVENTS[result]):
                        results[result] = event
                yield event
        return failure

