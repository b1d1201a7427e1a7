"""Latent space: drag sliders through a VAE's latent space and watch the decoder draw.

A VAE's decoder turns a latent vector z into a digit, so a slider is just
``decode(z)``. The convolutional VAEs (``cvae``, ``cvae2d``, listed first) and the
compact ones (``vae``, ``vae2d``) get one slider per latent dimension, over ±3 prior
standard deviations. Seed Models 1 and 2 have a latent of
28 x h numbers, so their sliders move along the top principal directions of the test
digits' latent means (PCA in latent space), labelled PC1, PC2, ... with the share of
the variance each explains.

Everything decodes with a frozen copy of the VAE's weights (a replica), so the sliders
work while the VAE trains and the digit changes as the decoder learns. The panel
reaches the app state only through the small methods under "the app state" below. Below:
the same ten test digits and their reconstructions, updated at every snapshot; an
interpolation strip between two of them; for a 2-D latent, the whole latent plane as
a grid of decoded digits.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...core.analysis import latent
from ...core.data import DatasetUnavailable
from ..background import BackgroundRunner
from ..widgets.history_slider import HistorySlider
from ..widgets.image_grid import ImageGrid
from .base import Panel
from .vae_names import (
    add_in_order,
    follow_renames,
    follow_selection,
    remove_run,
    run_dataset,
    run_label,
    run_model,
    training_note,
)

NO_VAE = ("No VAE yet: choose cvae (or cvae2d for the latent plane) in the Training tab and press Train, "
          "or open a VAE checkpoint (File ▸ Open). Seed 000's Models 1 and 2 are vae1 and vae2.")
SLIDER_STEPS = 240  # positions across ±3σ
SIGMAS = 3.0
AXES_SAMPLE = 1000  # test digits whose latent means give the principal directions
INTERPOLATION_STEPS = 10
LIKELIEST_START = "the likeliest Gaussian's mean"  # a learned prior's starting point, named in drags' captions


def fixed_test_digits(images, labels) -> np.ndarray:
    """The index of the first test image of each class 0..9 (the same every run)."""
    labels = np.asarray(labels)
    return np.array([int(np.flatnonzero(labels == c)[0]) for c in range(10) if np.any(labels == c)])


class LatentSlider(QWidget):
    """One axis: a label, a slider over ±3σ and the value it stands for."""

    def __init__(self, index: int, on_change, parent=None):
        super().__init__(parent)
        self.index = index
        self.std = 1.0
        self.name = QLabel()
        self.name.setMinimumWidth(90)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(-SLIDER_STEPS // 2, SLIDER_STEPS // 2)
        self.value_label = QLabel()
        self.value_label.setMinimumWidth(48)
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.name)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.value_label)
        self.slider.valueChanged.connect(lambda _: on_change(self.index, self.value()))

    def configure(self, label: str, std: float, tip: str) -> None:
        self.name.setText(label)
        self.std = float(std)
        self.setToolTip(tip)

    def value(self) -> float:
        return self.slider.value() / (SLIDER_STEPS / 2) * SIGMAS * self.std

    def show_value(self, value: float) -> None:
        """Move the handle to ``value`` (clipped to ±3σ) without reporting a change."""
        position = round(value / (SIGMAS * self.std) * SLIDER_STEPS / 2)
        self.slider.blockSignals(True)
        self.slider.setValue(int(np.clip(position, -SLIDER_STEPS // 2, SLIDER_STEPS // 2)))
        self.slider.blockSignals(False)
        self.value_label.setText(f"{value:+.2f}")


class LatentPanel(Panel):
    title = "Latent space"
    description = ("Drag sliders through the VAE's latent space and watch its decoder draw a digit; "
                   "sample from the prior, encode digits, interpolate between two of them.")

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.replica = None
        self.axes: latent.LatentAxes | None = None
        self._axes_model: str | None = None
        self.values = np.zeros(0, np.float32)  # the slider values (may lie beyond a slider's ends)
        self.residual: np.ndarray | None = None  # the part of an encoded z the sliders cannot reach
        self._sliders: list[LatentSlider] = []
        self._fixed: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # indices, images, labels
        self._fixed_key: str | None = None  # the dataset they come from
        self._loading: str | None = None  # the dataset being loaded off the GUI thread
        self._dataset_runner = BackgroundRunner(self)
        self._rng = np.random.default_rng()
        self._start = "z = 0"  # where the sliders were put before the person dragged one
        self._start_values = np.zeros(0, np.float32)  # their values then: a drag's caption names what moved
        self._axes_runner = BackgroundRunner(self)
        self._build()
        self._connect_state()
        self.refresh()

    # --- the app state (kept to these few methods, so a new state layer needs only them) --------
    def _connect_state(self) -> None:
        self.state.vae_changed.connect(self._on_vae_changed)
        self.state.run_removed.connect(self._on_run_removed)
        follow_renames(self.model_box, self.state)
        follow_selection(self.model_box, self.state)
        self.state.input_changed.connect(self._update_buttons)
        for run_id in self.state.vaes:
            self._on_vae_changed(run_id)

    def _replica(self, run_id: str | None):
        """The weights shown for VAE run ``run_id`` (a ModelReplica: the newest, or History's pick), or None."""
        return self.state.vaes.get(run_id) if run_id else None

    def _test_set(self):
        """The test set of the shown VAE's dataset (may raise DatasetUnavailable; loaded once, then cached)."""
        return self.state.dataset(self._dataset_key())

    def _drawn_image(self):
        """The digit drawn in the Draw tab (float [28, 28]), or None."""
        image = self.state.input_image
        return image if image is not None and np.shape(image) == (28, 28) else None

    def _history_slider(self) -> HistorySlider:
        return HistorySlider(self.state)

    def _on_run_removed(self, run_id: str) -> None:
        remove_run(self.model_box, run_id)

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.model_box = QComboBox()
        self.model_box.setToolTip("Which trained VAE the sliders drive")
        self.status = QLabel(wordWrap=True)
        self.status.setStyleSheet("color: #555;")
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet("color: #b35900;")

        self.digit = ImageGrid(colorbar=False)
        self.digit.setMinimumSize(150, 150)  # shrinks before its caption would be drawn over it (900×600)
        self.digit.setToolTip("decode(z): the decoder's pixel probabilities for the latent point the sliders set")
        self.origin = QLabel(wordWrap=True)
        self.origin.setStyleSheet("color: #555;")
        self.origin.setToolTip("Every slider is one coordinate of z; the decoder draws whatever z you set.")

        self.sample_button = QPushButton("Sample from prior")
        self.sample_button.setToolTip("Draw z from the prior the VAE was trained with and decode it: N(0, I), "
                                      "or for cvae-mix the Gaussian mixture it learned; at temperature T each "
                                      "Gaussian is T² as wide")
        self.temperature_box = QDoubleSpinBox()
        self.temperature_box.setRange(0.0, 1.5)
        self.temperature_box.setSingleStep(0.1)
        self.temperature_box.setDecimals(2)
        self.temperature_box.setValue(1.0)
        self.temperature_box.setPrefix("T = ")
        self.temperature_box.setToolTip("Sampling temperature for 'Sample from prior': z ~ N(0, T²I) (a learned "
                                        "mixture: each Gaussian T² as wide). Below 1 the "
                                        "point sits nearer the centre, where the decoder saw the most codes: fewer "
                                        "in-between shapes (Glow and others sample at T = 0.7)")
        sampling = QHBoxLayout()
        sampling.setContentsMargins(0, 0, 0, 0)
        sampling.addWidget(self.sample_button, 1)
        sampling.addWidget(self.temperature_box)
        sample_cell = QWidget()
        sample_cell.setLayout(sampling)
        self.reset_button = QPushButton("Reset to zero")
        self.reset_button.setToolTip("Every slider to 0: the centre of the latent space")
        self.encode_test_button = QPushButton("Encode a test digit")
        self.encode_test_button.setToolTip("Pick a random test digit, encode it, and move the sliders to its mean")
        self.encode_drawn_button = QPushButton("Encode the drawn digit")
        self.encode_drawn_button.setToolTip("Encode the digit drawn in the Draw tab and move the sliders to its mean")
        buttons = QGridLayout()
        for i, button in enumerate((sample_cell, self.reset_button,
                                    self.encode_test_button, self.encode_drawn_button)):
            buttons.addWidget(button, i // 2, i % 2)

        self.axes_title = QLabel(wordWrap=True)
        self.axes_title.setMinimumHeight(3 * self.axes_title.fontMetrics().height())
        slider_holder = QWidget()
        self.slider_layout = QVBoxLayout(slider_holder)
        self.slider_layout.setContentsMargins(0, 0, 0, 0)
        self.slider_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(slider_holder)

        self.manifold_box = QGroupBox("The latent plane (2-D latent)")
        self.manifold = ImageGrid(colorbar=False, label_size=7)
        self.manifold.setToolTip("Decodes of a 15 x 15 grid of z over [-3, 3]²: left-right is z1, "
                                 "bottom-top is z2. Neighbouring points decode to similar digits.")
        manifold_layout = QVBoxLayout(self.manifold_box)
        manifold_layout.addWidget(self.manifold)
        self.manifold_note = QLabel("Train cvae2d (a 2-D latent) to see its whole latent plane as a map of digits.",
                                    wordWrap=True)
        self.manifold_note.setStyleSheet("color: #555;")

        left = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(QLabel("VAE"))
        top.addWidget(self.model_box, 1)
        left.addLayout(top)
        left.addWidget(self.status)
        left.addWidget(self.axes_title)
        left.addWidget(scroll, 1)
        left.addLayout(buttons)
        left.addWidget(self.manifold_note)
        left_widget = QWidget()
        left_widget.setLayout(left)

        centre = QVBoxLayout()
        centre.addWidget(self.message)
        centre.addWidget(self.digit, 1)
        centre.addWidget(self.origin)
        centre_widget = QWidget()
        centre_widget.setLayout(centre)

        upper = QSplitter()
        upper.addWidget(left_widget)
        upper.addWidget(centre_widget)
        upper.addWidget(self.manifold_box)
        upper.setSizes([380, 360, 360])

        self.reconstructions = ImageGrid(colorbar=False, label_size=7)
        self.reconstructions.setToolTip("Top: ten fixed test digits. Bottom: the VAE's reconstructions "
                                        "(decode of each digit's latent mean), redrawn as it learns. "
                                        "Click one to encode it.")
        recon_box = QGroupBox("Fixed test digits (top) and their reconstructions (bottom)")
        QVBoxLayout(recon_box).addWidget(self.reconstructions)

        self.from_box, self.to_box = QComboBox(), QComboBox()
        for box, default in ((self.from_box, 4), (self.to_box, 9)):
            box.addItems([f"test digit {d}" for d in range(10)])
            box.setCurrentIndex(default)
            box.setToolTip("One of the ten fixed test digits above")
        self.interpolation = ImageGrid(colorbar=False, label_size=7)
        self.interpolation.setToolTip("Decodes along the straight line between the two digits' latent means")
        interp_box = QGroupBox("Interpolation")
        interp_layout = QVBoxLayout(interp_box)
        choose = QHBoxLayout()
        choose.addWidget(QLabel("from"))
        choose.addWidget(self.from_box)
        choose.addWidget(QLabel("to"))
        choose.addWidget(self.to_box)
        choose.addStretch(1)
        interp_layout.addLayout(choose)
        interp_layout.addWidget(self.interpolation)

        lower = QHBoxLayout()
        lower.addWidget(recon_box, 1)
        lower.addWidget(interp_box, 1)
        lower_widget = QWidget()
        lower_widget.setLayout(lower)
        lower_widget.setMinimumHeight(170)

        self.history = self._history_slider()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(upper, 3)
        layout.addWidget(lower_widget, 2)
        layout.addWidget(self.history)

        self.model_box.currentIndexChanged.connect(lambda _: self.refresh())
        self.sample_button.clicked.connect(self.sample_prior)
        self.reset_button.clicked.connect(self.reset)
        self.encode_test_button.clicked.connect(lambda: self.encode_test_digit())
        self.encode_drawn_button.clicked.connect(self.encode_drawn_digit)
        self.reconstructions.tile_clicked.connect(self._on_fixed_clicked)
        self.from_box.currentIndexChanged.connect(lambda _: self._draw_interpolation())
        self.to_box.currentIndexChanged.connect(lambda _: self._draw_interpolation())

    # --- which VAE ------------------------------------------------------------------------------
    def _on_vae_changed(self, name: str) -> None:
        if self.model_box.findData(name) < 0:
            self.model_box.blockSignals(True)
            index = add_in_order(self.model_box, self.state, name)
            self.model_box.blockSignals(False)
            self.model_box.setCurrentIndex(index)  # a new VAE: show it
        if self.model_box.currentData() != name:
            return
        self.refresh_when_visible()

    def refresh(self) -> None:
        """Take the chosen VAE's newest replica and redraw everything from it."""
        name = self.model_box.currentData()
        replica = self._replica(name)
        previous = self.replica
        self.replica = replica
        self._update_buttons()
        if replica is None:
            self.message.setText(NO_VAE)
            self.status.setText("")
            return
        self.history.set_run(name)
        self.message.setText(training_note(run_model(self.state, name), replica.step))
        self.status.setText(f"{run_label(self.state, name)}: latent of {replica.model.latent_dim:,} numbers; "
                            f"weights at step {replica.step:,}, epoch {replica.epoch} ({replica.source}).")
        previous_run, self._run_id = getattr(self, "_run_id", None), name
        if previous is None or previous_run != name or previous.model.latent_dim != replica.model.latent_dim:
            self.values = np.zeros(0, np.float32)
            self.residual = None
            self.axes = None
        self._update_axes(replica)
        self._draw_manifold()
        self._draw_reconstructions()
        self._draw_interpolation()

    # --- axes -----------------------------------------------------------------------------------
    def _update_axes(self, replica) -> None:
        if replica.model.latent_dim <= latent.DIRECT_AXES_LIMIT:
            # a learned prior moves as the VAE trains: its sliders follow its centre and spread
            learned = latent.has_learned_prior(replica.model)
            if self.axes is None or self.axes.count != replica.model.latent_dim or learned:
                self._set_axes(latent.latent_axes(replica.model), self._run_id)
            else:
                self.redraw()
            return
        fixed = self._fixed_digits()
        if fixed is None:
            return
        if self.axes is None:
            self.axes_title.setText("Finding the principal directions of the latent means…")
        else:
            self.redraw()  # the new weights at the old axes, until the new axes arrive
        images = self._test_set().test_images[:AXES_SAMPLE]
        self._axes_runner.submit(latent.latent_axes, replica.model, images,
                                 on_result=lambda axes, run_id=self._run_id: self._set_axes(axes, run_id),
                                 on_error=self.message.setText)

    def _set_axes(self, axes: latent.LatentAxes, model_name: str) -> None:
        if self.replica is None or self._run_id != model_name:
            return  # the person switched models meanwhile
        fresh = self.axes is None or self._axes_model != model_name or self.axes.count != axes.count
        encoded = None if fresh or self.residual is None else self.current_z()
        if not fresh:
            axes = axes.aligned_to(self.axes)
        self.axes, self._axes_model = axes, model_name
        if fresh:
            self.values = np.zeros(axes.count, np.float32)
        elif encoded is not None:  # keep an encoded digit exactly where it was in latent space
            self.values, self.residual = axes.coordinates(encoded), axes.residual(encoded)
        if axes.principal:
            self.axes_title.setText(
                f"{axes.count} sliders along the top principal directions (PCA) of {AXES_SAMPLE:,} test digits' "
                "latent means, each over ±3σ of the means along it.")
        elif self._learned_prior():
            prior = latent.prior_name(self.replica.model)
            self.axes_title.setText(f"One slider per latent dimension, each over ±3σ of {prior} along it; "
                                    "0 is that prior's centre.")
        else:
            self.axes_title.setText("One slider per latent dimension, each over ±3 (the prior is N(0, I)).")
        self._sync_sliders()
        if fresh or self._untouched_on_likeliest():
            self._start_on_a_digit()  # a training prior moves: its likeliest Gaussian is found again
        else:
            self.redraw()

    def _learned_prior(self) -> bool:
        return self.replica is not None and latent.has_learned_prior(self.replica.model)

    def _untouched_on_likeliest(self) -> bool:
        """Still where a learned prior started the sliders, no slider moved since."""
        return (self._start == LIKELIEST_START and self._learned_prior() and not self.axes.principal
                and np.array_equal(self.values, self._start_values))

    def _start_on_a_digit(self) -> None:
        """A new VAE starts at its prior's likeliest point: 0 for N(0, I); for a learned mixture the
        mean of its likeliest Gaussian (its own mean, the sliders' 0, lies between them)."""
        if not self._learned_prior() or self.axes.principal:
            self.reset()
            return
        self.set_latent(latent.likeliest_component_mean(self.replica.model.prior),
                        f"The mean of the likeliest Gaussian of {latent.prior_name(self.replica.model)}: a typical "
                        "digit. Reset puts every slider at 0, the mixture's centre, which lies between its "
                        "Gaussians.", LIKELIEST_START)

    def _sync_sliders(self) -> None:
        axes = self.axes
        while len(self._sliders) < axes.count:
            slider = LatentSlider(len(self._sliders), self._on_slider)
            self.slider_layout.insertWidget(len(self._sliders), slider)
            self._sliders.append(slider)
        for index, slider in enumerate(self._sliders):
            slider.setVisible(index < axes.count)
            if index < axes.count:
                if axes.principal:
                    tip = (f"Principal direction {index + 1}: holds {100 * axes.explained[index]:.1f}% of the "
                           f"variance of the test digits' latent means; σ = {axes.stds[index]:.2f}")
                elif self._learned_prior():
                    tip = (f"Latent dimension {index + 1}; {latent.prior_name(self.replica.model)} gives it mean "
                           f"{axes.centre[index]:+.2f} (the slider's 0) and σ = {axes.stds[index]:.2f}")
                else:
                    tip = f"Latent dimension {index + 1}; the prior gives it mean 0 and σ = 1"
                slider.configure(axes.labels[index], axes.stds[index], tip)
                slider.show_value(float(self.values[index]))

    @property
    def sliders(self) -> list[LatentSlider]:
        """The sliders in use (one per axis)."""
        return self._sliders[: self.axes.count] if self.axes else []

    # --- gestures -------------------------------------------------------------------------------
    def _on_slider(self, index: int, value: float) -> None:
        self.values[index] = value
        self._sliders[index].value_label.setText(f"{value:+.2f}")
        self.origin.setText(f"Your own latent point: {self._moved_text()}, starting from {self._start}.")
        self.redraw()

    def _moved_text(self) -> str:
        """Every slider now away from where the drags started, with its value: the caption says them all."""
        start = self._start_values if len(self._start_values) == len(self.values) else np.zeros_like(self.values)
        names = [self.axes.labels[i].split(" ")[0] if self.axes else f"z{i + 1}" for i in range(len(self.values))]
        moved = [f"{names[i]} at {self.values[i]:+.2f}" for i in range(len(self.values))
                 if abs(self.values[i] - start[i]) > 0.005]
        return ", ".join(moved) if moved else "no slider moved"

    def set_latent(self, z: np.ndarray, origin: str, start: str = "") -> None:
        """Move the sliders to latent point ``z``; keep what they cannot reach as the residual.

        ``origin`` is the caption; ``start`` names the point for a later drag's caption.
        """
        if self.axes is None:
            return
        self.values = self.axes.coordinates(z)
        residual = self.axes.residual(z)
        self.residual = residual if self.axes.principal else None
        for index, slider in enumerate(self._sliders[: self.axes.count]):
            slider.show_value(float(self.values[index]))
        self.origin.setText(origin)
        self._start = start or "that point"
        self._start_values = self.values.copy()
        self.redraw()

    def sample_prior(self) -> None:
        if self.replica is not None:
            temperature = self.temperature_box.value()
            z = latent.prior_latents(self.replica.model, 1, seed=int(self._rng.integers(1 << 31)),
                                     temperature=temperature)[0]
            prior = latent.prior_name(self.replica.model)
            if temperature == 1.0:
                self.set_latent(z, f"A sample from the prior, {prior}: what the VAE generates on its own.",
                                "a sample from the prior")
            else:
                spread = "N(0, T²I)" if prior == "N(0, I)" else f"{prior}, each Gaussian T² as wide,"
                self.set_latent(z, f"A sample from {spread} at temperature T = {temperature:.2f} (the prior is "
                                "T = 1; below 1 the point sits nearer the centre).", f"a sample at T = {temperature:.2f}")

    def reset(self) -> None:
        if self.axes is None:
            return
        self.values = np.zeros(self.axes.count, np.float32)
        self.residual = None
        for slider in self._sliders[: self.axes.count]:
            slider.show_value(0.0)
        if self.axes.principal:
            centre = "the mean of the test digits' latent means."
        elif self._learned_prior():
            centre = (f"the centre of {latent.prior_name(self.replica.model)}, between its Gaussians, where "
                      "digits blend; Sample from prior or encode a digit to start on one.")
        else:
            centre = "z = 0, the prior's mean."
        self.origin.setText(f"All sliders at 0: {centre}")
        self._start = "all sliders at 0"
        self._start_values = self.values.copy()
        self.redraw()

    def encode_test_digit(self, index: int | None = None) -> None:
        if self.replica is None:
            return
        try:
            data = self._test_set()
        except DatasetUnavailable as error:
            self.message.setText(str(error))
            return
        index = int(self._rng.integers(len(data.test_images))) if index is None else index
        z = latent.latent_means(self.replica.model, data.test_images[index:index + 1])[0]
        digit = f"test digit #{index} (a {int(data.test_labels[index])})"
        self.set_latent(z, f"Encoded {digit}: the sliders sit at its latent mean.", f"the encoded {digit}")

    def encode_drawn_digit(self) -> None:
        if self.replica is None or self._drawn_image() is None:
            return
        z = latent.latent_means(self.replica.model, self._drawn_image())[0]
        self.set_latent(z, "Encoded the digit you drew: the sliders sit at its latent mean.", "your drawn digit")

    def _on_fixed_clicked(self, tile: int) -> None:
        if self._fixed is not None and tile % 10 < len(self._fixed[0]):
            self.encode_test_digit(int(self._fixed[0][tile % 10]))

    def _update_buttons(self) -> None:
        has_model = self.replica is not None
        for button in (self.sample_button, self.reset_button, self.encode_test_button):
            button.setEnabled(has_model)
        drawn = self._drawn_image() is not None
        self.encode_drawn_button.setEnabled(has_model and drawn)
        self.encode_drawn_button.setToolTip(
            "Encode the digit drawn in the Draw tab and move the sliders to its mean"
            if drawn else "Draw a digit in the Draw tab first")

    # --- drawing --------------------------------------------------------------------------------
    def current_z(self) -> np.ndarray | None:
        if self.axes is None:
            return None
        return self.axes.point(self.values, self.residual)

    def redraw(self) -> None:
        """decode(z) of the slider setting, with the newest weights (a few ms: done at once)."""
        z = self.current_z()
        if self.replica is None or z is None or len(z) != self.replica.model.latent_dim:
            return
        self.digit.set_images(latent.decode(self.replica.model, z), levels=(0.0, 1.0))

    def _fixed_digits(self):
        """The first test digit of each class of the shown VAE's dataset, or None while it loads."""
        key = self._dataset_key()
        if self._fixed is None or self._fixed_key != key:
            if not self.state.has_dataset(key):  # never load it on the GUI thread
                self._load_test_set(key)
                return None
            try:
                data = self._test_set()
            except DatasetUnavailable as error:
                self.message.setText(str(error))
                return None
            indices = fixed_test_digits(data.test_images, data.test_labels.numpy())
            images = data.test_images[indices].numpy().astype(np.float32) / 255.0
            self._fixed, self._fixed_key = (indices, images, data.test_labels[indices].numpy()), key
        return self._fixed

    def _dataset_key(self) -> str:
        return run_dataset(self.state, self.model_box.currentData())

    def _load_test_set(self, key: str) -> None:
        if self._loading == key:
            return
        self._loading = key  # a moment on first use; the rest of the tab works meanwhile

        def loaded(_data) -> None:
            self._loading = None
            self.refresh_when_visible()

        def failed(message: str) -> None:
            self._loading = None
            self.message.setText(f"Could not load the test digits: {message}")

        # a runner of this panel's own: if the panel goes first, no answer arrives for it
        self._dataset_runner.submit(self.state.dataset, key, on_result=loaded, on_error=failed)

    def _draw_reconstructions(self) -> None:
        fixed = self._fixed_digits()
        if fixed is None or self.replica is None:
            return
        indices, images, labels = fixed
        recon = latent.reconstruct(self.replica.model, images)
        self.reconstructions.set_images(np.concatenate([images, recon]), [str(label) for label in labels],
                                        levels=(0.0, 1.0), columns=len(images))

    def _draw_interpolation(self) -> None:
        fixed = self._fixed_digits()
        if fixed is None or self.replica is None:
            return
        images = fixed[1]
        a, b = self.from_box.currentIndex(), self.to_box.currentIndex()
        strip = latent.interpolate(self.replica.model, images[a], images[b], INTERPOLATION_STEPS)
        self.interpolation.set_images(strip, [str(a)] + [""] * (INTERPOLATION_STEPS - 2) + [str(b)],
                                      levels=(0.0, 1.0), columns=INTERPOLATION_STEPS)

    def _draw_manifold(self) -> None:
        two_d = self.replica is not None and self.replica.model.latent_dim == 2
        self.manifold_box.setVisible(two_d)
        self.manifold_note.setVisible(not two_d)
        if two_d:
            self.manifold.set_images(latent.manifold_grid(self.replica.model, size=15), levels=(0.0, 1.0),
                                     columns=15, pad=0)
