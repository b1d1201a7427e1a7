"""ResNet's BasicBlock beside its Bottleneck: each block's convs, parameters and multiply-adds.

Seed 002: "In ResNet50 a bottleneck design improves time complexity. The 1x1 conv
layers are added to the start and end of network." Numbers from ``core.arch.blocks``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from ...core.arch.blocks import BlockComparison
from ...core.arch.report import format_count, format_macs
from ...core.arch.summary import Summary


def _block_table(summary: Summary) -> QTreeWidget:
    table = QTreeWidget()
    table.setRootIsDecorated(False)
    table.setHeaderLabels(["Conv", "Parameters", "Multiply-adds"])
    table.headerItem().setToolTip(1, "Weights of the conv (the BatchNorms after each add 2 per channel)")
    table.headerItem().setToolTip(2, "Multiply-adds for one image on a 56×56 map")
    convs = [r for r in summary.rows if r.type == "Conv2d"]
    for row in convs:
        item = QTreeWidgetItem(table, [f"{row.name}: {row.detail}", format_count(row.params), format_macs(row.macs)])
        item.setToolTip(0, f"{row.name}: {row.detail} → {'×'.join(map(str, row.output_shape))}")
    total = QTreeWidgetItem(table, ["whole block", format_count(summary.total_params),
                                    format_macs(summary.total_macs)])
    total.setToolTip(0, "All the block's layers, its BatchNorms included")
    font = total.font(0)
    font.setBold(True)
    for column in range(3):
        total.setFont(column, font)
    for item in [table.topLevelItem(i) for i in range(table.topLevelItemCount())]:
        for column in (1, 2):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    header = table.header()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in (1, 2):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    rows = len(convs) + 1
    table.setFixedHeight(table.header().sizeHint().height() + rows * table.sizeHintForRow(0) + 6)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return table


class BlockComparisonView(QWidget):
    def __init__(self, comparison: BlockComparison, parent=None):
        super().__init__(parent)
        self.comparison = comparison
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        size = comparison.map_size
        titles = [
            ("<b>BasicBlock</b> (ResNet-18/34): 3×3 → 3×3, 64 channels",
             f"Two 3×3 convs on a 64×{size}×{size} map; the block's input is added to their output "
             "(He et al. 2015, figure 5 left)."),
            ("<b>Bottleneck</b> (ResNet-50/101/152): 1×1 → 3×3 → 1×1, 256 channels",
             f"On a 256×{size}×{size} map: 1×1 squeezes 256 channels to 64, 3×3 works on 64, 1×1 expands "
             "back to 256; then the input is added (He et al. 2015, figure 5 right; seed 002)."),
        ]
        self.tables = [_block_table(comparison.basic), _block_table(comparison.bottleneck)]
        self.titles: list[QLabel] = []
        for column, ((text, tip), table) in enumerate(zip(titles, self.tables)):
            title = QLabel(text)
            title.setToolTip(tip)
            title.setWordWrap(True)
            title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            layout.addWidget(title, 0, column, Qt.AlignmentFlag.AlignBottom)
            self.titles.append(title)
            layout.addWidget(table, 1, column, Qt.AlignmentFlag.AlignTop)
        self.sentence = QLabel(comparison.sentence())
        self.sentence.setWordWrap(True)
        self.sentence.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.sentence, 2, 0, 1, 2)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # a wrapped label does not tell the splitter above it how tall it gets at this width
        self.sentence.setMinimumHeight(self.sentence.heightForWidth(max(self.width(), 100)))
        for title in self.titles:
            title.setMinimumHeight(title.heightForWidth(max(self.width() // 2 - 8, 100)))
