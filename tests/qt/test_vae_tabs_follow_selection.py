"""Select a VAE run in the Runs list and the VAE tabs show it (the README's "select a run and every tab
inspects it"): Clusters once clustered the newest VAE while another was selected."""

from __future__ import annotations

from resviz.core import models
from resviz.core.checkpoints import save_checkpoint


def _open_vae(state, tmp_path, name: str, model: str = "cvae"):
    net = models.build(model)
    path = save_checkpoint(tmp_path / f"{name}.pt", model=model, model_config=models.model_config(net),
                           state_dict=net.state_dict(), name=name)
    return state.open_checkpoint(str(path))


def test_clusters_and_latent_space_show_the_selected_vae(window, tmp_path):
    state = window.state
    first = _open_vae(state, tmp_path, "first vae")
    second = _open_vae(state, tmp_path, "second vae", "cvae2d")
    clusters, latent = window.panel("Clusters"), window.panel("Latent space")
    for run in (first, second, first):
        state.select(run.id)
        assert clusters.model_box.currentData() == run.id
        assert latent.model_box.currentData() == run.id
    cnn = models.build("cnn")
    classifier = state.open_checkpoint(str(save_checkpoint(
        tmp_path / "cnn.pt", model="cnn", model_config=models.model_config(cnn), state_dict=cnn.state_dict())))
    state.select(classifier.id)  # not a VAE: the pickers keep what they showed
    assert clusters.model_box.currentData() == first.id and latent.model_box.currentData() == first.id
