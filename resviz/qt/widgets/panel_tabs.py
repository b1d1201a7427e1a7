"""The window's tabs, each panel in a scroll area: a small window scrolls a tab, never clips it.

A panel keeps its minimum size; when the window is smaller (a 900×600 laptop screen)
its tab scrolls instead of the window growing past the screen or widgets being cut
off. The tab widget answers with the panels themselves (``currentWidget``,
``setCurrentWidget``, ``indexOf``, ``widget``), so the scroll areas stay invisible to
the rest of the code.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget


class PanelTabs(QTabWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDocumentMode(True)

    def add_panel(self, panel: QWidget, title: str) -> int:
        scroll = QScrollArea()
        scroll.setWidget(panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        return super().addTab(scroll, title)

    def widget(self, index: int) -> QWidget | None:
        page = super().widget(index)
        return page.widget() if isinstance(page, QScrollArea) else page

    def currentWidget(self) -> QWidget | None:  # noqa: N802 (Qt's name)
        return self.widget(self.currentIndex())

    def indexOf(self, widget: QWidget) -> int:  # noqa: N802
        for index in range(self.count()):
            if self.widget(index) is widget or super().widget(index) is widget:
                return index
        return -1

    def setCurrentWidget(self, widget: QWidget) -> None:  # noqa: N802
        index = self.indexOf(widget)
        if index >= 0:
            self.setCurrentIndex(index)
