"""Augmentation: one test image under each random change the trainer can make (seed 001).

AlexNet multiplied its training data by mirroring images and cutting random crops
out of them: the network sees a slightly different picture of the same thing every
epoch, and overfits less. Here one picks an MNIST digit or a Fashion-MNIST item
and sees eight random draws of each augmentation (mirror, pad-and-crop, shift,
rotation, zoom) and of all of them together, with the probability and range of each
adjustable. Which ones help depends on the data: a mirrored shirt is still a shirt,
a mirrored 2 is not a 2. ``augmentation()`` is the setting the Training panel can use.
"""

from __future__ import annotations

from dataclasses import asdict, replace

import numpy as np
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core.augment import CLOTHES, DIGITS, NAMES, Augmentation, augmentation_previews
from ...core.data import dataset_spec
from ...core.trainer import TrainConfig
from ..widgets.image_grid import ImageGrid
from .base import Panel

DRAWS = 8  # random draws shown per augmentation
WHY_MIRROR = ("Why mirror clothes but not digits? A mirrored shirt or shoe is still a shirt or a shoe, so "
              "Fashion-MNIST gains a new, valid training image; a mirrored 2 is not a 2 (and a mirrored 5 is "
              "no digit at all), so mirroring MNIST teaches the network wrong answers.")
MIRROR_WARNING = "Mirroring is on for digits: a mirrored 2 is not a 2. Set the mirror probability to 0 for MNIST."
PRESETS = {
    "Clothes: mirror + AlexNet crop": CLOTHES,
    "Digits: shift, rotate, zoom": DIGITS,
    "All five": Augmentation(mirror_p=0.5, crop_p=1.0, crop_pad=2, shift_p=0.5, shift=2.0, rotate_p=0.5,
                             degrees=10.0, zoom_p=0.5, zoom=(0.9, 1.1)),
    "None": Augmentation(),
}
DATASET_PRESET = {"mnist": "Digits: shift, rotate, zoom", "fashion": "Clothes: mirror + AlexNet crop"}
ROW_TITLES = {"mirror": "Mirror (left ↔ right)", "crop": "Random crop (pad, then cut)", "shift": "Shift",
              "rotate": "Rotate", "zoom": "Zoom", "all": "All together"}


def _spin(minimum: float, maximum: float, step: float, decimals: int = 2, suffix: str = "") -> QDoubleSpinBox:
    return QDoubleSpinBox(minimum=minimum, maximum=maximum, singleStep=step, decimals=decimals, suffix=suffix)


