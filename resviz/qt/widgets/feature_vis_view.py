"""What each channel wants to see: a layer's optimised inputs, one per unit, computed in the background.

The pictures come from ``core.analysis.feature_vis.visualise_layer``: gradient ascent from
faint noise, regularised by jitter, blur and an L2 decay, within the model's pixel range.
Under each one, the mean activation it reaches beside the highest any of 1,000 test
images reaches: a picture that beats every real digit shows what the unit looks for.

One computation at a time: a request that arrives while one runs (a new training
snapshot) waits, and only the newest waiting one is kept, so a run that snapshots
faster than the pictures are made never queues work up. A change the person makes
(layer, mode, settings) cancels the running one instead of waiting for it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core.analysis.feature_vis import FeatureVisSettings, LayerPictures, visualise_layer
from ...core.analysis.unit_activation import LOGITS, LayerInfo
from ..background import BackgroundRunner
from .example_gallery import ExampleGallery

CHANNELS, CLASSES = "channels", "classes"
WAITING = ("Waits for a classifier of images: train one (Training tab) or open a checkpoint (File ▸ Open); "
           "then each channel's favourite input is drawn here.")
TEST_IMAGES = 1000


@dataclass(frozen=True)
class Request:
    replica: object  # a ModelReplica (its model is never changed: a new snapshot is a new replica)
    layer: LayerInfo
    settings: FeatureVisSettings
    load_test_inputs: object  # () -> test inputs tensor, or None: runs in the background thread
    noun: str  # "digit" for MNIST, "image" otherwise

    @property
    def key(self) -> tuple:
        return id(self.replica), self.layer, self.settings


class FeatureVisView(QWidget):
    """``request(replica, conv layer, all layers, load_test_inputs, noun)``; ``updated`` after each grid."""

    updated = Signal()
    mode_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._runner = BackgroundRunner(self)
        self._cancel = threading.Event()
        self._running: Request | None = None
        self._pending: Request | None = None
        self._shown_key: tuple | None = None
        self.pictures: LayerPictures | None = None
        self._settings_timer = QTimer(self, singleShot=True, interval=400)
        self._settings_timer.timeout.connect(self.settings_changed)
        self._build()
        self.show_waiting(WAITING)

    def _build(self) -> None:
        self.title = QLabel("What each channel wants to see")
        self.title.setStyleSheet("font-weight: bold;")
        self.title.setToolTip(
            "Feature visualisation (Olah, Mordvintsev & Schubert, Distill 2017): for each channel, the input "
            "that excites it most, found by gradient ascent from faint noise. The kernels beside it say what one "
            "layer multiplies; this says what the whole network up to that layer has learned to look for.")
        self.mode = QComboBox()
        self.mode.addItem("channels of the selected layer", CHANNELS)
        self.mode.addItem("class logits (the last layer)", CLASSES)
        self.mode.setToolTip("Channels: one picture per channel of the layer picked on the left (its mean after "
                             "the ReLU that follows it). Class logits: the input each class's score likes best — "
                             "the network's idea of a perfect 3.")
        self.steps = _spin(20, 2000, FeatureVisSettings.steps, 20,
                           "Gradient-ascent steps: more climb higher, take longer (about 2-6 s for 16 channels "
                           "at 200 on one core)")
        self.jitter = _spin(0, 8, FeatureVisSettings.jitter, 1,
                            "Jitter: shift the picture by up to this many pixels before every step, so the "
                            "pattern must work wherever it lands. 0 lets it fit the exact pixels: sharper, noisier.")
        self.blur = _spin(0, 50, FeatureVisSettings.blur_every, 1,
                          "Blur every N steps (a small Gaussian): damps the high-frequency noise plain gradient "
                          "ascent loves. 0: never blur.")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop computing these pictures (they are recomputed when the layer, the "
                                      "settings or the model's snapshot change)")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.status = QLabel(wordWrap=True)
        self.status.setStyleSheet("color: #555;")
        self.gallery = ExampleGallery(image_size=56, caption_lines=3, caption_width=112)
        self.gallery.setMinimumWidth(130)  # one column at least; the splitter gives it more
        self.gallery.setStyleSheet("QListWidget { background: #d9d9d9; }")  # a white picture must not vanish
        self.gallery.setToolTip("Each picture is the input its channel answers most strongly; under it, the mean "
                                "activation it reaches and the highest any of 1,000 test images reaches")

        self.mode.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mode.setMinimumContentsLength(16)
        knobs = QHBoxLayout()
        for text, box in (("steps", self.steps), ("jitter", self.jitter), ("blur every", self.blur)):
            label = QLabel(text)
            label.setToolTip(box.toolTip())
            knobs.addWidget(label)
            knobs.addWidget(box)
        knobs.addStretch(1)
        busy = QHBoxLayout()
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.mode)
        layout.addLayout(knobs)
        layout.addLayout(busy)
        layout.addWidget(self.status)
        layout.addWidget(self.gallery, 1)

        self.mode.currentIndexChanged.connect(self.mode_changed)
        for box in (self.steps, self.jitter, self.blur):
            box.valueChanged.connect(self._settings_timer.start)
        self.cancel_button.clicked.connect(self.cancel)
        self._set_busy(False)

    # --- what to compute ---------------------------------------------------------------------
    @property
    def wants_classes(self) -> bool:
        return self.mode.currentData() == CLASSES

    def settings(self) -> FeatureVisSettings:
        return FeatureVisSettings(steps=self.steps.value(), jitter=self.jitter.value(), blur_every=self.blur.value())

    def settings_changed(self) -> None:
        """A knob moved (debounced): the panel asks again with the new settings."""
        self.mode_changed.emit()

    def request(self, request: Request) -> None:
        """Compute ``request`` now, or after the running one: a new snapshot waits for it (the newest
        waiting one wins); a new layer, mode or setting (the person's change) cancels it."""
        if request.key == self._shown_key and self.pictures is not None:
            return
        running = self._running
        if running is not None:
            if request.key == running.key:
                return
            self._pending = request
            if (request.layer, request.settings) != (running.layer, running.settings):
                self._cancel.set()
            return
        self._start(request)

    def _start(self, request: Request) -> None:
        self._running, self._pending = request, None
        self._cancel = threading.Event()
        cancel = self._cancel
        replica = request.replica
        self._set_busy(True)
        self.status.setText(f"Computing what each of {request.layer.units} units of {request.layer.name} "
                            f"wants to see (step {replica.step} of training)…")
        self._runner.submit(
            visualise_layer, replica.model, request.layer, replica.input_shape, request.settings,
            request.load_test_inputs, test_count=TEST_IMAGES, cancelled=cancel.is_set,
            on_result=lambda pictures: self._finished(request, pictures),
            on_error=lambda message: self._failed(request, message),
            on_progress=self._on_progress)

    def _on_progress(self, message: str, fraction: float) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(message)

    def _finished(self, request: Request, pictures: LayerPictures) -> None:
        self._running = None
        self._set_busy(False)
        self.pictures, self._shown_key = pictures, request.key
        self._show(request, pictures)
        self.updated.emit()
        self._next()

    def _failed(self, request: Request, message: str) -> None:
        self._running = None
        self._set_busy(False)
        cancelled = message.startswith("Cancelled")
        if self._next():
            return
        self.status.setText("Cancelled: press a setting or pick a layer to compute again." if cancelled
                            else f"Could not compute the pictures: {message}")
        self.updated.emit()

    def _next(self) -> bool:
        pending, self._pending = self._pending, None
        if pending is not None:
            self._start(pending)
        return pending is not None

    def cancel(self) -> None:
        """Stop the running computation and forget the waiting one."""
        self._pending = None
        self._cancel.set()

    def forget(self) -> None:
        """The window closes or the model goes: stop, and drop what is shown."""
        self.cancel()
        self.pictures, self._shown_key = None, None

    @property
    def busy(self) -> bool:
        return self._running is not None

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.progress.setValue(0)
            self.progress.setFormat("starting…")

    def show_waiting(self, text: str) -> None:
        self.forget()
        self.gallery.clear()
        self.status.setText(text)

    # --- drawing ------------------------------------------------------------------------------
    def _show(self, request: Request, pictures: LayerPictures) -> None:
        result, peak, layer = pictures.visualisation, pictures.peak, request.layer
        classes = getattr(request.replica, "classes", ())
        captions, tooltips = [], []
        for position, unit in enumerate(result.units):
            reached = float(result.activations[position])
            name = f"class {classes[unit]}" if layer.kind == LOGITS and unit < len(classes) else f"#{unit}"
            what = f"the {name} logit" if layer.kind == LOGITS else f"channel {unit} of {layer.name}"
            if peak is None:
                captions.append(f"{name} act {reached:.2f}")
                tooltips.append(f"This picture raises {what} to {reached:.3f} (no test set to compare with).")
                continue
            best, image = float(peak.values[position]), int(peak.images[position])
            mark = "" if reached >= best else " ✗"
            captions.append(f"{name} act {reached:.1f} · best test {request.noun} {best:.1f}{mark}")
            verdict = ("higher than any real one: the picture shows what the unit looks for" if reached >= best else
                       "below the best real one: try more steps, less blur or jitter")
            tooltips.append(f"This picture raises {what} to {reached:.3f} (it started from noise at "
                            f"{float(result.start_activations[position]):.3f}). The most exciting of {peak.count:,} "
                            f"test {request.noun}s (#{image}) reaches {best:.3f}: {verdict}.")
        self.gallery.set_examples(result.images, result.units, captions, tooltips)
        reached_all = "" if peak is None else (
            f" · {sum(a >= b for a, b in zip(result.activations, peak.values))} of {len(result.units)} beat every "
            f"test {request.noun}")
        while_training = ("" if request.settings.retries else
                          " · one climb each while the run trains (units short of the best climb again at its end)")
        self.status.setText(f"{layer.title} · step {request.replica.step} · {result.seconds:.1f} s{reached_all}"
                            f"{while_training}")

    def captions(self) -> list[str]:
        return self.gallery.captions()


def _spin(low: int, high: int, value: int, step: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setSingleStep(step)
    box.setToolTip(tip)
    box.setAlignment(Qt.AlignmentFlag.AlignRight)
    return box
