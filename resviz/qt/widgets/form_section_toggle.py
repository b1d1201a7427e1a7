"""A "More settings" header inside a form: it shows or hides the rows added under it, and while they
are hidden a grey line under it says what they are set to, so a setting out of sight is no surprise.

The rows stay rows of the same QFormLayout (hidden with ``setRowVisible``), so their labels line up
with the rest of the form, open or closed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QToolButton, QWidget


class FormSectionToggle(QToolButton):
    """Added to ``form`` as a full-width row (with its summary line under it); ``add_row`` adds the
    rows it shows and hides. Closed at first."""

    def __init__(self, form: QFormLayout, title: str = "More settings", parent: QWidget | None = None):
        super().__init__(parent)
        self._form = form
        self._fields: list[QWidget] = []
        self.setText(title)
        self.setCheckable(True)
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setStyleSheet("QToolButton { font-weight: bold; border: none; padding: 2px 0; }")
        self.summary = QLabel(wordWrap=True)  # what the hidden rows hold, while they are hidden
        self.summary.setStyleSheet("color: #555;")
        form.addRow(self)
        form.addRow(self.summary)
        self.toggled.connect(self._show_rows)
        self._show_rows(False)

    def add_row(self, label: str, field: QWidget) -> None:
        self._form.addRow(label, field)
        self._fields.append(field)
        self._form.setRowVisible(field, self.isChecked())

    def is_open(self) -> bool:
        return self.isChecked()

    def set_open(self, open_: bool) -> None:
        self.setChecked(open_)

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def _show_rows(self, open_: bool) -> None:
        self.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self.setToolTip("Hide these settings" if open_ else "Show these settings")
        for field in self._fields:
            self._form.setRowVisible(field, open_)
        self._form.setRowVisible(self.summary, not open_)
