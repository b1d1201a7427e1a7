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

    def export_png(self, path: str) -> None:
        """Save what the panel shows; panels with a plot may override to save just that."""
        if not self.grab().save(path):
            raise OSError(f"Could not write {path}")
