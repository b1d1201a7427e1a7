"""Export what a plot shows: the picture as PNG, the numbers behind it as CSV.

Three ways in, the same files. ``PlotExport(graphics, name, table=None)`` adds "Export
PNG…" and "Export CSV…" to the right-click menu of every ViewBox in a PlotWidget or
GraphicsLayoutWidget (``attach()`` again after adding plots). ``ExportButton`` is a
"Save" button whose menu offers the picture and one or more tables, for a view with
several plots or a table that is no plot. ``PlotExportButtons`` are "PNG…" and "CSV…"
buttons under one plot. PNGs are pyqtgraph's ``ImageExporter`` of the
whole scene; CSVs are its ``CSVExporter`` (each named curve's x and y columns) or, where
the numbers are not curves (a heatmap is an image, which that exporter skips), a
``table`` function giving (header, rows).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import pyqtgraph as pg
from pyqtgraph.exporters import CSVExporter, ImageExporter
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QMenu, QMessageBox, QPushButton, QToolButton, QWidget

Table = Callable[[], tuple[Sequence[str], Sequence[Sequence]]]
CsvWriter = Callable[[str], None]  # writes the CSV to the path it is given


def save_png(source: pg.GraphicsView | pg.PlotItem, path: str | Path) -> None:
    """A whole view (its scene), or one plot with its axes, title and legend, as a PNG."""
    if isinstance(source, pg.PlotItem):
        exporter = ImageExporter(source)
        width = source.sceneBoundingRect().width()
    else:
        exporter, width = ImageExporter(source.scene()), source.width()
    # at least screen size, never 0 when hidden; an integer (pyqtgraph rejects a float width)
    exporter.parameters()["width"] = max(1, int(width))
    if exporter.export(str(path)) is False:
        raise OSError(f"Could not write {path}")


def plot_csv(plot: pg.PlotItem | None) -> CsvWriter:
    """Every curve of ``plot`` as (x, y) column pairs, named after the curves."""
    def write(path: str) -> None:
        curves = [item for item in (plot.items if plot is not None else [])
                  if isinstance(item, pg.PlotDataItem) and item.getData()[0] is not None and len(item.getData()[0])]
        if not curves:
            raise ValueError("This plot has no data yet: nothing to write.")
        CSVExporter(plot).export(str(path))
    return write


def table_csv(table: Table) -> CsvWriter:
    """The rows ``table()`` gives, under its header."""
    def write(path: str) -> None:
        header, rows = table()
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
    return write


def _ask_and_write(parent: QWidget, title: str, default: str, write: CsvWriter) -> None:
    suffix = default.rsplit(".", 1)[-1]
    path, _ = QFileDialog.getSaveFileName(parent, title, default, f"{suffix.upper()} (*.{suffix})")
    if not path:
        return
    try:
        write(path)
    except (OSError, ValueError) as error:
        QMessageBox.warning(parent, "Cannot export", f"Could not write {path}: {error}")


class PlotExport:
    """The right-click menu's export entries for one graphics view."""

    def __init__(self, graphics: pg.GraphicsView, name: str, table: Table | None = None):
        self.graphics = graphics
        self.name = name  # the file name offered: "mnist1d_errors" -> mnist1d_errors.png / .csv
        self.table = table
        self._menus: list = []  # the menus that already offer the export
        self.attach()

    def attach(self) -> None:
        """Offer the export in the menu of every ViewBox; call again after adding plots."""
        for view in self._views():
            menu = view.menu
            if menu is None or any(m is menu for m in self._menus):
                continue
            self._menus.append(menu)
            menu.addSeparator()
            menu.addAction("Export PNG…", lambda: self._ask("png"))
            menu.addAction("Export CSV…", lambda: self._ask("csv"))

    def _views(self) -> list[pg.ViewBox]:
        return [item for item in self.graphics.scene().items() if isinstance(item, pg.ViewBox)]

    def _plot_item(self) -> pg.PlotItem | None:
        plot = getattr(self.graphics, "plotItem", None)
        if plot is None:
            plot = next((i for i in self.graphics.scene().items() if isinstance(i, pg.PlotItem)), None)
        return plot

    def save_png(self, path: str | Path) -> None:
        save_png(self.graphics, path)

    def save_csv(self, path: str | Path) -> None:
        writer = table_csv(self.table) if self.table is not None else plot_csv(self._plot_item())
        writer(str(path))

    def _ask(self, kind: str) -> None:
        write = self.save_png if kind == "png" else self.save_csv
        _ask_and_write(self.graphics, f"Export {kind.upper()}", f"{self.name}.{kind}", write)


class ExportButton(QToolButton):
    """A "Save" button: the view as a PNG, or each of ``csvs`` (label -> writer) as a CSV."""

    def __init__(self, name: str, view: pg.GraphicsView, csvs: dict[str, CsvWriter], parent=None):
        super().__init__(parent)
        self.name, self.view, self.csvs = name, view, csvs
        self.setText("Save")
        self.setToolTip(f"Save the {name} as a PNG picture, or its numbers as CSV")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        menu.addAction("Picture (PNG)…", lambda: self._ask("png", self.export_png))
        for label in csvs:
            menu.addAction(f"{label} (CSV)…", lambda label=label: self._ask(
                "csv", lambda path: self.export_csv(label, path)))
        self.setMenu(menu)

    def export_png(self, path: str) -> None:
        save_png(self.view, path)

    def export_csv(self, label: str, path: str) -> None:
        self.csvs[label](path)

    def _ask(self, suffix: str, write: CsvWriter) -> None:
        _ask_and_write(self, f"Save the {self.name}", f"{self.name.replace(' ', '_')}.{suffix}", write)


class PlotExportButtons(QWidget):
    """'PNG…' and 'CSV…' for one plot; ``name`` is the suggested file name, ``table`` replaces its curves."""

    def __init__(self, plot: pg.PlotItem, name: str, table: Table | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot, self.name, self.table = plot, name, table
        self.png_button = QPushButton("PNG…")
        self.png_button.setToolTip("Save this plot as a PNG image")
        self.csv_button = QPushButton("CSV…")
        self.csv_button.setToolTip("Save the numbers behind this plot as CSV (opens in a spreadsheet)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.png_button)
        layout.addWidget(self.csv_button)
        self.png_button.clicked.connect(lambda: _ask_and_write(self, "Export plot", f"{name}.png", self.save_png))
        self.csv_button.clicked.connect(lambda: _ask_and_write(self, "Export plot", f"{name}.csv", self.save_csv))

    def save_png(self, path: str) -> None:
        save_png(self.plot, path)

    def save_csv(self, path: str) -> None:
        (table_csv(self.table) if self.table is not None else plot_csv(self.plot))(path)
