"""A "Save" button for a plot: the picture as PNG, the numbers behind it as CSV.

PNGs come from pyqtgraph's ``ImageExporter`` (the whole scene, at screen size), CSVs
from its ``CSVExporter`` (every curve of one PlotItem, as x/y columns), or from a
function of the widget's own where the numbers are not curves (a heatmap's image).
"""

from __future__ import annotations

from typing import Callable

import pyqtgraph as pg
from pyqtgraph.exporters import CSVExporter, ImageExporter
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QToolButton

CsvWriter = Callable[[str], None]  # writes the CSV to the path it is given


def plot_csv(plot: pg.PlotItem) -> CsvWriter:
    """Every curve of ``plot`` as (x, y) column pairs, named after the curves."""
    def write(path: str) -> None:
        CSVExporter(plot).export(path)
    return write


def save_png(view: pg.GraphicsView, path: str) -> None:
    exporter = ImageExporter(view.scene())
    exporter.parameters()["width"] = max(1, view.width())  # at least screen size, never 0 when hidden
    if exporter.export(path) is False:
        raise OSError(f"Could not write {path}")


class ExportButton(QToolButton):
    def __init__(self, name: str, view: pg.GraphicsView, csvs: dict[str, CsvWriter], parent=None):
        super().__init__(parent)
        self.name, self.view, self.csvs = name, view, csvs
        self.setText("Save")
        self.setToolTip(f"Save the {name} as a PNG picture, or its numbers as CSV")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        menu.addAction("Picture (PNG)…", self._ask_png)
        for label in csvs:
            menu.addAction(f"{label} (CSV)…", lambda label=label: self._ask_csv(label))
        self.setMenu(menu)

    def export_png(self, path: str) -> None:
        save_png(self.view, path)

    def export_csv(self, label: str, path: str) -> None:
        self.csvs[label](path)

    def _file_name(self, suffix: str) -> str:
        default = f"{self.name.replace(' ', '_')}.{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, f"Save the {self.name}", default, f"{suffix.upper()} (*.{suffix})")
        return path

    def _ask_png(self) -> None:
        self._save(lambda path: self.export_png(path), self._file_name("png"))

    def _ask_csv(self, label: str) -> None:
        self._save(lambda path: self.export_csv(label, path), self._file_name("csv"))

    def _save(self, write: Callable[[str], None], path: str) -> None:
        if not path:
            return
        try:
            write(path)
        except OSError as error:
            QMessageBox.warning(self, "Cannot save", f"Could not write {path}: {error}")
