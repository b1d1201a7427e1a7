"""The Depth lab's Landscapes view: the loss landscapes of a finished experiment's nets, side by side.

For a preset whose claim includes them (the skip preset: the same deep net plain and
residual), once its nets have trained the lab measures each one's landscape with the
preset's settings, as ``resviz landscape --preset skip`` does (``core.landscape.random_plane``
on the final weights; the same images and directions for both, so they compare point for
point), in one background job with progress and Cancel, and draws them with the Landscape
tab's plot on one colour scale. The roughness of each goes to the results table.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ...core.checkpoints import build_with_state
from ...core.landscape import LandscapeCancelled, LandscapeSettings, random_plane
from ...core.runs import Run, RunStatus
from ..background import BackgroundRunner
from ..job_progress import JobProgress
from .landscape.plot import LandscapePlot

LOOK_FOR = ("What to look for: a wide bowl of even contour rings is easy to descend; rings crowded round the "
            "centre are a steep pit. Li et al. 2018 found the first for ResNet-56, the second without its skip "
            "connections; here the plain net's roughness should come out above the residual net's.")
WAITING = "When the nets have finished training, their loss landscapes are measured and drawn here."
PLOT_TIP = ("Colour: log₁₀ of the loss, one scale for both nets; the white cross is the trained weights, labelled "
            "with their own loss. A wide bowl of even rings is easy to descend; rings crowded round the centre "
            "are a steep pit.")


def measure_landscapes(nets: list[tuple[str, object]], dataset, settings: LandscapeSettings,
                       cancelled: Callable[[], bool], progress: Callable[[str, float], None]) -> list[tuple]:
    """[(title, Landscape, None)] for each (title, final Snapshot), one after another, off the GUI thread."""
    per_net = settings.grid ** 2
    total = per_net * len(nets)
    results = []
    for index, (title, snapshot) in enumerate(nets):
        model = build_with_state(snapshot.model, snapshot.model_config, snapshot.state)

        def step(_text, fraction, index=index, title=title):
            done = round((index + fraction) * per_net)
            progress(f"Computing the landscapes: {done:,} of {total:,} points ({title})…",
                     (index + fraction) / len(nets))

        results.append((title, random_plane(model, dataset, settings, progress=step, cancelled=cancelled), None))
    return results


class LabLandscapes(QWidget):
    measured = Signal(object)  # {run id: roughness} once the landscapes are in

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.settings: LandscapeSettings | None = None
        self.runs: list[Run] = []  # the finished nets the landscapes are (to be) measured for
        self.results: list[tuple] = []  # (title, Landscape, None), in the runs' order
        self.key: tuple[str, ...] = ()  # the run ids last computed (or being computed) for
        self._runner = BackgroundRunner(self)

        self.sentence = QLabel(wordWrap=True)
        self.sentence.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.sentence.setStyleSheet("color: #333;")
        self.status = QLabel(WAITING, wordWrap=True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setStyleSheet("color: #555;")
        self.progress = QProgressBar()
        self.progress.hide()
        self.job = JobProgress(self.progress, self.status)
        self.compute_button = QPushButton("Compute")
        self.compute_button.setToolTip("Measure both nets' landscapes again (in the background)")
        self.cancel_button = QPushButton("Cancel")
        self.plot = LandscapePlot()
        self.plot.setToolTip(PLOT_TIP)
        self.plot.hide()

        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.compute_button)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.sentence)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.plot, 1)
        self.compute_button.clicked.connect(self.compute)
        self.cancel_button.clicked.connect(self.cancel)
        self._update_buttons()

    def set_experiment(self, settings: LandscapeSettings | None, sentence: str) -> None:
        """A new experiment: forget the last one's landscapes (and stop measuring them)."""
        self.job.stop()
        self._runner.cancel()
        self.settings, self.runs, self.results, self.key = settings, [], [], ()
        what = f" Each landscape: {settings.text}." if settings is not None else ""
        self.sentence.setText((LOOK_FOR + what) if settings is not None else "")
        self.sentence.setToolTip(sentence)  # the preset's whole sentence, with the numbers we measured
        self.status.setText(WAITING)
        self.progress.hide()
        self.plot.clear()
        self.plot.hide()
        self._update_buttons()

    def follow(self, runs: list[Run]) -> None:
        """The experiment's runs changed: measure once all finished; say why not when one did not."""
        if self.settings is None or not runs or any(run.status.active for run in runs):
            return
        if any(run.status != RunStatus.DONE or not run.snapshots for run in runs):
            if not self._runner.busy:
                self.status.setText("Not measured: a net did not finish training (stopped or failed). "
                                    "Train the experiment again to see the landscapes.")
            return
        if tuple(run.id for run in runs) != self.key:
            self.runs = list(runs)
            self.compute()

    def compute(self) -> None:
        if not self.runs or self.settings is None or self._runner.busy:
            return
        self.key = tuple(run.id for run in self.runs)
        self.results = []
        self.status.setText("Loading the training images…")
        self.state.run_dataset_async(self.runs[0], self._compute_with, self._on_error)

    def _compute_with(self, dataset) -> None:
        if not self.runs or self._runner.busy:
            return
        nets = [(run.name.split(",")[0], run.snapshots[-1]) for run in self.runs]  # "plain 40": room for two plots
        total = self.settings.grid ** 2 * len(nets)
        cancelled = self.job.start(f"Computing the landscapes: 0 of {total:,} points…")
        self._runner.submit(measure_landscapes, nets, dataset, self.settings, cancelled,
                            on_result=self._on_result, on_error=self._on_error, on_progress=self.job.on_progress)
        self._update_buttons()

    def cancel(self) -> None:
        if self._runner.busy:
            self.job.cancel()

    def _update_buttons(self) -> None:
        busy = self._runner.busy
        self.cancel_button.setEnabled(busy)
        self.compute_button.setEnabled(not busy and bool(self.runs))

    def _on_error(self, message: str) -> None:
        """The job was cancelled or failed, or the training images did not load (before any bar was shown)."""
        self.key = ()  # nothing measured: the next finished experiment (or Compute) measures again
        self.job.failed(message, LandscapeCancelled, "The landscapes could not be measured",
                        cancelled="Cancelled: the landscapes were not measured. Press Compute to measure them.")
        self._update_buttons()

    def _on_result(self, results: list[tuple]) -> None:
        self.results = results
        self.job.finished()
        self.plot.show()
        self.plot.show_landscapes(results)
        seconds = sum(landscape.seconds for _, landscape, _ in results)
        self.status.setText(" · ".join(f"{title}: roughness {landscape.roughness:.3g}"
                                       for title, landscape, _ in results) + f" ({seconds:.0f} s)")
        self._update_buttons()
        self.measured.emit({run.id: landscape.roughness for run, (_, landscape, _) in zip(self.runs, results)})

    def cancel_background_work(self) -> None:
        self.job.stop()
