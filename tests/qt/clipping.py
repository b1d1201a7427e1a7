"""What a person would see cut off: text that does not fit its label, a widget sticking out of its
parent, a plot wider than its view. Used by the layout tests at 1280×820 and 900×600."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QScrollArea, QWidget


def _describe(widget: QWidget) -> str:
    text = widget.text()[:50] if isinstance(widget, QLabel) else ""
    return f"{type(widget).__name__}{' ' + repr(text) if text else ''}"


def _scrolled(widget: QWidget) -> bool:
    """Inside a scroll area's viewport: it may be larger than what shows (it scrolls)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent.parentWidget(), QAbstractScrollArea) and parent is parent.parentWidget().viewport():
            return True
        parent = parent.parentWidget()
    return False


def clipped(root: QWidget) -> list[str]:
    """Everything visible under ``root`` that does not fit where it is shown."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        parent = widget.parentWidget()
        if (parent is not None and widget is not root and not widget.isWindow() and not _scrolled(widget)
                and not isinstance(parent, QAbstractScrollArea)):
            inside = parent.rect().adjusted(-1, -1, 1, 1)
            if not inside.contains(widget.geometry()):
                problems.append(f"{_describe(widget)} sticks out of its {type(parent).__name__}: "
                                f"{widget.geometry()} in {parent.rect()}")
        if isinstance(widget, QLabel) and widget.text():
            if widget.wordWrap():
                need = widget.heightForWidth(widget.width())
                if need > widget.height() + 1:
                    problems.append(f"{_describe(widget)} needs {need} px of height, has {widget.height()}")
            elif widget.sizeHint().width() > widget.width() + 1:
                problems.append(f"{_describe(widget)} needs {widget.sizeHint().width()} px, has {widget.width()}")
        if isinstance(widget, QScrollArea) and widget.widget() is not None and \
                widget.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
            if widget.widget().width() > widget.viewport().width() + 1:
                problems.append(f"the content of a {type(widget).__name__} is wider than it and cannot scroll")
        if isinstance(widget, pg.GraphicsView):
            central = widget.centralWidget
            if central is not None and central.size().width() > widget.viewport().width() + 1:
                problems.append(f"a plot needs {central.size().width():.0f} px, its view has {widget.viewport().width()}")
    return problems
