"""The Depth lab's results table: one row per run, the numbers ``resviz depth`` prints.

Rows come from ``core.depth_lab.run_row`` (the same function the CLI uses): final
training loss (mean over the last 10% of steps), test accuracy, the first step's
gradient ratio (first conv / classifier), training time and parameters, and for a
preset with a target loss the steps each run needed to get below it. A run still
training shows what it has so far; its status says so.
"""

from __future__ import annotations

import csv

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from ...core.depth_lab import run_row
from ...core.runs import Run
from .run_colours import run_colour

COLUMNS = [  # (key, header, tooltip)
    ("name", "Run", "The net: variant, depth (3×3 convs), BatchNorm, activation"),
    ("status", "Status", "training, done, stopped or failed"),
    ("train_loss", "Train loss", "Mean training loss over the last 10% of steps"),
    ("test_accuracy", "Final test acc.", "Accuracy on the test digits at the final epoch (after the last "
                                         "pass); the Runs list's Best is the best epoch's, so it can be higher"),
    ("grad_ratio", "Grad ratio", "At the first step: the first conv's weight-gradient norm divided by the "
                                 "classifier's. Tiny (1e-10) = the gradient vanished on its way down."),
    ("seconds", "Time", "Training time (testing excluded). Runs side by side share the CPU cores, so compare "
                        "times from `resviz depth`, which trains them one after another."),
    ("parameters", "Parameters", "Weights and biases"),
]
TARGET_COLUMN = ("steps_to_target", "Steps to target", "First step at which the smoothed training loss fell "
                                                       "below the preset's target")


def format_value(key: str, value) -> str:
    if value is None:
        return "—"
    if key == "train_loss":
        return f"{value:.3f}"
    if key == "test_accuracy":
        return f"{value:.1%}"
    if key == "grad_ratio":
        return f"{value:.1e}"
    if key == "seconds":
        return f"{value:.1f} s"
    if key == "parameters":
        return f"{value:,}"
    return str(value)


class DepthResultsTable(QTableWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.target_loss: float | None = None
        self.rows: list[dict] = []
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        self.setAlternatingRowColors(True)
        self._set_columns()

    def _columns(self):
        if self.target_loss is None:
            return COLUMNS
        key, _header, tip = TARGET_COLUMN
        return [*COLUMNS, (key, f"Steps to loss < {self.target_loss:g}", tip)]

    def _set_columns(self) -> None:
        columns = self._columns()
        self.setColumnCount(len(columns))
        for index, (_key, header, tip) in enumerate(columns):
            item = QTableWidgetItem(header)
            item.setToolTip(tip)
            self.setHorizontalHeaderItem(index, item)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for index in range(1, len(columns)):
            header.setSectionResizeMode(index, QHeaderView.ResizeMode.ResizeToContents)

    def show_runs(self, runs: list[Run], target_loss: float | None) -> None:
        if target_loss != self.target_loss:
            self.target_loss = target_loss
            self._set_columns()
        self.rows = [run_row(run, target_loss) for run in runs]
        columns = self._columns()
        self.setRowCount(len(self.rows))
        for r, (run, row) in enumerate(zip(runs, self.rows)):
            for c, (key, _header, _tip) in enumerate(columns):
                text = format_value(key, row.get(key)) if key != "steps_to_target" or row.get(key) is not None \
                    else ("not yet" if run.status.active else "never")
                item = self.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self.setItem(r, c, item)
                if item.text() != text:
                    item.setText(text)
                if c == 0:
                    item.setForeground(QBrush(QColor(run_colour(run.id))))
                    item.setToolTip(run.message or row["name"])
                else:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def to_csv(self, path: str) -> None:
        keys = list(dict.fromkeys(k for row in self.rows for k in row))
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self.rows)
