"""Clusters: group the test digits without their labels, draw the groups, score them.

Seed 000 reconstructs the digits with its VAE, groups the reconstructions with
k-means into 10 clusters and plots them with PCA. Here a person picks each of the
three choices (``core/analysis/clusters.py``): what each digit becomes (the VAE's
reconstruction, its latent mean, or the raw pixels), the picture (PCA, t-SNE or
UMAP), and the grouping (k-means or a Gaussian mixture, optionally on the picture's
points; or N2D's: a Gaussian mixture on its own 10-D UMAP of the embedding). Colour
by cluster or by true label, hover a point to see its digit, and read how well the
clusters agree with the labels they never saw: ACC, NMI and ARI for the choice, always
beside the seed's recipe and raw pixels.

The work runs off the GUI thread with a progress bar and Cancel (checked between
stages, every 25 t-SNE iterations and between UMAP's layout epochs); UMAP's first
use on a machine compiles its code there too, so the window never freezes.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...core.analysis.cluster_methods import CLUSTERING_TITLES, CLUSTERINGS, MAKES_ITS_OWN_MAP, ClusteringCancelled
from ...core.analysis.clusters import (
    PIXELS_RECIPE,
    SEED_RECIPE,
    SOURCE_TITLES,
    SOURCES,
    ClusterRecipe,
    ClusterResult,
    cluster_digits,
)
from ...core.analysis.projections import PROJECTION_TITLES, PROJECTIONS
from ...core.data import DatasetUnavailable
from ..background import BackgroundRunner
from ..job_progress import JobProgress
from ..widgets.cluster_legend import ClusterLegend
from ..widgets.image_grid import ImageGrid
from .base import Panel
from .vae_names import add_in_order, follow_renames, follow_selection, remove_run, run_dataset, run_label

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")  # tab10
HOVER_PIXELS = 10  # a point within this many screen pixels of the mouse counts as hovered
SIZES = (1000, 2000, 5000, 10000)  # test digits one may cluster (never more than the set has)
DEFAULT_SIZE = 2000
SEED_MARK = " (seed)"
METRICS_TIP = (
    "The clustering never sees the labels. ACC: match each cluster to one digit (the best one-to-one matching, "
    "Hungarian algorithm) and count the digits that land in their digit's cluster. NMI: how much knowing "
    "the cluster tells about the label (0 nothing, 1 everything). ARI: how often pairs of digits are put "
    "together or apart as the labels would, corrected for chance (0 random, 1 identical).")


def cluster_with_comparisons(recipe: ClusterRecipe, images, labels, model, known: dict,
                             progress=None, cancelled=None) -> dict[str, ClusterResult]:
    """The chosen recipe's clusters, and the comparisons missing from ``known``.

    Returns ``known`` plus "choice" and, where they could be made, "seed" (seed 000's
    k-means on reconstructions, needs a VAE) and "pixels" (k-means on raw pixels).
    """
    report = progress or (lambda message, fraction: None)
    jobs = [("choice", recipe)]
    if "seed" not in known and model is not None and recipe != SEED_RECIPE:
        jobs.append(("seed", SEED_RECIPE))
    if "pixels" not in known and recipe != PIXELS_RECIPE:
        jobs.append(("pixels", PIXELS_RECIPE))
    # the choice may be a t-SNE or UMAP; the comparisons are quick k-means with PCA
    shares = [0.8 if len(jobs) > 1 else 1.0] + [0.2 / max(len(jobs) - 1, 1)] * (len(jobs) - 1)
    results, start = dict(known), 0.0
    for (role, job), share in zip(jobs, shares):
        label = "" if role == "choice" else f"{'Seed recipe' if role == 'seed' else 'Raw pixels'}: "
        results[role] = cluster_digits(job, images, labels, model, cancelled=cancelled,
                                       progress=lambda m, f, s=start, w=share, p=label: report(p + m, s + w * f))
        start += share
    for role, same in (("seed", SEED_RECIPE), ("pixels", PIXELS_RECIPE)):
        if recipe == same:
            results[role] = results["choice"]
    return results


def metrics_text(metrics: dict) -> str:
    return f"ACC {metrics['acc']:.3f} · NMI {metrics['nmi']:.3f} · ARI {metrics['ari']:.3f}"


def size_choices(available: int) -> list[int]:
    """The sizes on offer: those of SIZES the set has, and all of it when that is fewer than 10,000."""
    sizes = [n for n in SIZES if n < available]
    return sizes + [available] if available not in sizes else sizes


class ClustersPanel(Panel):
    title = "Clusters"
    description = ("Group the test digits without their labels (k-means, a Gaussian mixture or N2D, on VAE "
                   "reconstructions, latent means or raw pixels), draw them with PCA, t-SNE or UMAP, and score "
                   "the groups against the labels (ACC, NMI, ARI), beside seed 000's recipe and raw pixels.")

    def __init__(self, state, parent=None):
        super().__init__(state, parent)
        self.result: ClusterResult | None = None
        self.comparisons: dict[tuple, ClusterResult] = {}  # (role, digits, model, step) -> result
        self._sizes_known = False
        self._source_chosen = False  # until a person picks an embedding, it follows whether a VAE is there
        self._runner = BackgroundRunner(self)
        self._dataset_runner = BackgroundRunner(self)  # the test set, loaded off the GUI thread on first use
        self._build()
        self._follow_vaes()
        self._connect_state()
        self._update_buttons()

    # --- the app state (kept to these few methods, so a new state layer needs only them) --------
    def _connect_state(self) -> None:
        self.state.vae_changed.connect(self._on_vae_changed)
        self.state.run_removed.connect(
            lambda run_id: (remove_run(self.model_box, run_id), self._follow_vaes(), self._update_buttons()))
        follow_renames(self.model_box, self.state)
        follow_selection(self.model_box, self.state)
        for run_id in self.state.vaes:
            self._on_vae_changed(run_id)

    def _replica(self, run_id: str | None):
        """The weights shown for VAE run ``run_id`` (a ModelReplica), or None."""
        return self.state.vaes.get(run_id) if run_id else None

    def _dataset_key(self) -> str:
        return run_dataset(self.state, self.model_box.currentData())

    def _test_set(self):
        """That dataset once loaded (may raise DatasetUnavailable)."""
        return self.state.dataset(self._dataset_key())

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.source_box = self._choice_box(SOURCES, SOURCE_TITLES, SEED_RECIPE.embedding,
                                           "What each digit becomes before grouping: the VAE's reconstruction "
                                           "(the seed's choice), its latent mean, or the raw pixels (no VAE)")
        self.projection_box = self._choice_box(PROJECTIONS, PROJECTION_TITLES, SEED_RECIPE.projection,
                                               "How the points are drawn in 2-D: PCA (the seed's: linear, the axes "
                                               "mean something), t-SNE or UMAP (keep neighbours together)")
        self.clustering_box = self._choice_box(CLUSTERINGS, CLUSTERING_TITLES, SEED_RECIPE.clustering,
                                               "k-means (the seed's: round groups of equal spread), a Gaussian "
                                               "mixture (each group its own shape and size), or N2D: UMAP of the "
                                               "embedding to 10 dimensions, then a Gaussian mixture there (made for "
                                               "many digits: on a trained cvae-mix's 10,000 latent means it scored "
                                               "0.971, and 0.984 with \"then teach a CNN\"; on 2,000 it varies "
                                               "with the seed)")
        self.on_map_box = QCheckBox("cluster the picture")
        self.on_map_box.setToolTip("Group the 2-D t-SNE or UMAP points instead of the embedding itself (N2D's "
                                   "idea; its own recipe, a 10-D UMAP, is \"N2D\" under Group with)")
        self.self_label_box = QCheckBox("then teach a CNN")
        self.self_label_box.setToolTip(
            "Self-labelling (SCAN's last step): a small CNN learns from each cluster's confident members — "
            "digits whose 10 nearest neighbours mostly share their cluster — then groups every digit again from "
            "its pixels, shifted, turned and zoomed a little. What a cluster's members share outweighs its few "
            "mistakes. It never sees a label. A few seconds more; on a trained cvae-mix's 10,000 latent means "
            "it took N2D from 0.971 to 0.985.")
        self.model_box = QComboBox()
        self.model_box.setToolTip("Which trained VAE encodes and reconstructs the digits")
        self.size_box = QComboBox()
        self._offer_sizes(list(SIZES))
        self.size_box.setToolTip("More digits: a truer score, a slower run")
        self.colour_box = QComboBox()
        self.colour_box.addItem("colour by cluster", "cluster")
        self.colour_box.addItem("colour by true label", "label")
        self.colour_box.setToolTip("Clusters are what was found; labels are the truth it never saw")
        self.run_button = QPushButton("Cluster")
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        policy = self.progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # shown only while clustering; the row keeps its place
        self.progress.setSizePolicy(policy)
        self.progress.hide()  # an idle empty bar reads as a text field
        self.status = QLabel(wordWrap=True)
        self.status.setStyleSheet("color: #555;")
        self.job = JobProgress(self.progress, self.status)
        self.metrics = QLabel("Choose, then press Cluster to see how well the groups match the digits.",
                              wordWrap=True)
        self.metrics.setToolTip(METRICS_TIP)

        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMenuEnabled(False)
        for side in ("bottom", "left"):  # coordinates as they are: no "(x0.001)" on a PCA axis
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.scatter_items: list[pg.ScatterPlotItem] = []
        self.hover_marker = pg.ScatterPlotItem(size=14, pen=pg.mkPen("k", width=2), brush=None)
        self.plot.addItem(self.hover_marker)

        self.legend = ClusterLegend()  # beside the plot, never over its points nor under the preview
        self.legend.setToolTip("Which colour is which group")
        self.preview = ImageGrid(colorbar=False)
        self.preview.setFixedSize(150, 150)
        self.preview_label = QLabel("Hover a point to see its digit.", wordWrap=True)
        self.preview_label.setMinimumWidth(150)
        self.centres = ImageGrid(colorbar=False, label_size=7)
        self.centres.setMinimumHeight(80)
        self.centres.setToolTip("Each cluster's centre: the mean image of its members, or for k-means / Gaussian "
                                "mixture on latent means the decode of the centre. The label says which digit "
                                "it was matched to.")

        controls = QGridLayout()
        row0 = [("Embed", self.source_box), ("Draw with", self.projection_box), ("Group with", self.clustering_box)]
        row1 = [("VAE", self.model_box), ("Digits", self.size_box), ("", self.self_label_box)]
        for row, cells in enumerate((row0, row1)):
            for column, (label, widget) in enumerate(cells):
                if label:
                    controls.addWidget(QLabel(label), row, 2 * column)
                controls.addWidget(widget, row, 2 * column + 1)
        controls.addWidget(self.on_map_box, 0, 6, 1, 2)  # over both buttons: its own column made the tab 945 px wide
        controls.addWidget(self.run_button, 1, 6)
        controls.addWidget(self.cancel_button, 1, 7)
        controls.setColumnStretch(8, 1)

        side = QVBoxLayout()
        side.addWidget(self.colour_box)  # what the legend's colours are
        side.addWidget(self.legend)
        side.addWidget(self.preview)
        side.addWidget(self.preview_label)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_scroll = QScrollArea(widgetResizable=True)  # when short, the column scrolls: nothing is drawn over the legend
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setWidget(side_widget)
        side_scroll.setMinimumWidth(side_widget.sizeHint().width() + side_scroll.verticalScrollBar().sizeHint().width())
        splitter = QSplitter()
        splitter.addWidget(self.plot)
        splitter.addWidget(side_scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([900, 180])
        centres_box = QGroupBox("Cluster centres (→ the digit each cluster was matched to)")
        QVBoxLayout(centres_box).addWidget(self.centres)
        centres_box.setMaximumHeight(170)  # a row of ten: the scatter gets the rest

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
        for box in (self.source_box, self.projection_box, self.clustering_box, self.model_box):
            box.currentIndexChanged.connect(lambda _: self._update_buttons())
        self.source_box.activated.connect(lambda _: setattr(self, "_source_chosen", True))  # a person's pick only
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(lambda event: self._on_mouse_moved(event.scenePos()))

    @staticmethod
    def _choice_box(keys, titles, seed_key, tip) -> QComboBox:
        box = QComboBox()
        for key in keys:
            box.addItem(titles[key] + (SEED_MARK if key == seed_key else ""), key)
        box.setToolTip(tip)
        return box

    def _offer_sizes(self, sizes: list[int]) -> None:
        wanted = self.size_box.currentData() or DEFAULT_SIZE
        self.size_box.clear()
        for n in sizes:
            self.size_box.addItem(f"{n:,} test digits", n)
        fitting = [n for n in sizes if n <= wanted]
        self.size_box.setCurrentIndex(sizes.index(fitting[-1] if fitting else sizes[0]))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sizes_known:  # offer only as many digits as the test set has (1,000 offline)
            self._dataset_runner.submit(self.state.dataset, self._dataset_key(), on_result=self._on_test_set,
                                        on_error=self.status.setText)

    def _on_test_set(self, data) -> None:
        self._offer_sizes(size_choices(len(data.test_images)))
        self._sizes_known = True

    def _on_vae_changed(self, name: str) -> None:
        if self.model_box.findData(name) < 0:
            self.model_box.setCurrentIndex(add_in_order(self.model_box, self.state, name))
        self._follow_vaes()
        self._update_buttons()

    def _follow_vaes(self) -> None:
        """Offer what can run: the seed's reconstructions with a VAE, raw pixels without one."""
        if not self._source_chosen:
            key = SEED_RECIPE.embedding if any(True for _ in self.state.vaes) else PIXELS_RECIPE.embedding
            self.source_box.setCurrentIndex(self.source_box.findData(key))

    def recipe(self) -> ClusterRecipe:
        projection = self.projection_box.currentData()
        clustering = self.clustering_box.currentData()
        on_map = self.on_map_box.isChecked() and projection != "pca" and clustering not in MAKES_ITS_OWN_MAP
        return ClusterRecipe(self.source_box.currentData(), projection, clustering, on_projection=on_map,
                             self_label=self.self_label_box.isChecked())

    def _update_buttons(self) -> None:
        # N2D clusters its own 10-D UMAP of the embedding, never the picture
        self.on_map_box.setEnabled(self.projection_box.currentData() != "pca"
                                   and self.clustering_box.currentData() not in MAKES_ITS_OWN_MAP)
        needs_vae = self.source_box.currentData() != "pixels"
        has_vae = self._replica(self.model_box.currentData()) is not None
        self.run_button.setEnabled(not self._runner.busy and (has_vae or not needs_vae))
        why = (f"Cluster needs a trained VAE for {self.source_box.currentText().removesuffix(SEED_MARK)}: "
               "train one in Training (e.g. cvae) or open a checkpoint, or embed raw pixels.")
        self.run_button.setToolTip("Cluster now, in the background" if has_vae or not needs_vae else why)
        if needs_vae and not has_vae:
            self.status.setText(why)
        elif self.status.text().startswith("Cluster needs a trained VAE"):
            self.status.clear()
        self.cancel_button.setEnabled(self._runner.busy)

    # --- the background run ---------------------------------------------------------------------
    def run(self) -> None:
        recipe = self.recipe()
        replica = self._replica(self.model_box.currentData())
        if recipe.needs_model and replica is None:
            return
        if not self.state.has_dataset(self._dataset_key()):  # loaded off the GUI thread, then clustered
            self.status.setText("Loading the test digits…")
            self._dataset_runner.submit(
                self.state.dataset, self._dataset_key(), on_result=lambda _data: self.run(),
                on_error=lambda message: self.status.setText(f"Could not load the test digits: {message}"))
            return
        try:
            data = self._test_set()
        except DatasetUnavailable as error:
            self.status.setText(str(error))
            return
        size = min(int(self.size_box.currentData()), len(data.test_images))
        known = self._known_comparisons(size, replica)
        model_text = (f" with {run_label(self.state, self.model_box.currentData())} at step {replica.step:,}"
                      if replica else "")
        what = f"{size:,} test digits: {recipe.title()}" + (model_text if recipe.needs_model else "")
        cancelled = self.job.start(f"Clustering {what}…")
        self._runner.submit(
            cluster_with_comparisons, recipe, data.test_images[:size], data.test_labels[:size].numpy(),
            None if replica is None else replica.model, known, cancelled=cancelled,
            on_result=lambda results: self._on_result(results, size, replica, what),
            on_error=self._on_error, on_progress=self.job.on_progress)
        self._update_buttons()

    def _comparison_key(self, role: str, size: int, replica) -> tuple:
        model = (self.model_box.currentData(), replica.step) if role == "seed" and replica is not None else None
        return role, size, model

    def _known_comparisons(self, size: int, replica) -> dict:
        found = {}
        for role in ("seed", "pixels"):
            result = self.comparisons.get(self._comparison_key(role, size, replica))
            if result is not None:
                found[role] = result
        return found

    def cancel(self) -> None:
        self.job.cancel()

    def cancel_background_work(self) -> None:
        self.job.stop()

    def _on_error(self, message: str) -> None:
        self.job.failed(message, ClusteringCancelled, "Clustering failed")
        self._update_buttons()

    def _on_result(self, results: dict, size: int, replica, what: str) -> None:
        for role in ("seed", "pixels"):
            if role in results:
                self.comparisons[self._comparison_key(role, size, replica)] = results[role]
        result = self.result = results["choice"]
        self.job.finished()
        self.status.setText(f"{what}: 10 clusters.")
        self.metrics.setText(self._metrics_table(results))
        labels = [f"c{c}→{d}" if d >= 0 else f"c{c}" for c, d in enumerate(result.cluster_to_label)]
        self.centres.set_images(result.centres, labels, levels=(0.0, 1.0), columns=len(result.centres))
        self.plot.setLabel("bottom", result.axis_labels[0])
        # the upright axis is short at 900×600: "PC2 (8%)" whole, the bottom one says what the % is of
        self.plot.setLabel("left", result.axis_labels[1].replace(" of the variance", ""))
        self._draw_scatter()
        self.plot.autoRange()
        self._update_buttons()

    @staticmethod
    def _metrics_table(results: dict) -> str:
        rows = [("Your choice", results["choice"])]
        rows += [(name, results[role]) for role, name in (("seed", "Seed 000's recipe"), ("pixels", "Baseline"))
                 if role in results]
        if "seed" not in results:
            rows.append(("Seed 000's recipe", None))
        cells = []
        for name, result in rows:
            recipe = escape(result.recipe.title()) if result else "k-means on VAE reconstructions"
            scores = metrics_text(result.metrics) if result else "needs a trained VAE"
            weight = "font-weight: bold;" if name == "Your choice" else ""
            cells.append(f"<tr><td style='{weight} padding-right: 12px'>{name}</td>"
                         f"<td style='padding-right: 12px'>{recipe}</td><td style='{weight}'>{scores}</td></tr>")
        return f"<table>{''.join(cells)}</table>"

    # --- the scatter ----------------------------------------------------------------------------
    def _draw_scatter(self) -> None:
        for item in self.scatter_items:
            self.plot.removeItem(item)
        self.scatter_items = []
        result = self.result
        if result is None:
            self.legend.set_entries("", [])
            return
        by_label = self.colour_box.currentData() == "label"
        groups = result.labels if by_label else result.assignments
        legend = []
        for group in range(int(groups.max()) + 1):
            members = np.flatnonzero(groups == group)
            if not len(members):
                continue
            colour = COLOURS[group % len(COLOURS)]
            matched = result.cluster_to_label[group] if not by_label else -1
            name = f"digit {group}" if by_label else (f"c{group} → {matched}" if matched >= 0 else f"c{group}")
            item = pg.ScatterPlotItem(result.projection[members, 0], result.projection[members, 1], size=5,
                                      pen=None, brush=pg.mkBrush(colour))
            self.plot.addItem(item)
            self.scatter_items.append(item)
            legend.append((colour, name))
        self.legend.set_entries("true label" if by_label else "cluster → matched digit", legend)

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
