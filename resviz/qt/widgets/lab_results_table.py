"""The Depth lab's results table with a Roughness column, for a preset whose claim includes the landscapes.

The column is there only when the experiment measures landscapes (the skip preset); a
run whose landscape is not measured yet, or whose measurement was cancelled, shows "—".
The number is ``Landscape.roughness``, the one ``resviz landscape --preset skip`` prints.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

from .depth_results import DepthResultsTable

ROUGHNESS = ("roughness", "Roughness",
             "How sharply the loss rises around the trained weights, from the Landscapes view's grid:\n"
             "(mean loss on the ring at half the span − loss at the weights) / loss at the weights,\n"
             "along two random filter-normalised directions (at span 1: every filter moved by half its norm).\n"
             "Larger = a sharper, less bowl-like landscape. The number `resviz landscape --preset skip` prints.")


def format_roughness(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


class LabResultsTable(DepthResultsTable):
    def set_roughness(self, measured: dict[str, float] | None) -> None:
        """``measured``: run id -> roughness; None: this experiment measures none (no column)."""
        had_column = self._roughness() is not None
        self._measured = measured
        if had_column != (measured is not None):
            self._set_columns()

    def _roughness(self) -> dict[str, float] | None:
        return getattr(self, "_measured", None)  # read by _set_columns while the base class is being built

    def _columns(self):
        columns = super()._columns()
        return columns if self._roughness() is None else [*columns, ROUGHNESS]

    def show_runs(self, runs, target_loss) -> None:
        super().show_runs(runs, target_loss)
        measured = self._roughness()
        if measured is None:
            return
        column = self.columnCount() - 1
        for r, (run, row) in enumerate(zip(runs, self.rows)):
            row["roughness"] = measured.get(run.id)
            item = self.item(r, column)
            if item is None:
                item = QTableWidgetItem()
                self.setItem(r, column, item)
            item.setText(format_roughness(row["roughness"]))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip("" if row["roughness"] is not None else "Not measured yet: see the Landscapes view")
