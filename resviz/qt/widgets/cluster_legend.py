"""The Clusters scatter's legend: one label per group, in two columns, so ten groups take five rows.

One tall column of ten was squeezed under the hover preview beside it and lost its last entries;
each entry is its own label so a layout can never draw one over another widget unnoticed.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

ROWS = 5


class ClusterLegend(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.heading = QLabel()
        self.heading.setStyleSheet("color: #555;")
        self.entries: list[QLabel] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setVerticalSpacing(0)
        self._grid.addWidget(self.heading, 0, 0, 1, 2)

    def set_entries(self, heading: str, entries: list[tuple[str, str]]) -> None:
        """Show ``heading`` over (colour, name) entries, down the first column then the second."""
        for label in self.entries:
            self._grid.removeWidget(label)
            label.deleteLater()
        self.entries = []
        self.heading.setText(heading)
        for i, (colour, name) in enumerate(entries):
            label = QLabel(f"<span style='color: {colour}; font-size: 14px'>●</span> {name}")
            label.setMinimumHeight(label.sizeHint().height())  # a short column scrolls; it never squashes a line
            self._grid.addWidget(label, 1 + i % ROWS, i // ROWS)
            self.entries.append(label)
