"""Where the lab's input comes from: a test image, the drawn digit, or a seed's worked example."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QSpinBox, QVBoxLayout, QWidget

from ....core.analysis.seed_examples import SEED_EXAMPLES, SeedExample
from ...background import BackgroundRunner
from ...widgets.wrapped_label import WrappedLabel
from .tips import TIPS

DATASET_SOURCES = {"mnist": "MNIST test image", "fashion": "Fashion-MNIST test image"}
DRAWN = "drawn"
SEED_PREFIX = "seed:"


class InputPicker(QWidget):
    """A source box and an index; ``image`` is the chosen 2-D float array (None while loading)."""

    changed = Signal()

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.image: np.ndarray | None = None
        self.description = ""
        self.source_box = QComboBox()
        for key, text in DATASET_SOURCES.items():
            self.source_box.addItem(text, key)
        self.source_box.addItem("The digit drawn on the canvas", DRAWN)
        for name, example in SEED_EXAMPLES.items():
            self.source_box.addItem(name, SEED_PREFIX + name)
            self.source_box.setItemData(self.source_box.count() - 1, example.explanation,
                                        Qt.ItemDataRole.ToolTipRole)
        self.source_box.setToolTip(TIPS["input"])
        _narrow(self.source_box)
        self.index = QSpinBox(minimum=0, maximum=9999, prefix="#")
        self.index.setToolTip(TIPS["index"])
        self.status = WrappedLabel()  # claims its second line in a narrow window
        self.status.setStyleSheet("color: #555;")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.source_box, 1)
        row.addWidget(self.index)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self._loader = BackgroundRunner(self)
        self._active = False
        self._update_drawn_item()
        self.source_box.currentIndexChanged.connect(self.refresh)
        self.index.valueChanged.connect(self.refresh)
        state.input_changed.connect(self._on_input_changed)

    # --- choosing ---------------------------------------------------------------------------
    @property
    def source(self) -> str:
        return self.source_box.currentData()

    @property
    def example(self) -> SeedExample | None:
        key = self.source
        return SEED_EXAMPLES[key[len(SEED_PREFIX):]] if key.startswith(SEED_PREFIX) else None

    def choose(self, source: str, index: int | None = None) -> None:
        """Pick a source by key ("mnist", "fashion", "drawn", or a seed example's name)."""
        position = self.source_box.findData(source)
        if position < 0:
            position = self.source_box.findData(SEED_PREFIX + source)
        if position < 0:
            raise KeyError(source)
        self.source_box.blockSignals(True)
        self.source_box.setCurrentIndex(position)
        self.source_box.blockSignals(False)
        if index is not None:
            self.index.blockSignals(True)
            self.index.setValue(index)
            self.index.blockSignals(False)
        self.refresh()

    def activate(self) -> None:
        """Load the first image (called when the lab is first shown: datasets load lazily)."""
        if not self._active:
            self._active = True
            self.refresh()

    def refresh(self) -> None:
        source = self.source
        self.index.setEnabled(source in DATASET_SOURCES)
        if source in DATASET_SOURCES:
            if self._active:
                self._load_test_image(source, self.index.value())
            return
        self._loader.cancel()  # a test image still loading must not replace this choice
        if source == DRAWN:
            drawn = self.state.input_image
            self._set(None if drawn is None else np.asarray(drawn, dtype=np.float64),
                      f"The drawn digit ({self.state.input_source or 'canvas'})" if drawn is not None
                      else "Nothing drawn yet: draw a digit on the canvas first.")
        else:
            example = self.example
            self._set(example.image.copy(), example.explanation)

    # --- loading ------------------------------------------------------------------------------
    def _load_test_image(self, key: str, index: int) -> None:
        self.status.setText(f"Loading {DATASET_SOURCES[key].removesuffix(' test image')}…")
        self._loader.submit(_test_image, self.state, key, index,
                            on_result=self._on_loaded, on_error=self._on_load_failed)

    def _on_loaded(self, result) -> None:
        image, text, note = result
        self._set(image, text, note)

    def _on_load_failed(self, message: str) -> None:
        self._set(None, f"Could not load the test set: {message.split(': ', 1)[-1]}")

    def _set(self, image: np.ndarray | None, text: str, details: str = "") -> None:
        self.image, self.description = image, text
        self.status.setText(text)
        self.status.setToolTip(details)  # a long note (why the offline set) would push the images away
        self.changed.emit()

    # --- the drawn digit ------------------------------------------------------------------------
    def _on_input_changed(self) -> None:
        self._update_drawn_item()
        if self.source == DRAWN:
            self.refresh()

    def _update_drawn_item(self) -> None:
        item = self.source_box.model().item(self.source_box.findData(DRAWN))
        item.setToolTip("The digit drawn on the canvas (or picked elsewhere in the app)."
                        if self.state.input_image is not None else "Draw a digit on the canvas first.")


def _test_image(state, key: str, index: int) -> tuple[np.ndarray, str, str]:
    """Runs off the GUI thread: the first call loads the whole test set (a few seconds)."""
    dataset = state.test_set(key)
    count = len(dataset.test_images)
    index = min(index, count - 1)
    image = dataset.test_images[index].numpy().astype(np.float64) / 255.0
    label = dataset.classes[int(dataset.test_labels[index])]
    return image, f"{dataset.title} test image #{index} of {count:,}: “{label}”", dataset.note or ""


def _narrow(box: QComboBox, characters: int = 14) -> None:
    """Let a combo box with long item names be narrower than its longest item (the list still shows them whole)."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(characters)
