"""A VAE with a prior learned in training (cvae-mix): Latent space's sliders and 'Sample from prior', and
the Generated tab's trained prior, say and use its mixture, never N(0, I)."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from run_helpers import shown_generated_panel
from test_vae_panels import vae_replica

from resviz.core.analysis.latent import prior_moments


def moved_prior(replica, offset: float = 4.0):
    """Shift the learned mixture away from the origin, so N(0, I) and it cannot be taken for each other."""
    with torch.no_grad():
        replica.model.prior.means.add_(offset)
    return replica


def shown_latent_panel(qtbot, window):
    """A cvae-mix with its mixture moved, shown in Latent space once its 16 sliders are there."""
    replica = moved_prior(vae_replica("cvae-mix"))
    window.state.show_model(replica)
    panel = window.panel("Latent space")
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: len(panel.sliders) == 16, timeout=10_000)
    return replica, panel


def test_latent_space_centres_its_sliders_on_the_learned_prior_and_samples_from_it(qtbot, window):
    replica, panel = shown_latent_panel(qtbot, window)
    assert "learned 100-Gaussian mixture" in panel.axes_title.text() and "N(0, I)" not in panel.axes_title.text()
    centre, stds = prior_moments(replica.model.prior)
    np.testing.assert_allclose(panel.axes.centre, centre, rtol=1e-5)  # 0 on a slider is the prior's centre
    np.testing.assert_allclose(panel.axes.stds, stds, rtol=1e-5)
    panel.sample_button.click()
    assert "learned 100-Gaussian mixture" in panel.message.text() + panel.origin.text()
    assert np.abs(panel.current_z().mean() - 4.0) < 1.5  # drawn from the moved mixture, not from around 0


def test_generated_draws_a_learned_prior_from_its_mixture_and_says_so(qtbot):
    replica = moved_prior(vae_replica("cvae-mix"))
    panel = shown_generated_panel(qtbot, replica)
    qtbot.waitUntil(lambda: "cvae-mix" in panel.grids, timeout=10_000)
    assert panel.prior_box.currentText() == "trained prior"
    assert "mixture prior" in panel.prior_status.text() and "learned in training" in panel.prior_status.text()
    assert "N(0" not in panel.prior_status.text(), panel.prior_status.text()  # no VAE shown is on N(0, I)
    assert panel._drawn_priors["cvae-mix"][1] == "its learned 100-Gaussian mixture"


def test_the_generated_status_forgets_a_removed_learned_prior(qtbot):
    """Beside a cvae, the status names cvae-mix's learned mixture; once that run is removed it says N(0, T²I)."""
    panel = shown_generated_panel(qtbot, vae_replica("cvae"))
    mixed = panel.state.show_model(moved_prior(vae_replica("cvae-mix")))
    qtbot.waitUntil(lambda: {"cvae", "cvae-mix"} <= set(panel.grids), timeout=10_000)
    assert "N(0, T²I), and for" in panel.prior_status.text() and "cvae-mix" in panel.prior_status.text()
    panel.state.remove(mixed.id)
    qtbot.waitUntil(lambda: "cvae-mix" not in panel.grids, timeout=10_000)
    assert panel.prior_status.text() == "z ~ N(0, T²I), the prior each VAE was trained to match."


def test_latent_space_starts_a_learned_prior_on_its_likeliest_gaussian_and_says_where_zero_is(qtbot, window):
    replica, panel = shown_latent_panel(qtbot, window)
    prior = replica.model.prior
    with torch.no_grad():
        likeliest = prior.means[int(torch.argmax(prior(prior.means)))].numpy()
    np.testing.assert_allclose(panel.current_z(), likeliest, rtol=1e-4, atol=1e-4)  # not the in-between centre
    assert "likeliest Gaussian" in panel.origin.text()
    centre, stds = prior_moments(prior)
    tip = panel.sliders[3].toolTip()
    assert f"{centre[3]:+.2f}" in tip and f"σ = {stds[3]:.2f}" in tip and "mean 0 and σ = 1" not in tip
    panel.reset_button.click()
    assert np.allclose([s.value() for s in panel.sliders], 0.0)
    np.testing.assert_allclose(panel.current_z(), centre, rtol=1e-4, atol=1e-4)
    assert "centre of its learned 100-Gaussian mixture" in panel.origin.text()
    assert "prior's mean" not in panel.origin.text()


def test_latent_space_follows_a_training_priors_likeliest_gaussian_until_a_slider_moves(qtbot, window):
    """While cvae-mix trains its mixture moves: the start stays on its likeliest Gaussian, as the caption says;
    once the person has moved a slider, a new snapshot leaves their point where they put it."""
    replica, panel = shown_latent_panel(qtbot, window)
    run_id = window.state.selected_run().id
    steps = iter(range(100, 1000, 100))

    def next_snapshot(favourite: int):
        with torch.no_grad():
            replica.model.prior.means[favourite] += 0.5
            replica.model.prior.logits.fill_(0.0)
            replica.model.prior.logits[favourite] = 5.0  # this Gaussian is now the likeliest
        window.state.show_model(dataclasses.replace(replica, step=next(steps)), into=run_id)
        return replica.model.prior.means[favourite].detach().numpy().copy()

    mean = next_snapshot(7)
    qtbot.waitUntil(lambda: np.allclose(panel.current_z(), mean, atol=1e-4), timeout=10_000)
    assert "likeliest Gaussian" in panel.origin.text()
    panel.sliders[0].slider.setValue(panel.sliders[0].slider.maximum())  # the person drags z1 to +3σ
    next_snapshot(3)
    qtbot.waitUntil(lambda: panel.axes is not None and np.allclose(panel.axes.centre,
                                                                     prior_moments(replica.model.prior)[0],
                                                                     atol=1e-4), timeout=10_000)
    assert not np.allclose(panel.current_z(), replica.model.prior.means[3].detach().numpy(), atol=1e-3)
    assert "Your own latent point" in panel.origin.text()
