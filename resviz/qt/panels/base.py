"""The base of every tab: a QWidget that gets the shared AppState and can save a PNG.

A panel that inspects a model says which runs it can show (``shows``: e.g. runs whose
model classifies) and gets ``shown_run()`` / ``shown_replica()``: the selected run if
it is such a run, else the newest one that is. ``on_shown_model_changed`` is called
(only while the tab is visible, else when it is next shown) whenever that run, or the
snapshot it shows, changes.
"""

from __future__ import annotations

from collections.abc import Callable

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
        if type(self).shows is not None:
            state.replica_changed.connect(self._check_shown_model)
            state.selection_changed.connect(self._check_shown_model)
            state.run_removed.connect(self._check_shown_model)
            state.run_added.connect(self._check_shown_model)

    # --- the run this panel inspects --------------------------------------------------------
    def shown_run(self):
        return self.state.run_for(type(self).shows)

    def shown_replica(self):
        run = self.shown_run()
        return self.state.replica(run.id) if run is not None else None

    def _check_shown_model(self, *_args) -> None:
        run = self.shown_run()
        snapshot = self.state.shown_snapshot(run.id) if run else None
        key = (run.id if run else None, id(snapshot) if snapshot is not None else None)
        if key != self._shown_key:
            self._shown_key = key
            if self.history is not None:
                self.history.set_run(run.id if run else None)
            self.on_shown_model_changed()

    def on_shown_model_changed(self) -> None:
        """The run shown, or its snapshot, changed: redraw (now if visible, else when next shown)."""
        self.refresh_when_visible()

    def refresh(self) -> None:
        """Redraw from the state; panels that follow training override it."""

    def refresh_when_visible(self) -> None:
        """Redraw now if the tab is on screen, else when it is next shown: no work for a hidden tab."""
        if self.isVisible():
            self._refresh_owed = False
            self.refresh()
        else:
            self._refresh_owed = True

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
            self.refresh()

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
