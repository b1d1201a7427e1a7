"""Clusters: k-means (10) on what a VAE makes of the test digits, drawn as a PCA scatter.

Seed 000 reconstructs the digits with its VAE, groups the reconstructions with
k-means into 10 clusters and plots them with PCA. Here one can cluster the
reconstructions, the latent means, or the raw pixels (the baseline), colour the
scatter by cluster or by the true label, hover a point to see its digit, and read how
well the clusters agree with the labels k-means never saw: ACC, NMI and ARI, beside
the raw-pixel baseline. The work (encoding, k-means, PCA) runs off the GUI thread
with a progress bar and can be cancelled.
"""

from __future__ import annotations

import threading

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSplitter, QVBoxLayout,
    QWidget,
)

from ...core.analysis.clusters import SOURCE_TITLES, SOURCES, ClusterResult, ClusteringCancelled, cluster_test_images
from ...core.data import DatasetUnavailable
from ..background import BackgroundRunner
from ..widgets.image_grid import ImageGrid
from .base import Panel
from .latent import MODEL_TITLES

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")  # tab10
HOVER_PIXELS = 10  # a point within this many screen pixels of the mouse counts as hovered
METRICS_TIP = (
    "k-means never sees the labels. ACC: match each cluster to one digit (the best one-to-one matching, "
    "Hungarian algorithm) and count the digits that land in their digit's cluster. NMI: how much knowing "
    "the cluster tells about the label (0 nothing, 1 everything). ARI: how often pairs of digits are put "
    "together or apart as the labels would, corrected for chance (0 random, 1 identical).")


def cluster_with_baseline(source, images, labels, model, baseline, progress=None, cancelled=None):
    """The chosen clustering, plus the raw-pixel baseline when it is not known yet: (result, baseline)."""
    report = progress or (lambda message, fraction: None)
    share = 1.0 if baseline is not None or source == "pixels" else 0.7
    result = cluster_test_images(source, images, labels, model=model, cancelled=cancelled,
                                 progress=lambda message, f: report(message, share * f))
    if source == "pixels":
        baseline = result
    elif baseline is None:
        baseline = cluster_test_images(
            "pixels", images, labels, cancelled=cancelled,
            progress=lambda message, f: report(f"Raw-pixel baseline: {message}", share + (1 - share) * f))
    return result, baseline


def metrics_text(metrics: dict) -> str:
    return f"ACC {metrics['acc']:.3f} · NMI {metrics['nmi']:.3f} · ARI {metrics['ari']:.3f}"


