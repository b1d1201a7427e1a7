"""The Clusters tab offers N2D's clustering (its own 10-D UMAP, then a Gaussian mixture) and runs it."""

from __future__ import annotations

import pytest
from test_vae_panels import loaded_state, shown, vae_replica

from resviz.qt.panels.clusters import ClustersPanel


def _choose(box, key):
    box.setCurrentIndex(box.findData(key))


@pytest.mark.watchdog(660)  # numba compiles UMAP the first time: minutes when both cores are busy
def test_n2d_is_offered_clusters_its_own_map_and_draws_the_chosen_picture(qtbot):
    state = loaded_state()
    panel = shown(qtbot, ClustersPanel(state))
    state.show_model(vae_replica("cvae"))
    panel.size_box.addItem("300 test digits", 300)
    panel.size_box.setCurrentIndex(panel.size_box.count() - 1)
    assert "N2D (UMAP + mixture)" in [panel.clustering_box.itemText(i) for i in range(panel.clustering_box.count())]
    _choose(panel.source_box, "latent")
    _choose(panel.projection_box, "umap")
    assert panel.on_map_box.isEnabled()
    panel.on_map_box.setChecked(True)
    _choose(panel.clustering_box, "n2d")
    # N2D clusters its own 10-D map of the embedding; "cluster the picture" does not apply
    assert not panel.on_map_box.isEnabled()
    assert panel.recipe().key == "n2d(latent)" and not panel.recipe().on_projection
    _choose(panel.projection_box, "pca")  # a quick picture; the clusters come from N2D's own UMAP
    panel.run_button.click()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=540_000)
    assert panel.result.recipe.key == "n2d(latent)"
    assert "N2D (UMAP + mixture) on latent means" in panel.metrics.text()
    assert "% of the variance" in panel.plot.getAxis("bottom").labelString()  # drawn with PCA as chosen
    assert sum(len(item.data) for item in panel.scatter_items) == 300
    assert panel.centres.count == 10  # the decode of each cluster's mean latent
    assert 0.1 < panel.result.metrics["acc"] <= 1
