"""Export a plot as a PNG picture or a CSV table, from its right-click menu.

``PlotExport(graphics, name, table=None)`` adds "Export PNG…" and "Export CSV…" to the
menu of every ViewBox in ``graphics`` (a PlotWidget or a GraphicsLayoutWidget; ``attach()``
again after adding plots). The PNG
is pyqtgraph's ``ImageExporter`` of the whole scene. The CSV is pyqtgraph's
``CSVExporter`` (each named curve's x and y columns) unless the plot passes ``table``, a
function giving (header, rows): heatmaps are images, which that exporter skips, so
they write their numbers themselves.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable, Sequence

import pyqtgraph as pg
from pyqtgraph.exporters import CSVExporter, ImageExporter
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

Table = Callable[[], tuple[Sequence[str], Sequence[Sequence]]]


class PlotExport:
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
        exporter = ImageExporter(self.graphics.scene())
        exporter.parameters()["width"] = max(int(self.graphics.width()), 1)
        exporter.export(str(path))

    def save_csv(self, path: str | Path) -> None:
        if self.table is not None:
            header, rows = self.table()
            with open(path, "w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                writer.writerow(header)
                writer.writerows(rows)
            return
        plot = self._plot_item()
        curves = [item for item in (plot.items if plot is not None else [])
                  if isinstance(item, pg.PlotDataItem) and item.getData()[0] is not None and len(item.getData()[0])]
        if not curves:
            raise ValueError("This plot has no data yet: nothing to write.")
        CSVExporter(plot).export(str(path))

    def _ask(self, kind: str) -> None:
        parent: QWidget = self.graphics
        path, _ = QFileDialog.getSaveFileName(parent, f"Export {kind.upper()}", f"{self.name}.{kind}",
                                              f"{kind.upper()} (*.{kind})")
        if not path:
            return
        try:
            (self.save_png if kind == "png" else self.save_csv)(path)
        except (OSError, ValueError) as error:
            QMessageBox.warning(parent, "Cannot export", str(error))
