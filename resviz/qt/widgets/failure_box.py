"""A failure as a person reads it: the message, with the traceback and log file behind Details."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def failure_box(parent: QWidget, title: str, message: str, traceback_text: str = "",
                log: str | None = None) -> QMessageBox:
    """A window-modal warning that does not block the caller (``open()``, not ``exec()``)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    details = traceback_text.strip()
    if log:
        details = f"Written to {log}\n\n{details}" if details else f"Written to {log}"
    if details:
        box.setDetailedText(details)
        box.setInformativeText("Details has the technical reason" + (f"; it is also in {log}." if log else "."))
    box.open()
    return box
