"""The Depth lab tab: plain, residual, highway and dense stacks trained side by side (seeds 000, 001, 002, 004).

Pick a preset — each reproduces one claim of the seeds and says under it what to look
for — or make your own list of nets. Train starts them as runs, alongside each other,
with per-layer gradient norms and activation statistics recorded. While they train:
their loss curves overlaid, a gradient-norm heatmap per run (layer × step, one log
colour scale: a dark bottom = the gradient vanished on its way down), and each layer's
activation std and mean. The table sums each run up as ``resviz depth`` does. A preset
whose claim includes the loss landscapes (skip) measures both nets' once they have trained
(``depth_lab_landscapes.py``): side by side in a Landscapes view, the roughness in the table.

Everything follows the runs' signals; redraws are throttled by the widgets, and a
hidden tab only remembers that it owes one (``Panel.refresh_when_visible``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...core.depth_lab import PRESETS, Recipe
from ...core.landscape import LandscapeSettings
from ...core.runs import Run
from ..widgets.activation_profiles import ActivationProfiles
from ..widgets.depth_configs import DepthConfigList
from ..widgets.form_scroll import FormScrollArea
from ..widgets.gradient_heatmaps import GradientHeatmaps
from ..widgets.lab_results_table import LabResultsTable
from ..widgets.plot_export import ExportButton, plot_csv
from ..widgets.training_curves import TrainingCurves
from .base import Panel
from .depth_lab_landscapes import LabLandscapes

CUSTOM = "custom"  # the picker's entry for a list a person edited
RECORD = ("grad_norms", "activations")
SNAPSHOT_EVERY = 50  # steps: the other tabs (filters, feature maps) can inspect a lab run too
TABLE_MS = 250
WIDE_LAYOUT = 1150  # px: from this wide, the loss curves sit beside the heatmaps  # the table redraws at most 4 times a second
LANDSCAPES_WIDTH = 580  # px: two landscapes and their colour bar side by side, titles unclipped
CUSTOM_SENTENCE = ("Your own configurations, trained with the recipe below. Compare the final training losses, "
                   "and in the heatmaps how much gradient reaches each net's first layers.")


def _wrapping_label(text: str = "", style: str = "") -> QLabel:
    label = QLabel(text, wordWrap=True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # wraps, never widens
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if style:
        label.setStyleSheet(style)
    return label


def _titled(title: str, widget: QWidget, export: ExportButton | None) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    header = QHBoxLayout()
    header.addWidget(QLabel(f"<b>{title}</b>"))
    header.addStretch(1)
    if export is not None:
        header.addWidget(export)
    layout.addLayout(header)
    layout.addWidget(widget, 1)
    return box


class LabCurves(TrainingCurves):
    """TrainingCurves for the lab: the training losses are what compare, so the first run's test loss
    (drawn in a colour of its own, which another run may wear) is left out; so are epoch lines, ten or
    twenty over a small subset. The legends sit under the plots, as on every plot."""

    def __init__(self, parent=None):
        super().__init__(parent, epoch_lines=False, test_loss=False)


class DepthLabPanel(Panel):
    title = "Depth lab"
    description = ("Plain, residual, highway and dense nets side by side: why a deep plain stack trains worse, "
                   "and how residual connections and BatchNorm let the gradient reach every layer.")

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.run_ids: list[str] = []  # the runs of the last Train, in list order
        self.recipe: Recipe = next(iter(PRESETS.values())).recipe
        self.target_loss: float | None = None
        self.landscape_settings: LandscapeSettings | None = None  # the picked preset's; None: it measures none
        self._pending: set[str] = set()  # what changed since the last refresh
        self._shown_ids: list[str] = []  # the runs the views were last set to
        self._build()
        state.run_changed.connect(self._on_run_changed)
        state.run_removed.connect(self._on_run_removed)
        self.pick_preset(next(iter(PRESETS)))

    # --- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.preset_box = QComboBox()
        for key, preset in PRESETS.items():
            self.preset_box.addItem(preset.title, key)
            self.preset_box.setItemData(self.preset_box.count() - 1, preset.title, Qt.ItemDataRole.ToolTipRole)
        self.preset_box.addItem("Your own configurations", CUSTOM)
        self.preset_box.setToolTip("Each preset reproduces one claim of the seeds in a few minutes on a CPU")
        self.preset_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset_box.setMinimumContentsLength(12)
        self.sentence = _wrapping_label()
        self.recipe_label = _wrapping_label(style="color: #555;")
        self.recipe_label.setToolTip("How every net of the experiment is trained, so that they compare")
        self.configs = DepthConfigList()
        self.train_button = QPushButton("Train")
        self.train_button.setToolTip("Train every net in the list at once, as runs side by side")
        self.train_button.setStyleSheet("QPushButton { font-weight: bold; padding: 6px 16px; }")
        self.stop_button = QPushButton("Stop all")
        self.stop_button.setToolTip("Stop every run of the Depth lab (each keeps what it trained so far)")
        self.status = _wrapping_label(style="color: #555;")

        experiment = QGroupBox("Experiment")
        experiment_layout = QVBoxLayout(experiment)
        experiment_layout.addWidget(self.preset_box)
        experiment_layout.addWidget(self.sentence)
        experiment_layout.addWidget(self.recipe_label)
        nets = QGroupBox("Nets to train")
        QVBoxLayout(nets).addWidget(self.configs)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.stop_button)
        controls = QWidget()
        left_layout = QVBoxLayout(controls)
        left_layout.setContentsMargins(0, 0, 4, 0)
        left_layout.addWidget(experiment)
        left_layout.addLayout(buttons)  # under the experiment it starts, visible without scrolling
        left_layout.addWidget(self.status)
        left_layout.addWidget(nets)
        left_layout.addStretch(1)
        left = FormScrollArea(controls)  # on a short screen the controls scroll instead of being cut off
        left.setFixedWidth(280)

        self.curves = LabCurves()
        self.heatmaps = GradientHeatmaps()
        self.activations = ActivationProfiles()
        self.table = LabResultsTable()
        self.landscapes = LabLandscapes(self.state)
        self.curves_export = ExportButton("loss curves", self.curves, {
            "Training loss": plot_csv(self.curves.loss_plot), "Test accuracy": plot_csv(self.curves.metric_plot)})
        self.heatmaps_export = ExportButton("gradient norms", self.heatmaps, {"Gradient norms": self.heatmaps.to_csv})
        self.activations_export = ExportButton("activation statistics", self.activations, {
            "Activation std": plot_csv(self.activations.std_plot),
            "Activation mean": plot_csv(self.activations.mean_plot)})
        self.table_export = ExportButton("results table", self.table, {"Results": self.table.to_csv})
        self.table_export.menu().actions()[0].setVisible(False)  # a table is saved as numbers only

        self.inspect_tabs = QTabWidget()
        self.inspect_tabs.addTab(_titled("Gradient norm per layer (first step at left)", self.heatmaps,
                                         self.heatmaps_export), "Gradients")
        self.inspect_tabs.addTab(_titled("Each layer's output", self.activations, self.activations_export),
                                 "Activations")
        self.inspect_tabs.addTab(self.landscapes, "Landscapes")
        self.inspect_tabs.setTabToolTip(0, "How much of the error signal reaches each layer, step by step")
        self.inspect_tabs.setTabToolTip(1, "Mean and std of every conv's output at the latest record")
        self.inspect_tabs.setTabToolTip(2, "The loss around each trained net's weights, on one colour scale")
        self.loss_box = _titled("Loss", self.curves, self.curves_export)
        self.top = QSplitter(Qt.Orientation.Horizontal)
        self.top.addWidget(self.inspect_tabs)
        self.top.setChildrenCollapsible(False)
        self._wide: bool | None = None
        self._arrange(wide=False)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.top)
        right.addWidget(_titled("Results", self.table, self.table_export))
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setSizes([520, 170])
        right.setChildrenCollapsible(False)
        self.splitter = right

        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addWidget(right, 1)

        self._table_timer = QTimer(self, singleShot=True, interval=TABLE_MS)
        self._table_timer.timeout.connect(self._redraw_table)
        self.preset_box.currentIndexChanged.connect(self._on_preset_box)
        self.configs.changed.connect(self._on_configs_edited)
        self.train_button.clicked.connect(self.train)
        self.stop_button.clicked.connect(self.stop_all)
        self.landscapes.measured.connect(self._on_landscapes_measured)
        self.inspect_tabs.currentChanged.connect(self._make_room_for_landscapes)
        self._update_buttons()

    def _arrange(self, wide: bool) -> None:
        """Wide: the loss curves beside the heatmaps. Narrow: the curves are the first of the tabs,
        so that no plot is squeezed below what its legend and labels need."""
        if wide == self._wide:
            return
        self._wide = wide
        if wide:
            index = self.inspect_tabs.indexOf(self.loss_box)
            if index >= 0:
                self.inspect_tabs.removeTab(index)
            self.top.insertWidget(0, self.loss_box)
            self.loss_box.show()
            self.top.setSizes([500, 500])
        else:
            self.inspect_tabs.insertTab(0, self.loss_box, "Loss")
            self.inspect_tabs.setTabToolTip(0, "The runs' training loss and test accuracy, overlaid")
            self.inspect_tabs.setCurrentWidget(self.loss_box)  # the curves that were in view stay in view

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange(self.width() >= WIDE_LAYOUT)
        self._make_room_for_landscapes()

    def _make_room_for_landscapes(self, *_args) -> None:
        """Wide, the tabs share the row with the loss curves: when the two landscapes are shown, the loss
        curves give up what the landscapes need (and no more, so a splitter a person set stays)."""
        sizes = self.top.sizes()
        if not self._wide or self.inspect_tabs.currentWidget() is not self.landscapes or len(sizes) != 2:
            return
        if sizes[1] < LANDSCAPES_WIDTH < sum(sizes):
            self.top.setSizes([sum(sizes) - LANDSCAPES_WIDTH, LANDSCAPES_WIDTH])

    # --- the experiment -----------------------------------------------------------------------
    def pick_preset(self, key: str) -> None:
        self.preset_box.setCurrentIndex(self.preset_box.findData(key))
        self._on_preset_box()

    def _on_preset_box(self) -> None:
        key = self.preset_box.currentData()
        if key == CUSTOM:
            self.sentence.setText(CUSTOM_SENTENCE)
            self.target_loss = self.landscape_settings = None
        else:
            preset = PRESETS[key]
            self.configs.set_configs(preset.runs)
            self.recipe, self.target_loss = preset.recipe, preset.target_loss
            self.landscape_settings = preset.landscape
            self.sentence.setText(preset.sentence)
        self._show_recipe()
        if not self.run_ids:  # before any experiment, the view says what this preset will show
            self._set_landscape_experiment()
        self._update_buttons()

    def set_recipe(self, recipe: Recipe) -> None:
        """Train every net with ``recipe`` (a preset's, until another preset is picked)."""
        self.recipe = recipe
        self._show_recipe()

    def set_landscape_settings(self, settings: LandscapeSettings | None) -> None:
        """Measure the next experiment's landscapes with ``settings`` (a preset's, until another is picked)."""
        self.landscape_settings = settings
        if not self.run_ids:
            self._set_landscape_experiment()

    def _set_landscape_experiment(self) -> None:
        """The Landscapes view and the Roughness column follow the experiment about to train (or trained)."""
        settings = self.landscape_settings
        self.landscapes.set_experiment(settings, self.sentence.text() if settings is not None else "")
        self.inspect_tabs.setTabVisible(self.inspect_tabs.indexOf(self.landscapes), settings is not None)
        self.table.set_roughness(None if settings is None else {})

    def _on_landscapes_measured(self, roughness: dict) -> None:
        self.table.set_roughness(roughness)
        self._redraw_table()

    def _show_recipe(self) -> None:
        target = f" Target: training loss below {self.target_loss:g}." if self.target_loss is not None else ""
        self.recipe_label.setText(f"Each net: {self.recipe.text}.{target}")

    def _on_configs_edited(self) -> None:
        if self.preset_box.currentData() != CUSTOM:
            self.preset_box.blockSignals(True)
            self.preset_box.setCurrentIndex(self.preset_box.findData(CUSTOM))
            self.preset_box.blockSignals(False)
            self._on_preset_box()
        self._update_buttons()

    # --- training -----------------------------------------------------------------------------
    def runs(self) -> list[Run]:
        return [run for run in (self.state.run(i) for i in self.run_ids) if run is not None]

    def training(self) -> bool:
        return any(run.status.active for run in self.runs())

    def train(self) -> list[Run]:
        """Start every configuration as a run, side by side; the views follow them."""
        configs = self.configs.configs()
        if not configs or self.training():
            return []
        started = []
        for depth_run in configs:
            config = self.recipe.train_config(depth_run, record=RECORD, snapshot_every=SNAPSHOT_EVERY)
            started.append(self.state.start_run(config, alongside=True, name=depth_run.label))
        self.run_ids = [run.id for run in started]
        self._set_landscape_experiment()
        self.status.setText(f"Training {len(started)} nets side by side; each is also a run in the Runs list.")
        self._update_buttons()
        self.refresh_when_visible()
        return started

    def stop_all(self) -> None:
        for run in self.runs():
            if run.status.active:
                self.state.stop(run.id)
        self.status.setText("Stopping…" if self.training() else self.status.text())

    def _update_buttons(self) -> None:
        training = self.training()
        self.train_button.setEnabled(not training and bool(self.configs.configs()))
        self.stop_button.setEnabled(training)
        self.configs.setEnabled(not training)
        self.preset_box.setEnabled(not training)

    # --- following the runs -------------------------------------------------------------------
    def _show_runs(self, runs: list[Run]) -> None:
        """A new experiment (or one of its runs removed): every view now follows these runs."""
        self._shown_ids = [run.id for run in runs]
        self.curves.show_runs(runs[0] if runs else None, runs[1:])
        self.heatmaps.set_runs(runs)
        self.activations.set_runs(runs)
        self._redraw_table()

    def _on_run_changed(self, run_id: str, changes) -> None:
        if run_id not in self.run_ids:
            return
        self._pending |= set(changes)
        if "status" in changes:
            self._update_buttons()
            if not self.training():
                self.status.setText("Done: the table sums each run up (hover a header for what it means).")
                self.landscapes.follow(self.runs())
        self.refresh_when_visible()

    def _on_run_removed(self, run_id: str) -> None:
        if run_id in self.run_ids:
            self.run_ids.remove(run_id)
            self._update_buttons()
            self.refresh_when_visible()

    def refresh(self) -> None:
        """Ask the views that changed to redraw (each at most ~30 times a second)."""
        changes, self._pending = self._pending, set()
        runs = self.runs()
        if [run.id for run in runs] != self._shown_ids:
            self._show_runs(runs)
            return
        everything = not changes
        if everything or "curves" in changes or "name" in changes:
            self.curves.show_runs(*self._curve_runs())
        if everything or "recorded" in changes:
            self.heatmaps.mark_dirty()
            self.activations.mark_dirty()
        if not self._table_timer.isActive():
            self._table_timer.start()

    def _curve_runs(self) -> tuple[Run | None, list[Run]]:
        runs = self.runs()
        return (runs[0] if runs else None), runs[1:]

    def _redraw_table(self) -> None:
        self.table.show_runs(self.runs(), self.target_loss)

    def cancel_background_work(self) -> None:
        self._table_timer.stop()
        self.landscapes.cancel_background_work()
