"""The base of every tab: a QWidget that gets the shared AppState and can save a PNG.

A panel that inspects a model says which runs it can show (``shows``: e.g. runs whose
model classifies) and gets ``shown_run()`` / ``shown_replica()``: the selected run if
it is such a run, else the newest one that is. ``on_shown_model_changed`` is called
(only while the tab is visible, else when it is next shown) whenever that run, or the
snapshot it shows, changes. While a run trains on this machine, a change that is only
a newer snapshot of the same run waits its turn in the window's CPU budget
(``AppState.refresh_wait``): the panels follow the run without slowing it. The call says
which it is (``newer_weights``), and so does ``refresh_when_visible``: a hidden tab that owes
a redraw only for newer weights of the run it drew waits for the budget again when shown;
one that owes it for anything else redraws at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from ..state import AppState


class Panel(QWidget):
    title = ""  # the tab's text
    description = ""  # the tab's tooltip: one sentence that teaches what it shows
    shows: Callable | None = None  # which runs the panel inspects (None: it inspects none)
    history = None  # a HistorySlider kept on the shown run, for panels that have one
    builds_lazily = False  # True: _build() makes the widgets when the tab is first shown (or used)

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self._refresh_owed = False  # refresh() is due the next time the tab is shown
        self._built = not type(self).builds_lazily
        self._shown_key: tuple | None = None
        self._drawn_run: str | None = None  # the run shown when refresh() last ran
        self._owed_only_newer = True  # every reason the owed refresh is owed is a newer snapshot of the drawn run
        self._snapshot_wait = QTimer(self, singleShot=True, timeout=self._follow_newer_snapshot)
        if type(self).shows is not None:
            state.replica_changed.connect(self._check_shown_model)
            state.selection_changed.connect(self._check_shown_model)
            state.run_removed.connect(self._check_shown_model)
            state.run_added.connect(self._check_shown_model)
            state.run_changed.connect(self._on_run_changed)

    # --- the run this panel inspects --------------------------------------------------------
    def shown_run(self):
        return self.state.run_for(type(self).shows)

    def shown_replica(self):
        run = self.shown_run()
        return self.state.replica(run.id) if run is not None else None

    def _check_shown_model(self, *_args) -> None:
        run = self.shown_run()
        snapshot = self.state.shown_snapshot(run.id) if run else None
        live = run is not None and self.state.history_index(run.id) is None
        key = (run.id if run else None, id(snapshot) if snapshot is not None else None, live)
        if key != self._shown_key:
            # training sent newer weights (not: another run, History moved, back to live)
            newer_snapshot = live and self._shown_key is not None and self._shown_key[::2] == (run.id, True)
            self._shown_key = key
            if self.history is not None:
                self.history.set_run(run.id if run else None)
            if newer_snapshot:
                self._follow_newer_snapshot()
            else:
                self._snapshot_wait.stop()
                self.on_shown_model_changed()

    def _follow_newer_snapshot(self) -> None:
        """The run shown has a newer snapshot: redraw when the window's CPU budget allows (one wait
        per panel; whatever snapshot is newest when it ends is the one drawn)."""
        if self._snapshot_wait.isActive():
            return
        wait = self.state.refresh_wait(self.shown_run())
        if wait > 0:
            self._snapshot_wait.start(max(1, round(wait * 1000)))
            return
        self.on_shown_model_changed(newer_weights=True)

    def _on_run_changed(self, run_id: str, changes) -> None:
        """A run that ends (or pauses) while its newer snapshot waits: draw it now."""
        if "status" in changes and self._snapshot_wait.isActive() and self._shown_key[0] == run_id:
            self._snapshot_wait.stop()
            self._follow_newer_snapshot()

    def on_shown_model_changed(self, *, newer_weights: bool = False) -> None:
        """The run shown, or its snapshot, changed: redraw (now if visible, else when next shown).
        ``newer_weights``: only a newer snapshot of the same run (its budget wait is over)."""
        self.refresh_when_visible(newer_weights=newer_weights)

    def refresh(self) -> None:
        """Redraw from the state; panels that follow training override it."""

    def refresh_when_visible(self, *, newer_weights: bool = False) -> None:
        """Redraw now if the tab is on screen, else when it is next shown: no work for a hidden tab.
        ``newer_weights``: the reason is only a newer snapshot of the run shown."""
        if self.isVisible():
            self._refresh_owed = False
            self._refresh()
        else:
            # a newer snapshot of the run already drawn can wait for the budget when the tab is shown
            if not (newer_weights and self._shown_key and self._drawn_run == self._shown_key[0]):
                self._owed_only_newer = False
            self._refresh_owed = True

    def _refresh(self) -> None:
        self._drawn_run = self._shown_key[0] if self._shown_key else None
        self._owed_only_newer = True
        self.refresh()

    def ensure_built(self) -> None:
        """Make a lazily built panel's widgets now (a tab with many plots need not slow the start-up)."""
        if not self._built:
            self._built = True
            self._build()

    def _build(self) -> None:
        """A lazily built panel's widgets."""

    def showEvent(self, event) -> None:
        self.ensure_built()
        super().showEvent(event)
        if self._refresh_owed:
            self._refresh_owed = False
            if self._owed_only_newer:  # it shows this run already: the newer weights can wait their turn
                self._follow_newer_snapshot()
            else:
                self._refresh()

    def cancel_background_work(self) -> None:
        """The window is closing: ask slow work to stop (panels with such work override this)."""

    def export_png(self, path: str) -> None:
        """Save what the panel shows; panels with a plot may override to save just that."""
        if not self.grab().save(path):
            raise OSError(f"Could not write {path}")


def classifies(run) -> bool:
    return run.classifies


def classifies_images(run) -> bool:
    """A classifier of images (C x H x W): what a drawn digit, 2-D filters and feature maps need.
    Signal models (MNIST-1D) have their own tab."""
    return run.classifies and run.spec.input_rank == 3


def generates(run) -> bool:
    return run.generates
