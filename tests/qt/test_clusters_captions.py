"""Clusters tells the truth (issue 19 items 7, 8): every legend entry shows, none under the hover preview,
in PCA, t-SNE and UMAP at 1280×820 and 900×600; a fresh window offers an embedding that can run, and when
Cluster cannot run it says why and what to do."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRect
from test_vae_panels import vae_replica

from resviz.core.analysis.clusters import ClusterRecipe, ClusterResult


def _rect_in(widget, ancestor) -> QRect:
    return QRect(widget.mapTo(ancestor, widget.rect().topLeft()), widget.size())


def _result(projection: str) -> ClusterResult:
    """A finished clustering of 100 made-up points in ten groups (the legend does not care how it was made)."""
    rng = np.random.default_rng(0)
    labels = np.arange(100) % 10
    return ClusterResult(
        recipe=ClusterRecipe("pixels", projection, "kmeans"), projection=rng.normal(size=(100, 2)),
        assignments=(labels + 1) % 10, labels=labels, images=rng.random((100, 28, 28)),
        centres=rng.random((10, 28, 28)), cluster_to_label=(np.arange(10) + 9) % 10,
        axis_labels=("x", "y"), metrics={"acc": 1.0, "nmi": 1.0, "ari": 1.0})


@pytest.mark.parametrize("size", [(1280, 820), (900, 600)])
@pytest.mark.parametrize("projection", ["pca", "tsne", "umap"])
def test_every_legend_entry_shows_and_none_is_under_the_preview(qtbot, window, size, projection):
    window.resize(*size)
    panel = window.panel("Clusters")
    window.tabs.setCurrentWidget(panel)
    panel.result = _result(projection)
    panel._draw_scatter()
    panel.show_point(0)
    qtbot.wait(200)  # the layout settles
    assert [entry.text().split("</span> ")[1] for entry in panel.legend.entries] == [
        f"c{c} → {(c + 9) % 10}" for c in range(10)]
    preview = _rect_in(panel.preview, panel)
    for entry in panel.legend.entries:
        where = _rect_in(entry, panel)
        assert entry.isVisible() and where.height() >= entry.sizeHint().height(), (entry.text(), where, preview, _rect_in(panel.legend, panel), panel.legend.minimumHeight(), _rect_in(panel.plot, panel), panel.height())
        assert not where.intersects(preview), f"{entry.text()} at {where} is under the preview at {preview}"
        assert not where.intersects(_rect_in(panel.preview_label, panel))


def test_a_fresh_window_offers_what_can_run_and_says_why_not_otherwise(qtbot, window):
    panel = window.panel("Clusters")
    window.tabs.setCurrentWidget(panel)
    assert panel.source_box.currentText() == "raw pixels" and panel.run_button.isEnabled()
    panel.source_box.setCurrentIndex(panel.source_box.findData("reconstruction"))
    assert not panel.run_button.isEnabled()
    assert panel.status.isVisible()
    assert panel.status.text().startswith("Cluster needs a trained VAE for VAE reconstructions: train one")
    panel.source_box.setCurrentIndex(panel.source_box.findData("pixels"))
    assert panel.run_button.isEnabled() and not panel.status.text()
    window.state.show_model(vae_replica("vae", latent_dim=4))  # a VAE arrives: the seed's recipe can run
    assert panel.source_box.currentText() == "VAE reconstructions (seed)" and panel.run_button.isEnabled()
