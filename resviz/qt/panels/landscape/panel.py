"""Landscape: the loss around the selected run's weights, and the path its training took (Li et al. 2018).

Compute measures the loss on a grid of points in a 2-D slice of weight space through the
weights shown (the run's newest, or the History snapshot chosen), in the background with
progress and Cancel. "Random directions" slices along two filter-normalised Gaussian
directions; "training path" slices along the first two principal directions of the run's
snapshots and draws the path over the contours. "Compare with" adds a second run, drawn
beside it on the same colour scale. "Contours | Surface" switches between the filled
contours and a 3-D surface of the same grid, drawn in software (``SurfaceView``: OpenGL is
missing offscreen and on many remote desktops), turned by dragging or the arrow keys.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
)

from ....core.landscape import MIN_SNAPSHOTS, LandscapeCancelled, LandscapeSettings
from ....core.landscape.settings import MAX_GRID, MAX_SPAN, MIN_GRID
from ...background import BackgroundRunner
from ...job_progress import JobProgress
from ...widgets.history_slider import HistorySlider
from ...widgets.surface_view import SurfaceView
from ..base import Panel, classifies
from .jobs import LandscapeRequest, compute_landscapes
from .plot import LandscapePlot

EMPTY = ("No classifier yet: train one (Training tab), open a checkpoint (File ▸ Open) or train the Depth lab's "
         "“Skip connections and the landscape” preset, then press Compute to see the loss around its weights.")
RANDOM, PATH = "random", "path"
CONTOURS, SURFACE = 0, 1  # the pages of the view stack, in the order of the toggle's buttons
FILTER_NORMALISED = (
    "Two random directions in weight space, filter-normalised (Li et al. 2018): each filter of a direction is "
    "rescaled to the norm of the same filter of the weights, so a step of 1 changes every filter by as much as it "
    "is big, and nets of different scale compare. Biases and BatchNorm's parameters are not moved.")
WHAT_TO_LOOK_FOR = (
    "What to look for: a wide, round bowl of even contour rings is a landscape that is easy to descend; rings "
    "crowded close to the centre, or islands and ridges, are a sharp, chaotic one. Deep plain nets look like the "
    "second, residual nets of the same depth like the first.")


class LandscapePanel(Panel):
    title = "Landscape"
    description = ("The loss around the run's weights on a 2-D slice of weight space, and the path training took "
                   "(Li et al. 2018): why residual connections make deep nets trainable.")
    shows = classifies

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self._runner = BackgroundRunner(self)
        self.results: list[tuple] = []
        self._build()
        self._check_shown_model()
        self.refresh()

    def _build(self) -> None:
        defaults = LandscapeSettings()
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.heading.setWordWrap(True)
        self.plane_box = QComboBox()
        self.plane_box.addItem("random directions (filter-normalised)", RANDOM)
        self.plane_box.addItem("training path (PCA of the snapshots)", PATH)
        self.plane_box.setToolTip(FILTER_NORMALISED + "\n\nTraining path: the plane in which the run's snapshots "
                                  "moved most (the first two principal directions of snapshot − final weights); "
                                  f"needs {MIN_SNAPSHOTS} or more snapshots.")
        self.grid_box = QSpinBox(minimum=MIN_GRID, maximum=MAX_GRID, value=defaults.grid, singleStep=2)
        self.grid_box.setToolTip("Points per axis: N×N forward passes over the images. 21×21 of the seed ResNet on "
                                 "1,000 images takes well under a minute on a laptop CPU.")
        self.span_box = QDoubleSpinBox(minimum=0.05, maximum=MAX_SPAN, value=defaults.span, singleStep=0.25)
        self.span_box.setToolTip("α and β run from −span to +span, in units of each filter's own norm: at 1, every "
                                 "filter has moved by as much as it is big. (The training-path plane sets its own "
                                 "span from the path.)")
        self.subset_box = QSpinBox(minimum=10, maximum=60_000, value=defaults.subset, singleStep=100)
        self.subset_box.setToolTip("Training images every point is scored on: the same ones for every point and "
                                   "every run (chosen by a fixed seed), so the surfaces compare.")
        self.compare_box = QComboBox()
        self.compare_box.setToolTip("Draw a second run's landscape beside this one, on one colour scale: a plain "
                                    "and a residual net of the same depth, say.")
        self.compute_button = QPushButton("Compute")
        self.compute_button.setToolTip("Measure the loss at every point of the grid, in the background")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.hide()
        self.status = QLabel(wordWrap=True)
        self.status.setStyleSheet("color: #555;")
        self.job = JobProgress(self.progress, self.status)
        self.explained = QLabel(wordWrap=True)
        self.plot = LandscapePlot()
        self.plot.setToolTip(WHAT_TO_LOOK_FOR + "\n\nColour: log₁₀ of the loss, one scale for every landscape shown; "
                             "the white cross is the trained weights, labelled with their own loss.")
        self.surface = SurfaceView()
        self.views = QStackedWidget()
        self.views.addWidget(self.plot)
        self.views.addWidget(self.surface)
        self.view_buttons = QButtonGroup(self)
        view_row = QHBoxLayout()
        view_row.setSpacing(0)
        for page, (text, tip) in enumerate((
                ("Contours", "Filled contours of log₁₀ loss seen from above, with the training path"),
                ("Surface", "The same grid as a 3-D surface: height and colour are log₁₀ loss; drag or use the "
                            "arrow keys to turn it"))):
            button = QPushButton(text, checkable=True, checked=page == CONTOURS, toolTip=tip)
            self.view_buttons.addButton(button, page)
            view_row.addWidget(button)
        self.empty = QLabel(EMPTY, wordWrap=True)
        self.empty.setStyleSheet("color: #777; font-size: 14px; padding: 30px;")
        self.history = HistorySlider(self.state)

        controls = QGridLayout()
        controls.addWidget(QLabel("Plane"), 0, 0)
        controls.addWidget(self.plane_box, 0, 1, 1, 3)
        controls.addWidget(QLabel("Compare with"), 0, 4)
        controls.addWidget(self.compare_box, 0, 5, 1, 2)
        controls.addWidget(QLabel("Grid"), 1, 0)
        controls.addWidget(self.grid_box, 1, 1)
        controls.addWidget(QLabel("Span ±"), 1, 2)
        controls.addWidget(self.span_box, 1, 3)
        controls.addWidget(QLabel("Images"), 1, 4)
        controls.addWidget(self.subset_box, 1, 5)
        buttons = QHBoxLayout()
        buttons.addWidget(self.compute_button)
        buttons.addWidget(self.cancel_button)
        controls.addLayout(buttons, 1, 6)
        controls.addLayout(view_row, 0, 7)
        controls.setColumnStretch(8, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.heading)
        layout.addLayout(controls)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.views, 1)
        layout.addWidget(self.explained)
        layout.addWidget(self.history)

        self.compute_button.clicked.connect(self.compute)
        self.cancel_button.clicked.connect(self.cancel)
        self.view_buttons.idClicked.connect(self.views.setCurrentIndex)
        self.plane_box.currentIndexChanged.connect(self._update_controls)
        self.state.run_added.connect(self._sync_compare_box)
        self.state.run_removed.connect(self._sync_compare_box)
        self.state.history_changed.connect(self._update_controls)

    # --- what is shown -----------------------------------------------------------------------------
    def on_shown_model_changed(self, *, newer_weights: bool = False) -> None:
        self._sync_compare_box()
        self.refresh_when_visible(newer_weights=newer_weights)

    def refresh(self) -> None:
        run = self.shown_run()
        has_model = run is not None and self.shown_replica() is not None
        self.empty.setVisible(not has_model and not self.results)
        self.views.setVisible(bool(self.results))
        if has_model:
            replica = self.shown_replica()
            self.heading.setText(f"{self.state.run_title(run.id)} at step {replica.step:,}")
        else:
            self.heading.setText("")
        self._update_controls()

    def _classifier_runs(self) -> list:
        return [run for run in self.state.runs if run.classifies and self.state.snapshots(run.id)]

    def _sync_compare_box(self, *_args) -> None:
        shown = self.shown_run()
        wanted = [(None, "— nothing —")] + [(run.id, self.state.run_title(run.id)) for run in self._classifier_runs()
                                            if shown is None or run.id != shown.id]
        if [(self.compare_box.itemData(i), self.compare_box.itemText(i))
                for i in range(self.compare_box.count())] == wanted:
            return
        current = self.compare_box.currentData()
        self.compare_box.blockSignals(True)
        self.compare_box.clear()
        for run_id, text in wanted:
            self.compare_box.addItem(text, run_id)
        index = self.compare_box.findData(current)
        self.compare_box.setCurrentIndex(max(index, 0))
        self.compare_box.blockSignals(False)

    def _path_snapshots(self, run_id: str) -> list:
        """The run's snapshots up to the one shown (History), oldest first: the path to those weights."""
        snapshots = self.state.snapshots(run_id)
        index = self.state.history_index(run_id)
        return snapshots if index is None else snapshots[:index + 1]

    def _update_controls(self, *_args) -> None:
        run = self.shown_run()
        busy = self._runner.busy
        path = self.plane_box.currentData() == PATH
        enough = run is not None and len(self._path_snapshots(run.id)) >= MIN_SNAPSHOTS
        self.compute_button.setEnabled(run is not None and not busy and (enough or not path))
        self.cancel_button.setEnabled(busy)
        self.span_box.setEnabled(not path)
        if path and run is not None and not enough:
            self.status.setText(f"The training path needs {MIN_SNAPSHOTS} or more snapshots of the run; this one has "
                                f"{len(self._path_snapshots(run.id))}. Train it (snapshots are kept as it trains) or "
                                "use random directions.")

    # --- computing --------------------------------------------------------------------------------
    def settings(self) -> LandscapeSettings:
        return LandscapeSettings(grid=self.grid_box.value(), span=round(self.span_box.value(), 4),
                                 subset=self.subset_box.value())

    def compute(self) -> None:
        run = self.shown_run()
        if run is None or self._runner.busy:
            return
        self.status.setText("Loading the training images…")
        self.state.run_dataset_async(run, self._compute_with, self._on_error)

    def _request(self, run_id: str, dataset) -> LandscapeRequest:
        replica = self.state.replica(run_id)
        title = f"{self.state.run_title(run_id)}, step {replica.step:,}"
        if self.plane_box.currentData() == PATH:
            snapshots = self._path_snapshots(run_id)
            if len(snapshots) >= MIN_SNAPSHOTS:
                return LandscapeRequest(title, replica.model, dataset, [s.state for s in snapshots],
                                        snapshots[-1].state)
        return LandscapeRequest(title, replica.model, dataset)

    def _compute_with(self, dataset) -> None:
        run = self.shown_run()
        if run is None or self.shown_replica() is None:
            return
        requests = [self._request(run.id, dataset)]
        other = self.compare_box.currentData()
        if other is not None and self.state.replica(other) is not None:
            requests.append(self._request(other, dataset))
        settings = self.settings()
        cancelled = self.job.start(f"Computing {settings.text}…")
        self._runner.submit(compute_landscapes, requests, settings, cancelled,
                            on_result=self._on_result, on_error=self._on_error, on_progress=self.job.on_progress)
        self._update_controls()

    def cancel(self) -> None:
        self.job.cancel()

    def cancel_background_work(self) -> None:
        self.job.stop()

    def _on_error(self, message: str) -> None:
        self.job.failed(message, LandscapeCancelled, "The landscape could not be computed")
        self._update_controls()

    def _on_result(self, results: list[tuple]) -> None:
        self.results = results
        self.job.finished()
        self.plot.show_landscapes(results)
        self.surface.show_landscapes(results, self.plot.levels)
        seconds = sum(landscape.seconds for _, landscape, _ in results)
        self.status.setText(" · ".join(f"{title}: centre loss {landscape.center_loss:.3f}, roughness "
                                       f"{landscape.roughness:.2f}" for title, landscape, _ in results)
                            + f" ({seconds:.0f} s)")
        paths = [(title, path) for title, _, path in results if path is not None]
        self.explained.setText(" · ".join(f"{title}: the two directions explain {100 * path.explained:.0f} % of "
                                          "the variance of the snapshots" for title, path in paths))
        self.refresh()
