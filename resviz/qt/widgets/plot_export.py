"""PNG and CSV buttons for a pyqtgraph plot, through pyqtgraph's own exporters.

``ImageExporter`` renders the plot (axes, title, legend) to a PNG; ``CSVExporter``
writes every named curve's original (x, y) data. A plot whose data is not a curve
(a heatmap's ``ImageItem``) passes ``csv_table``, a function giving (header, rows).
"""

from __future__ import annotations

import csv
from typing import Callable

import pyqtgraph as pg
from pyqtgraph.exporters import CSVExporter, ImageExporter
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QMessageBox, QPushButton, QWidget

CsvTable = Callable[[], tuple[list[str], list[list]]]


def export_png(plot: pg.PlotItem, path: str) -> None:
    exporter = ImageExporter(plot)
    # pyqtgraph rounds the size itself; an odd scene size otherwise gives a float width it rejects
    exporter.parameters()["width"] = int(max(plot.sceneBoundingRect().width(), 1))
    exporter.export(path)


def export_csv(plot: pg.PlotItem, path: str, csv_table: CsvTable | None = None) -> None:
    if csv_table is None:
        CSVExporter(plot).export(path)
        return
    header, rows = csv_table()
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


class PlotExportButtons(QWidget):
    """'PNG…' and 'CSV…' for one plot; ``name`` is the suggested file name."""

    def __init__(self, plot: pg.PlotItem, name: str, csv_table: CsvTable | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.plot, self.name, self.csv_table = plot, name, csv_table
        self.png_button = QPushButton("PNG…")
        self.png_button.setToolTip("Save this plot as a PNG image")
        self.csv_button = QPushButton("CSV…")
        self.csv_button.setToolTip("Save the numbers behind this plot as CSV (opens in a spreadsheet)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.png_button)
        layout.addWidget(self.csv_button)
        self.png_button.clicked.connect(lambda: self._ask("PNG image (*.png)", ".png", self.save_png))
        self.csv_button.clicked.connect(lambda: self._ask("CSV table (*.csv)", ".csv", self.save_csv))

    def save_png(self, path: str) -> None:
        export_png(self.plot, path)

    def save_csv(self, path: str) -> None:
        export_csv(self.plot, path, self.csv_table)

    def _ask(self, filter_text: str, suffix: str, save: Callable[[str], None]) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plot", self.name + suffix, filter_text)
        if not path:
            return
        try:
            save(path)
        except OSError as error:
            QMessageBox.warning(self, "Cannot export", f"Could not write {path}: {error}")
