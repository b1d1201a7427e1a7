"""The Generated tab's fitted mixture priors: fitted off the GUI thread, one VAE at a time, kept per weights.

What a VAE's z is drawn from when the tab's prior is "fitted mixture": the Gaussian
mixture fitted to the latent means of the VAE's training digits
(``core/analysis/latent_prior.py``; fitted once per set of weights and kept on disk
by ``latent_prior_store.py``, so an opened checkpoint's mixture is read back in a
moment). Until a VAE's mixture is ready its grid draws from the prior it was trained with
(N(0, I), or the mixture cvae-mix learned) and says so. While
a run trains, its newest mixture is used for newer weights too (labelled with the
step it was fitted at): refitting at every snapshot would take the cores training needs.
A VAE whose latent is too large for a mixture (seed 000's) stays on N(0, I).
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from ...core.analysis.latent import prior_name
from ...core.analysis.latent_prior import MixturePrior, mixture_refusal
from ...core.analysis.latent_prior_store import mixture_prior_for
from ..background import BackgroundRunner


class MixturePriors(QObject):
    """``choose(name, run, replica)`` says which mixture to draw from (or None: the prior the VAE was
    trained with, N(0, I) or one it learned) and why."""

    fitted = Signal(str)  # a VAE's mixture is ready: redraw it
    progress = Signal(str, float)  # what is being fitted, how far
    failed = Signal(str)  # why a fit failed

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self._fits: dict[str, tuple[int, MixturePrior, str]] = {}  # run id -> (step, mixture, how it was had)
        self._wanted: dict[str, tuple[str, object]] = {}  # run id -> (VAE name, replica) waiting to be fitted
        self._fitting: tuple[str, str, int] | None = None  # (run id, VAE name, step) in flight
        self._failed: dict[str, int] = {}  # run id -> the step whose fit failed: not tried again for it
        self._cancel = threading.Event()
        self._runner = BackgroundRunner(self)

    @property
    def busy(self) -> bool:
        return self._fitting is not None

    def choose(self, name: str, run, replica) -> tuple[MixturePrior | None, str]:
        """The mixture for this run's shown weights, else None and a sentence saying why (a fit may start)."""
        trained = prior_name(replica.model)
        refusal = mixture_refusal(replica.model)
        if refusal:
            return None, f"{trained}: {refusal}"
        kept = self._fits.get(run.id)
        if kept is not None and kept[0] == replica.step:
            return kept[1], f"fitted mixture ({kept[1].components} components)"
        if kept is not None and run.status.active:
            return kept[1], f"fitted mixture of step {kept[0]:,} (refitted when training ends)"
        if self._failed.get(run.id) == replica.step:
            return None, f"{trained}: the mixture could not be fitted"
        if self._fitting != (run.id, name, replica.step):
            self._wanted[run.id] = (name, replica)
            self._start_next()
        return None, f"{trained} until the mixture is fitted"

    def _start_next(self) -> None:
        if self._fitting is not None or not self._wanted:
            return
        run_id = next(iter(self._wanted))
        name, replica = self._wanted.pop(run_id)
        run = self.state.run(run_id)
        if run is None:
            self._start_next()
            return
        self._fitting = (run_id, name, replica.step)
        self._cancel.clear()
        self._runner.submit(_fit, self.state, run.dataset, replica.model, cancelled=self._cancel.is_set,
                            on_result=self._on_fitted, on_error=self._on_failed,
                            on_progress=lambda text, fraction, name=name: self.progress.emit(f"{name}: {text}",
                                                                                             fraction))

    def _on_fitted(self, result: tuple[MixturePrior, str]) -> None:
        run_id, name, step = self._fitting
        self._fitting = None
        self._fits[run_id] = (step, *result)
        self.fitted.emit(name)
        self._start_next()

    def _on_failed(self, message: str) -> None:
        run_id, name, step = self._fitting
        self._fitting = None
        self._failed[run_id] = step
        self.failed.emit(f"{name}: {message}")
        self._start_next()

    def how(self, run_id: str) -> str:
        """How the run's mixture was had ('fitted in 8.1 s, kept in …' or 'kept in …'), '' if none."""
        kept = self._fits.get(run_id)
        return kept[2] if kept else ""

    def forget(self, run_id: str) -> None:
        self._fits.pop(run_id, None)
        self._wanted.pop(run_id, None)

    def cancel(self) -> None:
        self._wanted.clear()
        self._cancel.set()


def _fit(state, dataset: str, model, progress, cancelled) -> tuple[MixturePrior, str]:
    """Off the GUI thread: the run's training digits, then the kept mixture or a new fit."""
    progress("loading the training digits…", 0.0)
    data = state.dataset(dataset)
    return mixture_prior_for(model, data.train_images, data.title, progress=progress, cancelled=cancelled)
