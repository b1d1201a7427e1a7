"""Which kernel to slide: the library, the trained model's first layer, or one typed into a grid.

The grid always shows the kernel in use; typing into it switches to a custom kernel.
A cell that is not a number is refused with a message naming it, and the last good
kernel stays in use.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ....core.analysis.convolution import KERNELS, first_layer_kernels, parse_kernel
from .input_picker import _narrow
from .tips import TIPS

LEARNED = "learned"
CUSTOM = "custom"


def format_weight(value: float) -> str:
    """1, -1, 1/9, 0.125 or 0.237: the shortest honest way to write a weight."""
    fraction = Fraction(value).limit_denominator(256)
    if abs(float(fraction) - value) < 1e-12:
        return str(fraction)
    return f"{value:.3g}"


class KernelPicker(QWidget):
    changed = Signal()

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.kernel = KERNELS["Vertical edge"].weights.copy()
        self.kernel_name = "Vertical edge"
        self._filling = False
        self.library_box = QComboBox()
        for name, kernel in KERNELS.items():
            self.library_box.addItem(name, name)
            self.library_box.setItemData(self.library_box.count() - 1, kernel.explanation,
                                         Qt.ItemDataRole.ToolTipRole)
        self.library_box.addItem("Learned: the trained model's first layer", LEARNED)
        self.library_box.addItem("Custom: type into the grid", CUSTOM)
        self.library_box.setToolTip(TIPS["kernel"])
        _narrow(self.library_box)
        self.learned_index = QSpinBox(minimum=0, maximum=0, prefix="filter ")
        self.learned_index.setToolTip(TIPS["learned"])
        self.size_box = QComboBox()
        self.size_box.addItems(["3×3", "5×5"])
        self.size_box.setToolTip("Size of a custom kernel.")
        self.grid = QTableWidget(3, 3)
        self.grid.setToolTip(TIPS["kernel_grid"])
        self.grid.horizontalHeader().hide()
        self.grid.verticalHeader().hide()
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.setFixedHeight(132)
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.error.hide()
        self.explanation = QLabel(wordWrap=True)
        self.explanation.setStyleSheet("color: #555;")

        options = QHBoxLayout()
        options.setContentsMargins(0, 0, 0, 0)
        options.addWidget(self.library_box, 1)
        options.addWidget(self.learned_index)
        options.addWidget(self.size_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(options)
        layout.addWidget(self.grid)
        layout.addWidget(self.error)
        layout.addWidget(self.explanation)

        self.library_box.currentIndexChanged.connect(self._on_choice)
        self.learned_index.valueChanged.connect(self._on_choice)
        self.size_box.currentIndexChanged.connect(self._on_custom_size)
        self.grid.itemChanged.connect(self._on_cell_edited)
        state.replica_changed.connect(self._on_classifier_changed)
        state.selection_changed.connect(self._on_classifier_changed)
        self._behind = False  # the classifier changed while hidden: look again when shown
        self._look_at_classifier()
        self._on_choice()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._behind:
            self._look_at_classifier()

    # --- choosing ------------------------------------------------------------------------------
    @property
    def choice(self) -> str:
        return self.library_box.currentData()

    def choose(self, name: str) -> None:
        position = self.library_box.findData(name)
        if position < 0:
            raise KeyError(name)
        self.library_box.setCurrentIndex(position)

    def _on_choice(self) -> None:
        choice = self.choice
        self.learned_index.setVisible(choice == LEARNED)
        self.size_box.setVisible(choice == CUSTOM)
        if choice == CUSTOM:
            self._parse_grid()
            return
        if choice == LEARNED:
            kernels = self._learned_kernels()
            if kernels is None:
                self._show_error("No trained model with a first convolution layer yet: train one "
                                 "(Training tab) or open a checkpoint.")
                return
            index = min(self.learned_index.value(), len(kernels) - 1)
            replica = self.state.classifier
            self._use(kernels[index], f"{replica.name} filter {index}",
                      f"Filter {index} of {len(kernels)} that {replica.name} learned (step {replica.step}). "
                      "It updates live while the model trains.")
        else:
            kernel = KERNELS[choice]
            self._use(kernel.weights, kernel.name, kernel.explanation)

    def _use(self, weights: np.ndarray, name: str, explanation: str) -> None:
        self.kernel, self.kernel_name = np.array(weights, dtype=np.float64), name
        self._fill_grid(self.kernel)
        self.explanation.setText(explanation)
        self._hide_error()
        self.changed.emit()

    # --- the grid ------------------------------------------------------------------------------
    def _fill_grid(self, weights: np.ndarray) -> None:
        self._filling = True
        size = weights.shape[0]
        self.grid.setRowCount(size)
        self.grid.setColumnCount(size)
        for r in range(size):
            for c in range(size):
                item = QTableWidgetItem(format_weight(float(weights[r, c])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.grid.setItem(r, c, item)
        self.size_box.blockSignals(True)
        self.size_box.setCurrentIndex(0 if size == 3 else 1)
        self.size_box.blockSignals(False)
        self._filling = False

    def cells(self) -> list[list[str]]:
        return [[(self.grid.item(r, c).text() if self.grid.item(r, c) else "")
                 for c in range(self.grid.columnCount())] for r in range(self.grid.rowCount())]

    def set_cell(self, row: int, col: int, text: str) -> None:
        """Type ``text`` into one cell, as a person would."""
        self.grid.item(row, col).setText(text)

    def _on_cell_edited(self, _item) -> None:
        if self._filling:
            return
        if self.choice != CUSTOM:
            self.library_box.blockSignals(True)
            self.library_box.setCurrentIndex(self.library_box.findData(CUSTOM))
            self.library_box.blockSignals(False)
            self.learned_index.hide()
            self.size_box.show()
        self._parse_grid()

    def _on_custom_size(self) -> None:
        size = 3 if self.size_box.currentIndex() == 0 else 5
        old = self.cells()
        new = [["0"] * size for _ in range(size)]
        shift = (size - len(old)) // 2  # keep the old kernel centred
        for r, row in enumerate(old):
            for c, text in enumerate(row):
                if 0 <= r + shift < size and 0 <= c + shift < size:
                    new[r + shift][c + shift] = text
        self._filling = True
        self.grid.setRowCount(size)
        self.grid.setColumnCount(size)
        for r in range(size):
            for c in range(size):
                item = QTableWidgetItem(new[r][c])
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.grid.setItem(r, c, item)
        self._filling = False
        self.choose(CUSTOM)
        self._parse_grid()

    def _parse_grid(self) -> None:
        try:
            weights = parse_kernel(self.cells())
        except ValueError as error:
            self._show_error(f"{error} The last good kernel is still in use.")
            return
        self.kernel, self.kernel_name = weights, "custom"
        self.explanation.setText("Your kernel. Try one that matches a stroke of the digit.")
        self._hide_error()
        self.changed.emit()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _hide_error(self) -> None:
        self.error.hide()

    @property
    def error_text(self) -> str:
        return self.error.text() if not self.error.isHidden() else ""

    # --- the trained model ------------------------------------------------------------------------
    def _learned_kernels(self) -> np.ndarray | None:
        replica = self.state.classifier
        return None if replica is None else first_layer_kernels(replica.model)

    def _on_classifier_changed(self, *_signal_args) -> None:
        # each new snapshot of a training run would build its model here, on the GUI thread (30 ms
        # for the ResNet): a hidden picker only notes that it is behind and catches up when shown
        if not self.isVisible():
            self._behind = True
            return
        self._look_at_classifier()

    def _look_at_classifier(self) -> None:
        self._behind = False
        kernels = self._learned_kernels()
        item = self.library_box.model().item(self.library_box.findData(LEARNED))
        item.setEnabled(kernels is not None)
        if kernels is not None:
            self.learned_index.setMaximum(len(kernels) - 1)
            if self.choice == LEARNED:
                self._on_choice()