class ClustersPanel(Panel):
    title = "Clusters"
    description = ("k-means with 10 clusters on the VAE's reconstructions, latent means or raw pixels, "
                   "as a PCA scatter, scored against the true labels (ACC, NMI, ARI).")

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.result: ClusterResult | None = None
        self.baselines: dict[int, ClusterResult] = {}
        self._indices = np.zeros(0, np.int64)
        self._cancel = threading.Event()
        self._runner = BackgroundRunner(self)
        self._build()
        state.vae_changed.connect(self._on_vae_changed)
        for name in state.vaes:
            self._on_vae_changed(name)
        self._update_buttons()

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.source_box = QComboBox()
        for source in SOURCES:
            self.source_box.addItem(SOURCE_TITLES[source], source)
        self.source_box.setToolTip("What k-means groups: the VAE's reconstructions (as the seed does), "
                                   "its latent means, or the raw pixels (no VAE: the baseline)")
        self.model_box = QComboBox()
        self.model_box.setToolTip("Which trained VAE encodes and reconstructs the digits")
        self.size_box = QComboBox()
        for n in (1000, 2000, 5000, 10000):
            self.size_box.addItem(f"{n:,} test digits", n)
        self.size_box.setCurrentIndex(1)
        self.size_box.setToolTip("More digits: a truer score, a slower run")
        self.colour_box = QComboBox()
        self.colour_box.addItem("colour by cluster", "cluster")
        self.colour_box.addItem("colour by true label", "label")
        self.colour_box.setToolTip("Clusters are what k-means found; labels are the truth it never saw")
        self.run_button = QPushButton("Run k-means")
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.status = QLabel(wordWrap=True)
        self.status.setStyleSheet("color: #555;")
        self.metrics = QLabel("Run k-means to see how well the clusters match the digits.", wordWrap=True)
        self.metrics.setToolTip(METRICS_TIP)
        self.metrics.setStyleSheet("font-size: 13px;")

        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMenuEnabled(False)
        self.plot.setToolTip("")
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.scatter_items: list[pg.ScatterPlotItem] = []
        self.hover_marker = pg.ScatterPlotItem(size=14, pen=pg.mkPen("k", width=2), brush=None)
        self.plot.addItem(self.hover_marker)

        self.preview = ImageGrid(colorbar=False)
        self.preview.setFixedSize(170, 170)
        self.preview_label = QLabel("Hover a point to see its digit.", wordWrap=True)
        self.preview_label.setMinimumWidth(170)
        self.centres = ImageGrid(colorbar=False, label_size=7)
        self.centres.setMinimumHeight(90)
        self.centres.setToolTip("Each cluster's centre: the mean image of its members, or for latent "
                                "clustering the decode of the mean latent. The label says which digit it was matched to.")

        controls = QGridLayout()
        for column, (label, widget) in enumerate([("Cluster", self.source_box), ("VAE", self.model_box),
                                                  ("Digits", self.size_box), ("", self.colour_box)]):
            if label:
                controls.addWidget(QLabel(label), 0, 2 * column)
            controls.addWidget(widget, 0, 2 * column + 1)
        controls.addWidget(self.run_button, 0, 8)
        controls.addWidget(self.cancel_button, 0, 9)
        controls.setColumnStretch(10, 1)

        side = QVBoxLayout()
        side.addWidget(self.preview)
        side.addWidget(self.preview_label)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        splitter = QSplitter()
        splitter.addWidget(self.plot)
        splitter.addWidget(side_widget)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([900, 190])
        centres_box = QGroupBox("Cluster centres (→ the digit each cluster was matched to)")
        QVBoxLayout(centres_box).addWidget(self.centres)
        centres_box.setMaximumHeight(190)  # a row of ten: the scatter gets the rest

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.status, 2)
        layout.addLayout(progress_row)
        layout.addWidget(self.metrics)
        layout.addWidget(splitter, 3)
        layout.addWidget(centres_box, 1)

        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.colour_box.currentIndexChanged.connect(lambda _: self._draw_scatter())
        self.source_box.currentIndexChanged.connect(lambda _: self._update_buttons())
        self.model_box.currentIndexChanged.connect(lambda _: self._update_buttons())
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(lambda event: self._on_mouse_moved(event.scenePos()))

    def _on_vae_changed(self, name: str) -> None:
        if self.model_box.findData(name) < 0:
            self.model_box.addItem(MODEL_TITLES.get(name, name), name)
            self.model_box.setCurrentIndex(self.model_box.findData(name))
        self._update_buttons()

    def _update_buttons(self) -> None:
        needs_vae = self.source_box.currentData() != "pixels"
        has_vae = self.model_box.currentData() in self.state.vaes
        self.run_button.setEnabled(not self._runner.busy and (has_vae or not needs_vae))
        self.run_button.setToolTip("Cluster now, in the background" if has_vae or not needs_vae
                                   else "Train a VAE first (or choose raw pixels)")
        self.cancel_button.setEnabled(self._runner.busy)

    # --- the background run ---------------------------------------------------------------------
    def run(self) -> None:
        source = self.source_box.currentData()
        replica = self.state.vaes.get(self.model_box.currentData())
        if source != "pixels" and replica is None:
            return
        try:
            data = self.state.test_set("mnist")
        except DatasetUnavailable as error:
            self.status.setText(str(error))
            return
        size = min(int(self.size_box.currentData()), len(data.test_images))
        self._cancel = threading.Event()
        cancel = self._cancel
        what = SOURCE_TITLES[source] + (f" of {MODEL_TITLES.get(replica.name, replica.name)} at step "
                                        f"{replica.step:,}" if source != "pixels" else "")
        self.status.setText(f"Clustering {size:,} {what}…")
        self.progress.setValue(0)
        self._runner.submit(
            cluster_with_baseline, source, data.test_images[:size], data.test_labels[:size].numpy(),
            None if replica is None else replica.model, self.baselines.get(size),
            cancelled=cancel.is_set,
            on_result=lambda pair: self._on_result(pair, size, what),
            on_error=self._on_error, on_progress=self._on_progress)
        self._update_buttons()

    def cancel(self) -> None:
        self._cancel.set()
        self.status.setText("Cancelling…")

    def _on_progress(self, message: str, fraction: float) -> None:
        self.progress.setValue(int(1000 * fraction))
        self.status.setText(message)

    def _on_error(self, message: str) -> None:
        cancelled = ClusteringCancelled.__name__ in message
        self.status.setText("Cancelled." if cancelled else f"Clustering failed: {message}")
        self.progress.setValue(0)
        self._update_buttons()

    def _on_result(self, pair, size: int, what: str) -> None:
        result, baseline = pair
        self.baselines[size] = baseline
        self.result = result
        self.progress.setValue(1000)
        self.status.setText(f"{size:,} {what}: 10 clusters.")
        ours = f"<b>{SOURCE_TITLES[result.source]}</b>: {metrics_text(result.metrics)}"
        base = f"raw pixels: {metrics_text(baseline.metrics)}"
        self.metrics.setText(ours if result.source == "pixels" else f"{ours} &nbsp;&nbsp;|&nbsp;&nbsp; {base}")
        labels = [f"c{c}→{d}" if d >= 0 else f"c{c}" for c, d in enumerate(result.cluster_to_label)]
        self.centres.set_images(result.centres, labels, levels=(0.0, 1.0), columns=len(result.centres))
        self.plot.setLabel("bottom", result.axis_labels[0])
        self.plot.setLabel("left", result.axis_labels[1])
        self._draw_scatter()
        self.plot.autoRange()
        self._update_buttons()

    # --- the scatter ----------------------------------------------------------------------------
    def _draw_scatter(self) -> None:
        for item in self.scatter_items:
            self.plot.removeItem(item)
        self.scatter_items = []
        self.legend.clear()
        result = self.result
        if result is None:
            return
        by_label = self.colour_box.currentData() == "label"
        groups = result.labels if by_label else result.assignments
        for group in range(int(groups.max()) + 1):
            members = np.flatnonzero(groups == group)
            if not len(members):
                continue
            name = f"digit {group}" if by_label else (
                f"cluster {group} → {result.cluster_to_label[group]}" if result.cluster_to_label[group] >= 0
                else f"cluster {group}")
            item = pg.ScatterPlotItem(result.projection[members, 0], result.projection[members, 1], size=5,
                                      pen=None, brush=pg.mkBrush(COLOURS[group % len(COLOURS)]), name=name)
            self.plot.addItem(item)
            self.scatter_items.append(item)

    def point_at(self, scene_pos) -> int | None:
        """The index of the point under the mouse (within a few pixels), or None."""
        if self.result is None:
            return None
        view = self.plot.getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        where = view.mapSceneToView(scene_pos)
        pixel_w, pixel_h = view.viewPixelSize()
        offsets = (self.result.projection - [where.x(), where.y()]) / [pixel_w, pixel_h]
        distances = np.hypot(offsets[:, 0], offsets[:, 1])
        nearest = int(np.argmin(distances))
        return nearest if distances[nearest] <= HOVER_PIXELS else None

    def _on_mouse_moved(self, scene_pos) -> None:
        index = self.point_at(scene_pos)
        if index is not None:
            self.show_point(index)

    def show_point(self, index: int) -> None:
        result = self.result
        self.preview.set_images(result.images[index], levels=(0.0, 1.0))
        cluster = int(result.assignments[index])
        matched = int(result.cluster_to_label[cluster])
        shown = "its reconstruction" if result.source == "reconstruction" else "the digit"
        verdict = "" if matched < 0 else (" ✓" if matched == result.labels[index] else " ✗")
        self.preview_label.setText(
            f"Test digit #{index}: a {int(result.labels[index])}.\nCluster {cluster}"
            f"{f' (matched to {matched})' if matched >= 0 else ''}{verdict}.\nShowing {shown}.")
        self.hover_marker.setData([result.projection[index, 0]], [result.projection[index, 1]])
