"""A grid of test images with what the model says about each: seed 002's "testing the model on a few samples".

Each card shows the image, ✓ or ✗, the true class, and the model's three most likely
classes with their probabilities. Clicking a card selects it (``card_clicked``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

RIGHT, WRONG = "#1a7f37", "#c62828"


@dataclass(frozen=True)
class Prediction:
    image: np.ndarray  # [H, W, 3] floats in [0, 1]
    true_class: str
    top: tuple[tuple[str, float], ...]  # (class, probability), most likely first

    @property
    def correct(self) -> bool:
        return bool(self.top) and self.top[0][0] == self.true_class


def to_pixmap(image: np.ndarray, side: int) -> QPixmap:
    """[H, W, 3] floats in [0, 1] (or [H, W] grey) -> a pixmap ``side`` pixels wide."""
    rgb = np.ascontiguousarray((np.clip(image, 0, 1) * 255).astype(np.uint8))
    if rgb.ndim == 2:
        rgb = np.ascontiguousarray(np.repeat(rgb[..., None], 3, axis=2))
    height, width, _ = rgb.shape
    qimage = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(qimage).scaledToWidth(side, Qt.TransformationMode.SmoothTransformation)


class PredictionCard(QFrame):
    clicked = Signal()

    def __init__(self, prediction: Prediction, side: int, parent=None):
        super().__init__(parent)
        self.prediction = prediction
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click: where in the image the evidence for its top class is (Grad-CAM)")
        picture = QLabel()
        picture.setPixmap(to_pixmap(prediction.image, side))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mark, colour = ("✓", RIGHT) if prediction.correct else ("✗", WRONG)
        lines = [f"<b style='color:{colour}'>{mark} {prediction.true_class}</b>"]
        lines += [f"{name} {p:.0%}" for name, p in prediction.top]
        self.text = QLabel("<br>".join(lines))
        self.text.setStyleSheet("font-size: 11px;")
        self.text.setWordWrap(True)
        self.text.setFixedWidth(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 3)
        layout.setSpacing(2)
        layout.addWidget(picture)
        layout.addWidget(self.text)
        self.set_selected(False)

    def set_selected(self, selected: bool) -> None:
        self.setStyleSheet("PredictionCard { border: 2px solid %s; }" % ("#ff7f0e" if selected else "transparent"))

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


class PredictionGrid(QWidget):
    """Cards in as many columns as fit the width (re-flowed when it changes)."""

    card_clicked = Signal(int)

    def __init__(self, side: int = 96, parent=None):
        super().__init__(parent)
        self.side = side
        self.columns = 1
        self.cards: list[PredictionCard] = []
        self.grid = QGridLayout(self)
        self.grid.setSpacing(4)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

    def set_predictions(self, predictions: list[Prediction]) -> None:
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        for index, prediction in enumerate(predictions):
            card = PredictionCard(prediction, self.side)
            card.clicked.connect(lambda index=index: self.select(index))
            self.cards.append(card)
        self._flow(force=True)

    def _flow(self, force: bool = False) -> None:
        columns = max(1, self.width() // (self.side + 14))
        if columns == self.columns and not force:
            return
        self.columns = columns
        for index, card in enumerate(self.cards):
            self.grid.addWidget(card, index // columns, index % columns)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._flow()

    def select(self, index: int) -> None:
        for i, card in enumerate(self.cards):
            card.set_selected(i == index)
        self.card_clicked.emit(index)

    @property
    def correct(self) -> int:
        return sum(card.prediction.correct for card in self.cards)
