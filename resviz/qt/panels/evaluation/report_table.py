"""Per-class precision, recall, F1 and support, then the macro and weighted averages.

Seed 001's definitions: precision = of the images predicted as a class, the share
that are that class; recall = of the images of a class, the share found; F1 = their
harmonic mean. Macro averages every class equally, weighted by its support. With a
second model B, its F1 and the change A − B are added (green where A is better).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from ....core.evaluation import ClassificationReport

COLUMN_TIPS = {
    "precision": "Of the test images the model called this class, the share that really are",
    "recall": "Of the test images of this class, the share the model called this class",
    "F1": "Harmonic mean of precision and recall: high only when both are",
    "support": "Test images of this class",
    "F1 (B)": "F1 of the model you compare with",
    "ΔF1": "F1 of A minus F1 of B, in percentage points: positive (green) where A is better",
}


class ReportTable(QTableWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setDefaultSectionSize(22)

    def set_report(self, report: ClassificationReport, classes: tuple[str, ...],
                   other: ClassificationReport | None = None) -> None:
        columns = ["precision", "recall", "F1", "support"] + (["F1 (B)", "ΔF1"] if other is not None else [])
        rows = list(classes) + ["macro avg", "weighted avg", "accuracy"]
        self.clear()
        self.setColumnCount(len(columns))
        self.setRowCount(len(rows))
        self.setHorizontalHeaderLabels(columns)
        self.setVerticalHeaderLabels(rows)
        for column, name in enumerate(columns):
            self.horizontalHeaderItem(column).setToolTip(COLUMN_TIPS[name])
        total = int(report.support.sum())
        for k in range(len(classes)):
            values = [report.precision[k], report.recall[k], report.f1[k], int(report.support[k])]
            if other is not None:
                values += [other.f1[k], report.f1[k] - other.f1[k]]
            self._fill_row(k, values)
        for offset, how in enumerate(("macro", "weighted")):
            average = report.average(how)
            values = [average["precision"], average["recall"], average["f1"], total]
            if other is not None:
                theirs = other.average(how)["f1"]
                values += [theirs, average["f1"] - theirs]
            self._fill_row(len(classes) + offset, values, bold=True)
        accuracy = [None, None, report.accuracy, total]
        if other is not None:
            accuracy += [other.accuracy, report.accuracy - other.accuracy]
        self._fill_row(len(classes) + 2, accuracy, bold=True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

    def _fill_row(self, row: int, values: list, bold: bool = False) -> None:
        for column, value in enumerate(values):
            if value is None:
                text = ""
            elif isinstance(value, int):
                text = f"{value:,}"
            elif column == 5:  # the change: signed, in points
                text = f"{100 * value:+.1f}"
            else:
                text = f"{value:.3f}"
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if bold:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            if column == 5 and value:
                item.setForeground(QBrush(QColor("#2e7d32" if value > 0 else "#c62828")))
            self.setItem(row, column, item)

    def cell_text(self, row_name: str, column_name: str) -> str:
        """What a person reads in one cell (tests use it)."""
        rows = [self.verticalHeaderItem(r).text() for r in range(self.rowCount())]
        columns = [self.horizontalHeaderItem(c).text() for c in range(self.columnCount())]
        return self.item(rows.index(row_name), columns.index(column_name)).text()
