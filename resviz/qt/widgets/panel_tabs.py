"""The window's tabs, each panel in a scroll area: a small window scrolls a tab, never clips it.

A panel keeps its minimum size; when the window is smaller (a 900×600 laptop screen)
its tab scrolls instead of the window growing past the screen or widgets being cut
off. The tab widget answers with the panels themselves (``currentWidget``,
``setCurrentWidget``, ``indexOf``, ``widget``), so the scroll areas stay invisible to
the rest of the code.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget


class FittingScrollArea(QScrollArea):
    """Gives its widget the whole viewport, or the widget's minimum size when that is larger.

    (QScrollArea's own widgetResizable mode asks height-for-width layouts — any word-wrapped
    label — for their preferred height, and then scrolls panels that would fit.)
    """

    def __init__(self, widget: QWidget):
        super().__init__()
        self.setWidget(widget)
        self.setWidgetResizable(False)
        self.setFrameShape(QFrame.Shape.NoFrame)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        widget, viewport = self.widget(), self.viewport().size()
        smallest = widget.minimumSizeHint().expandedTo(widget.minimumSize())
        widget.resize(max(viewport.width(), smallest.width()), max(viewport.height(), smallest.height()))


class PanelTabs(QTabWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDocumentMode(True)
        # fifteen tabs fit a 1280-px window side by side (the style's wide padding pushed the last two
        # behind scroll arrows); a narrower window still scrolls the tab bar
        self.tabBar().setStyleSheet(
            "QTabBar::tab { padding: 4px 7px; border: 1px solid transparent; border-bottom: 3px solid transparent; }"
            "QTabBar::tab:selected { background: palette(base); border-color: palette(mid);"
            " border-bottom: 3px solid palette(highlight); }"
            "QTabBar::tab:hover:!selected { background: palette(midlight); }")

    def add_panel(self, panel: QWidget, title: str) -> int:
        return super().addTab(FittingScrollArea(panel), title)

    def widget(self, index: int) -> QWidget | None:
        page = super().widget(index)
        return page.widget() if isinstance(page, QScrollArea) else page

    def currentWidget(self) -> QWidget | None:
        return self.widget(self.currentIndex())

    def indexOf(self, widget: QWidget) -> int:
        for index in range(self.count()):
            if self.widget(index) is widget or super().widget(index) is widget:
                return index
        return -1

    def setCurrentWidget(self, widget: QWidget) -> None:
        index = self.indexOf(widget)
        if index >= 0:
            self.setCurrentIndex(index)
