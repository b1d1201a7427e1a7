"""The base of every tab: a QWidget that gets the shared AppState and can save a PNG."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..state import AppState


class Panel(QWidget):
    title = ""  # the tab's text
    description = ""  # the tab's tooltip: one sentence that teaches what it shows

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self._refresh_owed = False  # refresh() is due the next time the tab is shown

    def refresh(self) -> None:
        """Redraw from the state; panels that follow training override it."""

    def refresh_when_visible(self) -> None:
        """Redraw now if the tab is on screen, else when it is next shown: no work for a hidden tab."""
        if self.isVisible():
            self._refresh_owed = False
            self.refresh()
        else:
            self._refresh_owed = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._refresh_owed:
            self._refresh_owed = False
            self.refresh()

    def export_png(self, path: str) -> None:
        """Save what the panel shows; panels with a plot may override to save just that."""
        if not self.grab().save(path):
            raise OSError(f"Could not write {path}")
