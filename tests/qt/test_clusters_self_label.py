"""The Clusters tab's "then teach a CNN the clusters": self-labelling after any clustering, said in the scores."""

from __future__ import annotations

from test_vae_panels import loaded_state, shown

from resviz.qt.panels.clusters import ClustersPanel


def test_a_cnn_taught_the_clusters_groups_the_digits_and_the_scores_say_so(qtbot):
    state = loaded_state()
    panel = shown(qtbot, ClustersPanel(state))  # no VAE: raw pixels, the seed's k-means
    panel.size_box.addItem("300 test digits", 300)
    panel.size_box.setCurrentIndex(panel.size_box.count() - 1)
    assert "Self-labelling" in panel.self_label_box.toolTip() and "never sees a label" in panel.self_label_box.toolTip()
    panel.self_label_box.setChecked(True)
    assert panel.recipe().key == "kmeans(pixels)+cnn"
    seen, show = [], panel.job.on_progress

    def shown_and_noted(message, fraction):  # what the status line says along the way
        seen.append(message)
        show(message, fraction)

    panel.job.on_progress = shown_and_noted
    panel.run_button.click()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=240_000)
    assert panel.result.recipe.self_label
    assert "k-means on raw pixels, then a CNN taught its clusters" in panel.metrics.text()
    assert any(message.startswith("Teaching a CNN the clusters") for message in seen)
    assert sum(len(item.data) for item in panel.scatter_items) == 300 and panel.centres.count == 10
