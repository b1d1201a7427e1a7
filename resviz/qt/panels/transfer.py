"""The Transfer tab: seed 002's transfer learning on a person's own photos, and the digits demo.

Pick a folder with one sub-folder of images per class, the backbone's weights
(torchvision's ImageNet weights, downloaded into torch's cache when online, or a local
ResNet-50 state-dict file), the image size, and whether to fine-tune the last stage.
Train decodes the images once (a progress bar; the cache makes the next time instant)
and starts a run like any other: the Training tab draws its curves, the Runs list has
it, Filters shows its 64 first-layer kernels in colour. When it ends, the test images
appear with the model's three most likely classes and ✓ or ✗ (the seed's "testing the
model on a few samples"); click one to see where the evidence for its top class lies
(Grad-CAM). Below the setup, the digits demo, which needs no download.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...core.analysis.saliency import class_activation_map
from ...core.data import Dataset, load_dataset
from ...core.events import Done, Failed, Loading, Step
from ...core.models.transfer import backbone_state_dict
from ...core.replica import ModelReplica
from ...core.transfer import folder_config
from ..background import BackgroundRunner
from ..widgets.form_scroll import FormScrollArea
from ..widgets.picture_view import PictureView
from ..widgets.prediction_grid import Prediction, PredictionGrid
from .base import Panel
from .transfer_demo import DigitsDemoBox

SAMPLES = 12  # test images shown
IMAGENET = "imagenet"
NO_RUN = ("Train on a folder of your photos (left) and its test images appear here with what the model "
          "says about each, or open a checkpoint of such a run (File ▸ Open).")


def image_folder_run(run) -> bool:
    return run.classifies and run.dataset == "folder"


@dataclass(frozen=True)
class Samples:
    replica: ModelReplica
    images: np.ndarray  # [N, 3, H, W] floats in [0, 1]
    predictions: list[Prediction]
    accuracy: float | None  # the run's test accuracy


def prepare_folder(path: str, image_size: int, weights: str, progress=None) -> Dataset:
    """Check the weights (downloading ImageNet's if needed), then decode the folder (cached). Any thread."""
    backbone_state_dict(weights, progress=progress)
    return load_dataset("folder", path=path, image_size=image_size, progress=progress)


def predict_samples(snapshot, classes, options: dict, accuracy, count: int = SAMPLES) -> Samples:
    """The run's model on ``count`` test images spread over the test set, top 3 classes each. Any thread."""
    replica = ModelReplica.from_snapshot(snapshot, classes=classes, dataset="folder")
    data = load_dataset("folder", **options)
    picks = np.unique(np.linspace(0, len(data.test_labels) - 1, min(count, len(data.test_labels))).astype(int))
    images = data.test_inputs[picks].float().numpy() / 255.0
    probabilities = np.atleast_2d(replica.predict_proba(images))
    predictions = []
    for image, label, probs in zip(images, data.test_labels[picks].tolist(), probabilities):
        top = tuple((classes[i], float(probs[i])) for i in np.argsort(probs)[::-1][:3])
        predictions.append(Prediction(np.moveaxis(image, 0, -1), classes[label], top))
    return Samples(replica, images, predictions, accuracy)


class TransferPanel(Panel):
    title = "Transfer"
    description = ("Seed 002: an ImageNet-pretrained ResNet-50 learns your own photos (a new head on frozen "
                   "features); and a digits demo of how pretraining helps when labels are few.")
    shows = image_folder_run

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self._weights_file = ""
        self._run_id: str | None = None  # the run this tab started last
        self._samples: Samples | None = None
        self._preparer = BackgroundRunner(self)
        self._predictor = BackgroundRunner(self)
        self._explainer = BackgroundRunner(self)
        self._build()
        state.run_event.connect(self._on_run_event)
        state.run_changed.connect(self._on_run_changed)
        self._check_shown_model()

    # --- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.folder_edit = QLineEdit(placeholderText="a folder with one sub-folder per class")
        self.folder_edit.setToolTip("torchvision's ImageFolder layout: photos/cats/1.jpg, photos/dogs/2.jpg, …")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(choose)
        self.weights_box = QComboBox()
        self.weights_box.addItem("ImageNet (downloaded when online)", IMAGENET)
        self.weights_box.addItem("a ResNet-50 weights file…", "file")
        self.weights_box.setToolTip("The backbone's starting weights: torchvision's ResNet50_Weights.IMAGENET1K_V2 "
                                    "(98 MB, kept in torch's cache after the first download), or a state-dict "
                                    "file saved with torch.save(model.state_dict(), FILE)")
        self.weights_box.activated.connect(self._on_weights_chosen)
        self.weights_label = QLabel(wordWrap=True)
        self.weights_label.setStyleSheet("color: #555;")
        self.image_size = QSpinBox(minimum=32, maximum=384, singleStep=16, value=128, suffix=" px")
        self.image_size.setToolTip("Images are scaled and centre-cropped to this square (seed 002: 128; "
                                   "ImageNet's own: 224, four times slower)")
        self.epochs = QSpinBox(minimum=1, maximum=50, value=1)
        self.epochs.setToolTip("Seed 002 trains one epoch")
        self.finetune = QCheckBox("fine-tune the last stage (layer4) too")
        self.finetune.setToolTip("Off (the seed): the backbone stays frozen, its features are computed once per "
                                 "image and only the head trains — seconds. On: layer4 trains at a tenth of the "
                                 "learning rate — the backbone then runs every step, far slower on a CPU.")
        self.train_button = QPushButton("Train")
        self.train_button.setStyleSheet("QPushButton { font-weight: bold; padding: 6px 16px; }")
        self.train_button.clicked.connect(self.train)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("Seed 002's recipe: backbone frozen, a new head, Adam at 0.003, one epoch.",
                             wordWrap=True)
        form = QFormLayout()
        form.addRow("Folder", folder_row)
        form.addRow("Weights", self.weights_box)
        form.addRow("", self.weights_label)
        form.addRow("Image size", self.image_size)
        form.addRow("Epochs", self.epochs)
        form.addRow("", self.finetune)
        setup = QGroupBox("Your photos")
        setup_layout = QVBoxLayout(setup)
        setup_layout.addLayout(form)
        setup_layout.addWidget(self.train_button)
        setup_layout.addWidget(self.progress)
        setup_layout.addWidget(self.status)
        self.demo = DigitsDemoBox(self.state)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(setup)
        left_layout.addWidget(self.demo)
        left_layout.addStretch(1)
        left_scroll = FormScrollArea(left)

        self.heading = QLabel(NO_RUN, wordWrap=True)
        self.heading.setStyleSheet("font-weight: bold;")
        self.grid = PredictionGrid(side=96)
        self.grid.card_clicked.connect(self.explain)
        grid_scroll = QScrollArea(widgetResizable=True)
        grid_scroll.setWidget(self.grid)
        grid_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        grid_scroll.setMinimumWidth(2 * 110 + 20)  # two cards a row at the least
        self.cam_view = PictureView()
        self.cam_caption = QLabel("Click a test image: Grad-CAM shows where the evidence for its top class is.",
                                  wordWrap=True)
        cam_box = QWidget()
        cam_layout = QVBoxLayout(cam_box)
        cam_layout.setContentsMargins(0, 0, 0, 0)
        cam_layout.addWidget(self.cam_view, 1)
        cam_layout.addWidget(self.cam_caption)
        results = QSplitter()
        results.addWidget(grid_scroll)
        results.addWidget(cam_box)
        results.setStretchFactor(0, 3)
        results.setStretchFactor(1, 2)
        results.setSizes([560, 360])
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(results, 1)
        splitter = QSplitter()
        splitter.addWidget(left_scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([340, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)

    # --- choosing -----------------------------------------------------------------------------
    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "A folder with one sub-folder of images per class",
                                                self.folder_edit.text())
        if path:
            self.folder_edit.setText(path)

    def _on_weights_chosen(self, index: int) -> None:
        if self.weights_box.itemData(index) == "file":
            path, _ = QFileDialog.getOpenFileName(self, "A ResNet-50 state-dict file", self._weights_file,
                                                  "PyTorch weights (*.pt *.pth *.bin);;All files (*)")
            if path:
                self.set_weights_file(path)
            elif not self._weights_file:
                self.weights_box.setCurrentIndex(0)
        self._show_weights()

    def set_weights_file(self, path: str) -> None:
        self._weights_file = path
        self.weights_box.setCurrentIndex(self.weights_box.findData("file"))
        self._show_weights()

    def weights(self) -> str:
        return self._weights_file if self.weights_box.currentData() == "file" else IMAGENET

    def _show_weights(self) -> None:
        self.weights_label.setText(Path(self._weights_file).name if self.weights() != IMAGENET else "")

    # --- training -----------------------------------------------------------------------------
    def train(self) -> None:
        path = self.folder_edit.text().strip()
        if not path:
            self.status.setText("Choose a folder first: one sub-folder of images per class.")
            return
        self.train_button.setEnabled(False)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.status.setText("Checking the weights and reading the images…")
        self._preparer.submit(prepare_folder, path, self.image_size.value(), self.weights(),
                              on_result=self._start_run, on_error=self._prepare_failed,
                              on_progress=self._show_fraction)

    def _show_fraction(self, message: str, fraction: float) -> None:
        self.progress.setValue(int(100 * fraction))
        self.status.setText(message)

    def _prepare_failed(self, message: str) -> None:
        self.train_button.setEnabled(True)
        self.progress.setValue(0)
        self.status.setText(message.split(": ", 1)[-1])

    def _start_run(self, dataset: Dataset) -> None:
        self.train_button.setEnabled(True)
        finetune = self.finetune.isChecked()
        config = folder_config(dataset.options["path"], dataset.options["image_size"], self.weights(), finetune,
                               epochs=self.epochs.value())
        name = f"{Path(dataset.options['path']).name} ({'fine-tuned' if finetune else 'frozen'})"
        run = self.state.start_run(config, name=name)
        self._run_id = run.id
        skipped = f" {dataset.note}" if dataset.note else ""
        self.status.setText(f"{len(dataset.train_labels):,} training and {len(dataset.test_labels):,} test images "
                            f"in {len(dataset.classes)} classes.{skipped} Training…")

    def _on_run_event(self, run_id: str, event) -> None:
        if run_id != self._run_id:
            return
        if isinstance(event, Loading) and event.fraction is not None:
            self._show_fraction(event.message, event.fraction)
        elif isinstance(event, Step):
            self.progress.setValue(int(100 * event.step / max(event.total_steps, 1)))
            self.status.setText(f"Training the head: step {event.step}/{event.total_steps}, loss {event.loss:.3f}")
        elif isinstance(event, Done):
            accuracy = event.metrics.get("test_accuracy")
            self.progress.setValue(100)
            self.status.setText("Done" + (f": {accuracy:.1%} of the test images right." if accuracy else "."))
        elif isinstance(event, Failed):
            self.progress.setValue(0)
            self.status.setText(event.message)

    # --- the test images -------------------------------------------------------------------------
    def _on_run_changed(self, run_id: str, changes) -> None:
        shown = self.shown_run()
        if "status" in changes and shown is not None and shown.id == run_id:
            self.refresh_when_visible()  # ended: its test images can be shown now

    def refresh(self) -> None:
        run = self.shown_run()
        snapshot = self.state.shown_snapshot(run.id) if run else None
        if run is None or snapshot is None:
            self.heading.setText(NO_RUN)
            return
        if run.status.active:
            self.heading.setText(f"{run.name}: training… its test images appear when it ends.")
            return
        options = dict(run.settings.get("dataset_options") or {})
        if not options.get("path"):
            self.heading.setText(f"{run.name}: the run does not say which folder it learned.")
            return
        self.heading.setText(f"{run.name}: testing on a few samples…")
        self._predictor.submit(predict_samples, snapshot, tuple(run.classes), options, run.metrics.get("test_accuracy"),
                               on_result=lambda samples, name=run.name: self._show_samples(name, samples),
                               on_error=lambda message: self.heading.setText(message.split(": ", 1)[-1]))

    def _show_samples(self, name: str, samples: Samples) -> None:
        self._samples = samples
        self.grid.set_predictions(samples.predictions)
        overall = f" · {samples.accuracy:.1%} of all test images" if samples.accuracy is not None else ""
        self.heading.setText(f"{name}: {self.grid.correct} of {len(samples.predictions)} samples right{overall}")
        self.cam_view.set_picture(np.zeros((8, 8), np.float32))
        self.cam_caption.setText("Click a test image: Grad-CAM shows where the evidence for its top class is.")

    def explain(self, index: int) -> None:
        samples = self._samples
        if samples is None or not 0 <= index < len(samples.images):
            return
        image = samples.images[index]
        self.cam_view.set_picture(image)
        self.cam_caption.setText("Grad-CAM…")
        self._explainer.submit(class_activation_map, samples.replica.model, image, method="gradcam",
                               on_result=lambda explanation: self._show_explanation(samples, index, explanation),
                               on_error=lambda message: self.cam_caption.setText(message))

    def _show_explanation(self, samples: Samples, index: int, explanation) -> None:
        self.cam_view.set_picture(samples.images[index], explanation.heatmap, dim=True)
        name = samples.replica.classes[explanation.target]
        self.cam_caption.setText(f"Grad-CAM for “{name}” ({explanation.probabilities[explanation.target]:.0%}) at "
                                 f"{explanation.layer}: the brighter, the more evidence for it there.")

    def cancel_background_work(self) -> None:
        for runner in (self._preparer, self._predictor, self._explainer):
            runner.cancel()