class AugmentationPanel(Panel):
    title = "Augmentation"
    builds_lazily = True
    description = ("One test image under each random augmentation (AlexNet's mirror and crop, shift, rotate, "
                   "zoom), with the probability and range of each adjustable.")

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.seed = 0
        self.image: np.ndarray | None = None  # the chosen test image, uint8 [H, W]
        self.label = ""
        self.rows: dict[str, torch.Tensor] = {}

    # --- layout (made when the tab is first shown or used: seven image grids would slow the start-up) ---

    def _build(self) -> None:
        self.dataset_box = QComboBox()
        for key in ("mnist", "fashion"):
            self.dataset_box.addItem(dataset_spec(key).title, key)
        self.index_box = QSpinBox(minimum=0, maximum=9999, prefix="test image #")
        self.random_button = QPushButton("Another image")
        self.preset_box = QComboBox()
        self.preset_box.addItems(list(PRESETS))
        self.redraw_button = QPushButton("New random draws")
        top = QHBoxLayout()
        for widget in (QLabel("Dataset"), self.dataset_box, self.index_box, self.random_button,
                       QLabel("Preset"), self.preset_box, self.redraw_button):
            top.addWidget(widget)
        top.addStretch(1)

        self.why = QLabel(WHY_MIRROR, wordWrap=True)
        self.warning = QLabel("", wordWrap=True)
        self.warning.setStyleSheet("color: #b35900; font-weight: bold;")
        self.status = QLabel("")
        self.status.setStyleSheet("color: #555;")

        self._build_controls()
        self.original = ImageGrid(colorbar=False)
        self.original.setFixedSize(150, 150)
        self.original_caption = QLabel("", wordWrap=True)
        self.original_caption.setFixedWidth(150)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Original</b>"))
        left.addWidget(self.original)
        left.addWidget(self.original_caption)
        left.addStretch(1)

        # one row per augmentation: what it is, its probability and range, eight random draws
        self.grids: dict[str, ImageGrid] = {}
        self.row_labels: dict[str, QLabel] = {}
        previews = QGridLayout()
        previews.setVerticalSpacing(2)
        for row, name in enumerate([*NAMES, "all"]):
            self.row_labels[name] = QLabel(wordWrap=True)
            self.row_labels[name].setFixedWidth(140)
            self.grids[name] = ImageGrid(colorbar=False)
            self.grids[name].setMinimumHeight(48)
            previews.addWidget(self.row_labels[name], row, 0)
            if name in self.controls:
                previews.addWidget(self.controls[name], row, 1, Qt.AlignmentFlag.AlignVCenter)
            previews.addWidget(self.grids[name], row, 2)
            previews.setRowStretch(row, 1)
        previews.setColumnStretch(2, 1)

        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(previews, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.why)
        layout.addWidget(self.warning)
        layout.addLayout(body, 1)
        layout.addWidget(self.status)
        layout.addLayout(self._build_comparison())

        self.dataset_box.currentIndexChanged.connect(self._on_dataset_changed)
        self.index_box.valueChanged.connect(self.refresh_when_visible)
        self.random_button.clicked.connect(self._another_image)
        self.preset_box.textActivated.connect(self._apply_preset)
        self.redraw_button.clicked.connect(self._new_draws)
        self._apply_preset(DATASET_PRESET["mnist"])

    def _build_controls(self) -> None:
        """A probability and a range for each augmentation, in ``self.controls[name]``."""
        self.mirror_p = _spin(0, 1, 0.05)
        self.crop_p, self.crop_pad = _spin(0, 1, 0.05), QSpinBox(minimum=0, maximum=8, suffix=" px")
        self.shift_p, self.shift = _spin(0, 1, 0.05), _spin(0, 8, 0.5, 1, " px")
        self.rotate_p, self.degrees = _spin(0, 1, 0.05), _spin(0, 90, 5, 0, "°")
        self.zoom_p, self.zoom_low, self.zoom_high = _spin(0, 1, 0.05), _spin(0.5, 1, 0.05), _spin(1, 2, 0.05)
        ranges = {
            "mirror": (self.mirror_p, "", None, "Chance that an image is flipped left to right"),
            "crop": (self.crop_p, "pad", (self.crop_pad,),
                     "AlexNet's random crop: pad with this many black pixels, then cut a window of the original "
                     "size at a random place"),
            "shift": (self.shift_p, "up to", (self.shift,), "Move by up to this many pixels in x and in y"),
            "rotate": (self.rotate_p, "up to ±", (self.degrees,), "Turn by up to this many degrees either way"),
            "zoom": (self.zoom_p, "×", (self.zoom_low, self.zoom_high),
                     "Scale by a factor drawn from this range (above 1 enlarges)"),
        }
        self.controls: dict[str, QWidget] = {}
        for name, (probability, range_label, extents, tip) in ranges.items():
            box = QWidget()
            box.setToolTip(tip)
            form = QFormLayout(box)
            form.setContentsMargins(0, 0, 0, 0)
            form.setVerticalSpacing(2)
            form.addRow("probability", probability)
            if extents:
                line = QHBoxLayout()
                for widget in extents:
                    line.addWidget(widget)
                form.addRow(range_label, line)
            self.controls[name] = box
        for spin in self._spins():
            spin.valueChanged.connect(self._on_setting_changed)

    def _build_comparison(self) -> QHBoxLayout:
        """Train seed 001's CNN twice, with these augmentations and without: the Evaluation tab compares them."""
        self.compare_epochs = QSpinBox(minimum=1, maximum=100, value=5, suffix=" epochs")
        self.compare_epochs.setToolTip("How long each of the two runs trains (seed 001's recipe otherwise)")
        self.compare_button = QPushButton("Train with and without")
        self.compare_button.setToolTip(
            "Two runs of seed 001's CNN on the chosen dataset, side by side: one with the augmentations set above, "
            "one without. Then the Evaluation tab shows the first, with the second (ticked) as B: "
            "which classes the augmentation helped.")
        self.compare_note = QLabel("", wordWrap=True)
        self.compare_note.setStyleSheet("color: #555;")
        self.compare_button.clicked.connect(self.train_with_and_without)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Does it help?</b>"))
        row.addWidget(self.compare_epochs)
        row.addWidget(self.compare_button)
        row.addWidget(self.compare_note, 1)
        return row

    def train_with_and_without(self) -> tuple:
        """Start the two runs (alongside: their curves grow together); the one without is ticked as B."""
        dataset = self.dataset_box.currentData()
        config = TrainConfig.for_model("cnn", dataset=dataset, epochs=self.compare_epochs.value())
        with_it = replace(config, augment=False, augmentation=asdict(self.augmentation()))
        without = replace(config, augment=False, augmentation=None)
        title = dataset_spec(dataset).title
        try:
            plain = self.state.start_run(without, alongside=True, name=f"cnn on {title}, no augmentation")
            augmented = self.state.start_run(with_it, alongside=True, name=f"cnn on {title} + augmentation")
        except Exception as error:  # noqa: BLE001 — said to the person, not a traceback
            self.compare_note.setText(f"Could not start them: {error}")
            return ()
        self.state.set_ticked(plain.id, True)
        self.state.select(augmented.id)
        self.compare_note.setText(f"Training {augmented.name} and {plain.name}: see Training for the curves, then "
                                  "Evaluation (the run without is ticked: take it as B).")
        return augmented, plain

    def _spins(self):
        return (self.mirror_p, self.crop_p, self.crop_pad, self.shift_p, self.shift, self.rotate_p, self.degrees,
                self.zoom_p, self.zoom_low, self.zoom_high)

    # --- the setting ------------------------------------------------------------------------------------
    def augmentation(self) -> Augmentation:
        """What the controls say, as the trainer's augmentation config."""
        self.ensure_built()
        return Augmentation(
            mirror_p=self.mirror_p.value(), crop_p=self.crop_p.value(), crop_pad=self.crop_pad.value(),
            shift_p=self.shift_p.value(), shift=self.shift.value(), rotate_p=self.rotate_p.value(),
            degrees=self.degrees.value(), zoom_p=self.zoom_p.value(),
            zoom=(self.zoom_low.value(), self.zoom_high.value()))

    def set_augmentation(self, config: Augmentation) -> None:
        self.ensure_built()
        values = (config.mirror_p, config.crop_p, config.crop_pad, config.shift_p, config.shift, config.rotate_p,
                  config.degrees, config.zoom_p, config.zoom[0], config.zoom[1])
        for spin, value in zip(self._spins(), values):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self._on_setting_changed()

    def _apply_preset(self, name: str) -> None:
        self.preset_box.setCurrentText(name)
        self.set_augmentation(PRESETS[name])

    def _on_setting_changed(self) -> None:
        config = self.augmentation()
        if config.mirror_p > 0 and self.dataset_box.currentData() == "mnist":
            self.warning.setText(MIRROR_WARNING)
        else:
            self.warning.setText("")
        self.refresh_when_visible()

    def _on_dataset_changed(self) -> None:
        self._apply_preset(DATASET_PRESET[self.dataset_box.currentData()])  # each dataset's own suggestion
        self.refresh_when_visible()

    def _another_image(self) -> None:
        self.index_box.setValue(int(np.random.default_rng().integers(0, self.index_box.maximum() + 1)))

    def _new_draws(self) -> None:
        self.seed += 1
        self.refresh_when_visible()

    # --- drawing -----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        key = self.dataset_box.currentData()
        if not self.state.has_dataset(key):
            self.status.setText(f"Loading {dataset_spec(key).title}…")
            self.state.load_dataset_async(key, lambda _data: self.refresh_when_visible(),
                                          lambda message: self.status.setText(f"Cannot load {key}: {message}"),
                                          lambda message, _f: self.status.setText(message))
            return
        self.status.setText("")
        data = self.state.test_set(key)
        self.index_box.setMaximum(len(data.test_labels) - 1)
        index = self.index_box.value()
        self.image = data.test_images[index].numpy()
        self.label = data.classes[int(data.test_labels[index])]
        self.original.set_images(self.image / 255.0, levels=(0, 1))
        self.original_caption.setText(f"{data.title} test image #{index}: {self.label}")
        config = self.augmentation()
        self.rows = augmentation_previews(torch.from_numpy(self.image).float() / 255, config, DRAWS, self.seed)
        for name, grid in self.grids.items():
            grid.set_images(self.rows[name][:, 0].numpy(), levels=(0, 1), columns=DRAWS)
            self.row_labels[name].setText(self._row_text(name, config))

    @staticmethod
    def _row_text(name: str, config: Augmentation) -> str:
        title = f"<b>{ROW_TITLES[name]}</b>"
        if name == "all":
            on = ", ".join(config.active) or "nothing is on"
            return f"{title}<br>{on}"
        return title if name in config.active else f"{title}<br><span style='color:#888'>off</span>"

    def preview_row(self, name: str) -> np.ndarray:
        """The images of one row [DRAWS, H, W] (tests compare them with the original)."""
        return self.rows[name][:, 0].numpy()
