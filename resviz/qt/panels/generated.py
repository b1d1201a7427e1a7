"""Generated digits: what a VAE draws from random points of its latent space.

A VAE is trained so that its latent means spread like the prior N(0, I) (cvae-mix learns
its prior, a Gaussian mixture, in training); decoding points drawn from that prior then
gives new digits, as in seed 000's "Generated Data
with Model 1 / Model 2". Each trained VAE gets its own grid, side by side: the
convolutional VAE first, seed 000's models next to it, so the difference between
their decoders is the lesson (``WHY_SEED_BLURS``). The latent points stay the same
until "New samples", so while a VAE trains you watch the same points turn from noise
into digits.

The temperature slider draws z from N(0, T²I) (a learned mixture: each Gaussian T² as
wide): below 1 the points sit nearer the prior's centre, where the decoder saw the most codes (Glow samples at T = 0.7).
"Score these samples" asks a digit classifier trained on real MNIST (never the VAE
itself; ``core/evaluation/digit_judge.py``) how sure it is of 1,000 of each VAE's
samples at that temperature, beside how sure it is of real test digits.

"Prior: fitted mixture" draws z instead from a Gaussian mixture fitted to the latent
means of the VAE's training digits (ex-post density estimation, Ghosh et al. 2020;
``generated_prior.py`` fits it off the GUI thread, once per set of weights): the
points then fall where the training digits' codes are, not in the gaps between them,
and the judge believes the 8-epoch cvae's samples 0.97 instead of 0.86. The decoder is
the same; only where z comes from changes.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QVBoxLayout,
)

from ...core.analysis.latent import has_learned_prior, prior_name
from ...core.analysis.latent_prior import generated_digits
from ...core.evaluation.belief_report import BeliefReport, score_vaes
from ...core.evaluation.sample_belief import BeliefScore, collapse_note
from ..background import BackgroundRunner
from ..widgets.elided_group_box import ElidedGroupBox
from ..widgets.image_grid import ImageGrid
from .base import Panel
from .generated_prior import MixturePriors
from .latent import NO_VAE
from .vae_names import has_seed_decoder, model_title, picker_rank, run_label, training_note

COLUMNS = 3  # grids side by side: cvae, Model 1, Model 2
WHY_SEED_BLURS = ("Why seed 000's decoder draws stripes and blurs: it ends in a Linear(3, 28) applied to every "
                  "row, so each row of a digit is a mix of the same three learned row patterns; the conv VAE's "
                  "transposed convolutions place every pixel.")
COMPARE_HINT = ("Train vae1 or vae2 (seed 000's Models 1 and 2) as well to see their digits beside the conv "
                "VAE's: the difference between the decoders is the lesson.")
STALE_TIP = "This score is of other samples or older weights: press 'Score these samples' again. "
SCORED_SAMPLES = 1000  # the 1,000 prior samples; the grid shows the first of them
TEMPERATURE_STEPS = 100  # slider positions per unit of T
MAX_TEMPERATURE = 1.5
TEMPERATURE_TIP = ("Sampling temperature T: z is drawn from N(0, T²I) (cvae-mix: its learned mixture, each "
                   "Gaussian T² as wide). T = 1 is the prior the VAE was trained to match; below 1 the points sit "
                   "nearer its centre, where the decoder saw the most codes: fewer in-between shapes, less variety "
                   "(Glow and others sample at T = 0.7). T = 0 draws the decode of z = 0 every time (a mixture: of "
                   "its components' means).")
PRIOR_TIP = ("Where z comes from. Trained prior: the one the VAE was trained with, N(0, I) (cvae-mix: the "
             "mixture it learned); N(0, I)'s points often fall in "
             "the gaps between the training digits' codes, where the decoder draws in-between shapes. Fitted "
             "mixture: 30 Gaussians fitted to the latent means of the training digits (Ghosh et al. 2020), fitted "
             "in the background the first time (10-20 s), then kept; the decoder is unchanged. Seed 000's VAEs "
             "stay on N(0, I): their latents are too large for it. At temperature T each Gaussian is T² as wide.")
PRIORS = (("trained prior", "normal"), ("fitted mixture", "mixture"))
JUDGE_TIP = ("The judge: {judge}. Trained on real MNIST digits only and never the VAE it judges; kept in "
             "the checkpoints folder ({path}). 'Sure' is the mean over the samples of its top-class probability; "
             "the rarest digit is the one it names least often (every digit is 10% of real ones); diversity is "
             "the mean pixel distance between two images (near 0: every sample alike).")


class GeneratedPanel(Panel):
    title = "Generated"
    description = ("New digits a VAE makes up: decodes of random latent points drawn from the prior it was trained "
                   "with (N(0, I), or the mixture cvae-mix learns) or from a mixture fitted to its training "
                   "digits' codes, "
                   "for each trained VAE side by side.")

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.seed = 0
        self.grids: dict[str, ImageGrid] = {}
        self._boxes: dict[str, ElidedGroupBox] = {}
        self._stale: set[str] = set()
        self.score_labels: dict[str, QLabel] = {}
        self._report: BeliefReport | None = None  # the newest scores: its judge and reference are reused
        self._scoring_steps: dict[str, int] = {}  # the weights' step each VAE was scored at
        self._cancel = threading.Event()
        self._score_runner = BackgroundRunner(self)
        self._drawn_priors: dict[str, tuple] = {}  # per VAE: (the mixture its grid was drawn from or None, why)
        self.priors = MixturePriors(state, self)
        self.priors.fitted.connect(self._on_mixture_fitted)
        self.priors.progress.connect(self._on_mixture_progress)
        self.priors.failed.connect(self._on_mixture_failed)
        self._build()
        self._connect_state()

    # --- the app state (kept to these few methods, so a new state layer needs only them) --------
    def _connect_state(self) -> None:
        self.state.vae_changed.connect(self._on_run_changed)
        self.state.selection_changed.connect(self._on_selection)
        self.state.run_removed.connect(self._on_run_removed)
        for run_id in self.state.vaes:
            self._on_run_changed(run_id)

    def _run_of(self, name: str):
        """The run shown for VAE model ``name``: the selected run if it is one, else its newest."""
        selected = self.state.selected_run()
        if selected is not None and selected.model == name and selected.snapshots:
            return selected
        runs = [run for run in self.state.runs if run.model == name and run.snapshots]
        return runs[-1] if runs else None

    def _learns_its_prior(self, name: str) -> bool:
        """Whether VAE ``name``'s shown weights carry a prior learned in training (cvae-mix), not N(0, I)."""
        replica = self._replica(name)
        return replica is not None and has_learned_prior(replica.model)

    def _replica(self, name: str):
        """The weights shown for VAE model ``name`` (its shown run's; a ModelReplica), or None."""
        run = self._run_of(name)
        return self.state.replica(run.id) if run is not None else None

    def _on_run_changed(self, run_id: str) -> None:
        run = self.state.run(run_id)
        if run is not None and run.generates and self._run_of(run.model) is run:
            self._on_vae_changed(run.model)

    def _on_selection(self) -> None:
        run = self.state.selected_run()
        if run is not None and run.generates and run.snapshots:
            self._on_vae_changed(run.model)

    def _on_run_removed(self, run_id: str) -> None:
        self.priors.forget(run_id)
        for name in list(self.grids):
            if self._run_of(name) is None:
                box = self._boxes.pop(name)
                self.grids.pop(name)
                self.score_labels.pop(name)
                self._drawn_priors.pop(name, None)
                self.grid_row.removeWidget(box)
                box.deleteLater()
            else:
                self._on_vae_changed(name)
        self.message.setVisible(not self.grids)
        self._update_lesson()
        self._update_score_button()
        self._show_prior_status()

    def _build(self) -> None:
        self.regenerate_button = QPushButton("New samples")
        self.regenerate_button.setToolTip("Draw new random points from the prior and decode them")
        self.count_box = QComboBox()
        for n in (36, 64, 100):
            self.count_box.addItem(f"{n} digits", n)
        self.count_box.setCurrentIndex(1)
        self.count_box.setToolTip("How many prior samples each grid shows")
        self.message = QLabel(NO_VAE, wordWrap=True)
        self.message.setStyleSheet("color: #b35900;")
        note = QLabel("Each digit is decode(z), z drawn from the prior chosen above at temperature T; the same points "
                      "are kept while the VAE trains, so you see them turn from noise into digits.", wordWrap=True)
        note.setStyleSheet("color: #555;")
        self.temperature_slider = QSlider(Qt.Orientation.Horizontal)
        self.temperature_slider.setRange(0, int(MAX_TEMPERATURE * TEMPERATURE_STEPS))
        self.temperature_slider.setValue(TEMPERATURE_STEPS)  # T = 1: the prior itself
        self.temperature_slider.setToolTip(TEMPERATURE_TIP)
        self.temperature_slider.setMinimumWidth(100)
        self.temperature_label = QLabel()
        self.temperature_label.setToolTip(TEMPERATURE_TIP)
        self.score_button = QPushButton("Score these samples")
        self.score_button.setToolTip(f"Ask a digit classifier trained on real MNIST how sure it is of "
                                     f"{SCORED_SAMPLES:,} samples of each VAE at this temperature, and of as many "
                                     "real test digits (the first time it trains that classifier: a minute or two)")
        self.score_progress = QProgressBar()
        self.score_progress.setRange(0, 1000)
        self.score_progress.setVisible(False)
        self.score_status = QLabel(wordWrap=True)
        self.score_status.setStyleSheet("color: #555;")
        self.prior_box = QComboBox()
        for text, key in PRIORS:
            self.prior_box.addItem(text, key)
        self.prior_box.setToolTip(PRIOR_TIP)
        prior_label = QLabel("Prior:")
        prior_label.setToolTip(PRIOR_TIP)
        self.prior_progress = QProgressBar()
        self.prior_progress.setRange(0, 1000)
        self.prior_progress.setMaximumWidth(160)
        self.prior_progress.setVisible(False)
        self.prior_status = QLabel(wordWrap=True)
        self.prior_status.setStyleSheet("color: #555;")
        prior_row = QHBoxLayout()
        prior_row.addWidget(prior_label)
        prior_row.addWidget(self.prior_box)
        prior_row.addWidget(self.prior_progress)
        prior_row.addWidget(self.prior_status, 1)
        controls = QHBoxLayout()
        controls.addWidget(self.regenerate_button)
        controls.addWidget(self.count_box)
        controls.addWidget(self.temperature_label)
        controls.addWidget(self.temperature_slider)
        controls.addWidget(self.score_button)
        controls.addWidget(self.score_progress)
        controls.addWidget(self.score_status, 1)
        self.lesson = QLabel(wordWrap=True)
        self.lesson.setStyleSheet("color: #333;")
        self.lesson.setVisible(False)
        self.grid_row = QGridLayout()  # side by side, COLUMNS to a row
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addLayout(prior_row)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(self.lesson)
        layout.addLayout(self.grid_row, 1)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.count_box.currentIndexChanged.connect(lambda _: self.redraw_all())
        self.temperature_slider.valueChanged.connect(self._on_temperature)
        self.prior_box.currentIndexChanged.connect(self._on_prior)
        self.score_button.clicked.connect(self.score_samples)
        self._show_temperature()
        self._update_score_button()

    @property
    def temperature(self) -> float:
        return self.temperature_slider.value() / TEMPERATURE_STEPS

    def _show_temperature(self) -> None:
        self.temperature_label.setText(f"Temperature T = {self.temperature:.2f}")

    def _on_temperature(self, _value: int) -> None:
        self._show_temperature()
        self.redraw_all()
        self._mark_scores_stale()

    @property
    def prior(self) -> str:
        """'normal' or 'mixture': what the grids draw z from."""
        return self.prior_box.currentData()

    def _on_prior(self, _index: int) -> None:
        self.redraw_all()
        self._mark_scores_stale()
        self._show_prior_status()

    def _mixture(self, name: str, replica) -> tuple:
        """The mixture to draw ``name``'s z from (None: the prior it was trained with) and a few words saying which."""
        if self.prior == "normal":
            return None, prior_name(replica.model)
        return self.priors.choose(name, self._run_of(name), replica)

    def _on_mixture_fitted(self, name: str) -> None:
        if name in self.grids:
            self.redraw(name)
            self._mark_scores_stale(name)
        self._show_prior_status()

    def _on_mixture_progress(self, message: str, fraction: float) -> None:
        self.prior_progress.setValue(int(1000 * fraction))
        self.prior_progress.setVisible(True)
        self.prior_status.setText(f"Fitting the mixture prior of {message}")

    def _on_mixture_failed(self, message: str) -> None:
        self._show_prior_status()
        self.prior_status.setText(f"Could not fit the mixture prior of {message}; the prior it was trained with "
                                  "is used instead.")

    def _show_prior_status(self) -> None:
        """One line under the controls: which prior each grid draws from."""
        self.prior_progress.setVisible(self.prior == "mixture" and self.priors.busy)
        if self.prior == "normal":
            learned = [model_title(name) for name in self.grids if self._learns_its_prior(name)]
            if not learned:
                text = "z ~ N(0, T²I), the prior each VAE was trained to match."
            elif len(learned) == len(self.grids):
                text = (f"z from the mixture prior {' and '.join(learned)} learned in training "
                        "(each Gaussian T² as wide).")
            else:
                text = ("z from the prior each VAE was trained with: N(0, T²I), and for "
                        f"{', '.join(learned)} the mixture it learned (each Gaussian T² as wide).")
            self.prior_status.setText(text)
            self.prior_status.setToolTip(PRIOR_TIP)
            return
        if self.priors.busy:  # the fit's progress says what it does; until its first word, this
            if not self.prior_status.text().startswith("Fitting"):
                self.prior_status.setText("Fitting the mixture prior in the background…")
            return
        parts, hows = [], []
        for name, (_, why) in self._drawn_priors.items():
            parts.append(f"{model_title(name)}: {why}")
            run = self._run_of(name)
            how = self.priors.how(run.id) if run is not None else ""
            if how:
                hows.append(f"{model_title(name)}: {how}")
        self.prior_status.setText("; ".join(parts) + "." if parts else "")
        self.prior_status.setToolTip("\n".join([PRIOR_TIP, *hows]))

    def regenerate(self) -> None:
        self.seed += 1
        self.redraw_all()
        self._mark_scores_stale()

    def redraw_all(self) -> None:
        for name in list(self.grids):
            self.redraw(name)

    def _on_vae_changed(self, name: str) -> None:
        if name not in self.grids:
            self._add_grid(name)
        if self.isVisible():
            self.redraw(name)
        else:
            self._stale.add(name)  # no work for a hidden tab

    def showEvent(self, event) -> None:
        super().showEvent(event)
        for name in list(self._stale):
            self.redraw(name)

    def _add_grid(self, name: str) -> None:
        box = ElidedGroupBox(f"Generated with {model_title(name)}")  # three titles must fit 900 px
        grid = ImageGrid(colorbar=False)
        grid.setMinimumSize(150, 150)  # shrinks before the score below it is drawn over (900×600)
        grid.setToolTip("Pixel probabilities of decode(z), z drawn from the chosen prior")
        score = QLabel(wordWrap=True)
        score.setStyleSheet("color: #333;")
        score.setVisible(False)
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(grid, 1)
        box_layout.addWidget(score)
        self.grids[name], self._boxes[name], self.score_labels[name] = grid, box, score
        order = sorted(self.grids, key=picker_rank)  # the conv VAEs first, then seed 000's Model 1, Model 2
        for other in order:
            self.grid_row.removeWidget(self._boxes[other])
        for index, other in enumerate(order):
            self.grid_row.addWidget(self._boxes[other], index // COLUMNS, index % COLUMNS)
        self.message.setVisible(False)
        self._update_lesson()
        self._update_score_button()

    def _update_lesson(self) -> None:
        """Say why the seed's digits blur beside a conv VAE's; or suggest training one to compare."""
        shown = list(self.grids)
        text = WHY_SEED_BLURS if any(map(has_seed_decoder, shown)) else (COMPARE_HINT if shown else "")
        self.lesson.setText(text)
        self.lesson.setVisible(bool(text))

    def redraw(self, name: str) -> None:
        self._stale.discard(name)
        replica = self._replica(name)
        if replica is None:
            return
        count = self.count_box.currentData()
        mixture, why = self._mixture(name, replica)
        self._drawn_priors[name] = (mixture, why)
        samples = generated_digits(replica.model, count, self.seed, self.temperature, mixture)
        self.grids[name].set_images(samples, levels=(0.0, 1.0), columns=int(np.ceil(np.sqrt(count))))
        note = training_note(name, replica.step)
        run = self._run_of(name)
        box = self._boxes[name]
        box.set_full_title(f"{run_label(self.state, run.id)} · step {replica.step:,}, epoch {replica.epoch}"
                           + (" · still learning" if note else ""))
        box.set_tip(note or f"Decodes of {count} points drawn from {why}, T = {self.temperature:.2f}")
        if self._scoring_steps.get(name, replica.step) != replica.step:
            self._mark_scores_stale(name)
        self._show_prior_status()

    def samples(self, name: str) -> np.ndarray | None:
        """What the grid of ``name`` shows (for tests)."""
        grid = self.grids.get(name)
        return None if grid is None else grid.mosaic()

    # --- scoring: how sure a digit classifier is of the samples --------------------------------
    def _update_score_button(self) -> None:
        self.score_button.setEnabled(bool(self.grids) and not self._score_runner.busy)

    def score_samples(self) -> None:
        """Judge SCORED_SAMPLES samples of every shown VAE (at the shown T and seed), off the GUI thread."""
        vaes, steps, mixtures, priors = {}, {}, {}, {}
        for name in self.grids:
            replica = self._replica(name)
            if replica is not None:
                vaes[name], steps[name] = replica.model, replica.step
                mixture, why = self._drawn_priors.get(name, (None, prior_name(replica.model)))
                priors[name] = ("fitted mixture" if mixture is not None else prior_name(replica.model), why)
                if mixture is not None:
                    mixtures[name] = mixture
        if not vaes:
            return
        self._cancel.clear()
        self.score_button.setEnabled(False)
        self.score_progress.setValue(0)
        self.score_progress.setVisible(True)
        self.score_status.setText("Scoring…")
        temperature = self.temperature
        self._score_runner.submit(
            score_vaes, vaes, lambda: self.state.dataset("mnist"), SCORED_SAMPLES, self.seed, temperature,
            cancelled=self._cancel.is_set, known=self._report, mixtures=mixtures,
            on_result=lambda report: self._on_scored(report, steps, priors), on_error=self._on_score_failed,
            on_progress=self._on_score_progress)

    def _on_score_progress(self, message: str, fraction: float) -> None:
        self.score_progress.setValue(int(1000 * fraction))
        self.score_status.setText(message)

    def _on_scored(self, report: BeliefReport, steps: dict[str, int], priors: dict[str, tuple]) -> None:
        self._report = report
        self.score_progress.setVisible(False)
        self._update_score_button()
        self.score_status.setText(f"Judged by {report.judge.description}.")
        tip = JUDGE_TIP.format(judge=report.judge.description, path=report.judge.path)
        self.score_status.setToolTip(tip)
        for name, score in report.samples.items():
            label = self.score_labels.get(name)
            if label is None:
                continue  # its run went meanwhile
            self._scoring_steps[name] = steps[name]
            warning = collapse_note(score, report.reference)
            prior, why = priors[name]
            label.setText(score_text(score, report.reference, report.temperature, steps[name], prior))
            label.setToolTip(f"{score.count:,} samples of {name} at T = {report.temperature:.2f}, z from "
                             f"{why}, weights of step {steps[name]:,}. " + tip)
            label.setStyleSheet("color: #b35900;" if warning else "color: #333;")
            label.setVisible(True)

    def _on_score_failed(self, message: str) -> None:
        self.score_progress.setVisible(False)
        self._update_score_button()
        self.score_status.setText(f"Could not score the samples: {message}")

    def _mark_scores_stale(self, name: str | None = None) -> None:
        """The shown samples changed (temperature, new points, new weights): the old score is greyed."""
        for key in [name] if name else list(self.score_labels):
            label = self.score_labels.get(key)
            if label is not None and label.isVisible() and not label.toolTip().startswith(STALE_TIP):
                label.setStyleSheet("color: #999;")
                label.setToolTip(STALE_TIP + label.toolTip())

    def cancel_background_work(self) -> None:
        self._cancel.set()
        self.priors.cancel()


def score_text(samples: BeliefScore, reference: BeliefScore, temperature: float, step: int,
               prior: str = "N(0, I)") -> str:
    """'A digit classifier is 0.83 sure of these samples, 0.97 of real digits', then the rest (or why the
    number means little: a collapse), for one VAE."""
    first = (f"A digit classifier is <b>{samples.belief:.2f}</b> sure of these samples, "
             f"<b>{reference.belief:.2f}</b> of real digits")
    warning = collapse_note(samples, reference)
    rest = (f"but {warning}" if warning else
            f"rarest digit {samples.rarest_digit}: {samples.min_digit_share:.0%} · diversity {samples.diversity:.1f} "
            f"(real {reference.diversity:.1f})")
    return f"{first}<br>{rest} · T = {temperature:.2f}, step {step:,} · z from {prior}"
