"""An architecture's layers as a tree (stage -> block -> layer) with shares of parameters and compute.

Filled from a ``core.arch.Summary``: one item per module, nested as the model nests
them, a block's row holding its subtotal. Bars behind the parameter and
multiply-add counts show where the model's size and cost sit.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from ...core.arch.report import format_axes, format_count, format_field, format_macs, format_shape
from ...core.arch.summary import LayerRow, Summary
from .share_bar import SHARE_ROLE, ShareBarDelegate

COLUMNS = [
    ("Layer", "The module's name inside its block (hover for its full path). Blocks fold and unfold."),
    ("Type", "The PyTorch class: Conv2d, BatchNorm2d, ReLU, ... or a block such as BasicBlock or Bottleneck."),
    ("Detail", "Kernel size, input→output channels and stride of a convolution; features of a linear layer."),
    ("Output", "The shape one image has after this layer: channels × height × width."),
    ("Parameters", "Learned numbers (weights and biases) in this layer or block. The bar is its share of the "
                   "model's total: where the model's memory goes."),
    ("Multiply-adds", "Multiply-adds (MACs) for one image: a conv computes, for every output value, "
                      "in-channels × kernel-height × kernel-width products and sums them. This is what a forward "
                      "pass costs in time; torchvision publishes it as 'GFLOPS'. The bar is its share of the total."),
    ("Receptive field", "How many input pixels (per side) can influence one value of this layer's output. It grows "
                        "with every kernel and faster after every stride. It may exceed the image: the border then "
                        "sees zero padding. 'all': no spatial layout is left, every pixel counts. "
                        "'≤': an upper bound, after upsampling."),
    ("Jump", "How far apart, in input pixels, two neighbouring outputs of this layer are: the product of all "
             "strides so far."),
]
PARAMS_COLUMN, MACS_COLUMN = 4, 5
NUMERIC_COLUMNS = (4, 5, 6, 7)


def _row_tooltip(row: LayerRow, summary: Summary) -> str:
    lines = [row.name]
    if not row.ran:
        lines.append("Not run by a forward pass at inference (a training-only branch).")
    if row.params:
        lines.append(f"{format_count(row.params)} parameters: {100 * row.params / summary.total_params:.1f}% of the model")
    if row.macs and summary.total_macs:
        lines.append(f"{format_macs(row.macs)} multiply-adds: {100 * row.macs / summary.total_macs:.1f}% of the compute")
    if row.receptive_field and row.jump:
        side = format_axes(row.receptive_field)
        lines.append(f"Each output value sees a {side}×{side} patch of the input"
                     f"{' at most' if not row.field_exact else ''}; neighbours are {format_axes(row.jump)} px apart.")
    elif row.sees_whole_input:
        lines.append("Every input pixel can reach every value here.")
    return "\n".join(lines)


class LayerTree(QTreeWidget):
    """``show_summary(summary)``; ``items`` maps a module path to its item."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels([name for name, _ in COLUMNS])
        for column, (_, tip) in enumerate(COLUMNS):
            self.headerItem().setToolTip(column, tip)
        self.setItemDelegateForColumn(PARAMS_COLUMN, ShareBarDelegate(QColor(70, 130, 220), self))
        self.setItemDelegateForColumn(MACS_COLUMN, ShareBarDelegate(QColor(230, 140, 40), self))
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((150, 110, 130, 95, 105, 95, 100, 45)):
            self.setColumnWidth(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # Detail takes the room that is left
        header.setMinimumSectionSize(40)
        self.items: dict[str, QTreeWidgetItem] = {}

    def show_summary(self, summary: Summary) -> None:
        self.setUpdatesEnabled(False)
        try:
            self.clear()
            self.items = {}
            for row in summary.rows:
                parent = self.items.get(row.parent)
                item = QTreeWidgetItem(parent if parent is not None else self)
                self._fill(item, row, summary)
                self.items[row.name] = item
            self.setColumnWidth(0, self._name_width(summary))
            small = len(summary.rows) <= 60
            for row in summary.rows:
                if not row.is_leaf and (small or row.depth == 1):
                    self.items[row.name].setExpanded(True)
        finally:
            self.setUpdatesEnabled(True)

    def _name_width(self, summary: Summary) -> int:
        """Room for the longest name at its indentation, folded or not ("fc" vs "branch3x3dbl_3a")."""
        font = self.font()
        font.setBold(True)
        metrics = QFontMetrics(font)
        widest = max((metrics.horizontalAdvance(r.name.rpartition(".")[2]) + self.indentation() * r.depth
                      for r in summary.rows), default=0)
        return min(max(widest + 16, 120), 260)

    @staticmethod
    def _fill(item: QTreeWidgetItem, row: LayerRow, summary: Summary) -> None:
        values = [
            row.name.rpartition(".")[2], row.type, row.detail,
            format_shape(row.output_shape) if row.ran else "not run",
            format_count(row.params), format_macs(row.macs), format_field(row), format_axes(row.jump),
        ]
        tooltip = _row_tooltip(row, summary)
        for column, value in enumerate(values):
            item.setText(column, value)
            item.setToolTip(column, tooltip)
            if column in NUMERIC_COLUMNS:
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        item.setData(PARAMS_COLUMN, SHARE_ROLE, row.params / summary.total_params if summary.total_params else 0)
        item.setData(MACS_COLUMN, SHARE_ROLE, row.macs / summary.total_macs if summary.total_macs else 0)
        if not row.is_leaf:
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            item.setFont(1, font)
        if not row.ran:
            for column in range(len(values)):
                item.setForeground(column, QBrush(QColor(140, 140, 140)))
