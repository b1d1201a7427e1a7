"""Pick one test item of a dataset to show a model: by number, step by step, or at random.

For models whose inputs a person cannot draw (clothes, photos, colour images) this
takes the canvas's place: the item is shown as it is, with its true label, and
``chosen`` hands the model's input ([H, W] grey or [C, H, W], floats in [0, 1]) and a
description to whoever listens.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSpinBox, QWidget

from ...core.data import Dataset, to_model_input
from .picture_view import PictureView


class TestItemPicker(QWidget):
    chosen = Signal(object, str)  # (the model's input, what it is)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.dataset: Dataset | None = None
        self.index = 0
        self._rng = np.random.default_rng()
        self.view = PictureView()
        self.view.setMinimumSize(200, 200)
        self.caption = QLabel(wordWrap=True)
        self.number = QSpinBox(minimum=0, maximum=0)
        self.number.setToolTip("The test item's number")
        self.previous_button = QPushButton("◀")
        self.previous_button.setToolTip("The previous test item")
        self.next_button = QPushButton("▶")
        self.next_button.setToolTip("The next test item")
        self.random_button = QPushButton("Random")
        self.random_button.setToolTip("A random test item")
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 0, 0, 1, 4)
        layout.addWidget(self.caption, 1, 0, 1, 4)
        for column, widget in enumerate((self.previous_button, self.number, self.next_button, self.random_button)):
            layout.addWidget(widget, 2, column)
        layout.setRowStretch(0, 1)
        self.number.valueChanged.connect(self.choose)
        self.previous_button.clicked.connect(lambda: self.number.setValue(self.number.value() - 1))
        self.next_button.clicked.connect(lambda: self.number.setValue(self.number.value() + 1))
        self.random_button.clicked.connect(self.choose_random)

    def set_dataset(self, dataset: Dataset) -> None:
        """Show items of ``dataset`` (keeps the number when it still exists)."""
        if dataset is self.dataset:
            return
        self.dataset = dataset
        count = len(dataset.test_inputs)
        self.number.blockSignals(True)
        self.number.setMaximum(max(count - 1, 0))
        self.number.blockSignals(False)
        self.choose(min(self.index, count - 1))

    def choose_random(self) -> None:
        if self.dataset is not None and len(self.dataset.test_inputs):
            self.number.setValue(int(self._rng.integers(len(self.dataset.test_inputs))))

    def choose(self, index: int) -> None:
        dataset = self.dataset
        if dataset is None or not len(dataset.test_inputs):
            return
        self.index = int(np.clip(index, 0, len(dataset.test_inputs) - 1))
        if self.number.value() != self.index:
            self.number.blockSignals(True)
            self.number.setValue(self.index)
            self.number.blockSignals(False)
        image = self.model_input()
        self.view.set_picture(image)
        label = dataset.classes[int(dataset.test_labels[self.index])]
        text = f"Test item #{self.index} of {dataset.title}, labelled '{label}'"
        self.caption.setText(text + ".")
        self.chosen.emit(image, text)

    def model_input(self) -> np.ndarray | None:
        """The chosen item as the model takes it: grey images as [H, W], others as [C, ...]."""
        if self.dataset is None:
            return None
        x = to_model_input(self.dataset.test_inputs[self.index:self.index + 1])[0].cpu().numpy()
        return x[0] if x.ndim == 3 and x.shape[0] == 1 else x
