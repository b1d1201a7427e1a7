"""The Generated tab's 'Prior: fitted mixture': fitted in the background, then the grid and the score use it."""

from __future__ import annotations

import numpy as np
import pytest
from run_helpers import shown_generated_panel

from resviz.core.analysis.latent import decode
from resviz.core.analysis.latent_prior import generated_digits
from resviz.core.data import load_dataset
from resviz.core.evaluation.digit_judge import judge_path, train_judge
from resviz.core.events import Done
from resviz.core.models import model_config
from resviz.core.replica import ModelReplica
from resviz.core.trainer import TrainConfig, Trainer

TRAIN = 1000


@pytest.fixture(scope="module")
def tiny():
    """A cvae trained for a few steps, a judge trained for one epoch, and the 1,000 digits they learned from."""
    data = load_dataset("mnist").subset(TRAIN, 500)
    trainer = Trainer(TrainConfig.for_model("cvae", device="cpu", epochs=1, batch_size=64, train_subset=640,
                                            test_subset=200, snapshot_every=0), data)
    done = [event for event in trainer.fit() if isinstance(event, Done)]
    assert done, "the tiny VAE did not train"
    replica = ModelReplica("cvae", model_config(trainer.model), trainer.model.cpu().eval(), step=done[0].step)
    return replica, data




def test_the_mixture_is_fitted_in_the_background_and_then_drawn_from(qtbot, tiny):
    replica, data = tiny
    panel = shown_generated_panel(qtbot, replica, data)
    assert panel.prior_box.currentText() == "trained prior" and "N(0, T²I)" in panel.prior_status.text()
    count = panel.count_box.currentData()
    normal = generated_digits(replica.model, count, panel.seed, 1.0)
    np.testing.assert_allclose(panel.samples("cvae")[:28, :28], normal[0], atol=1e-6)

    panel.prior_box.setCurrentIndex(panel.prior_box.findData("mixture"))
    assert panel.priors.busy  # the fit runs off the GUI thread: the tab answered at once
    assert panel.prior_status.text().startswith("Fitting the mixture prior")
    assert panel._drawn_priors["cvae"] == (None, "N(0, I) until the mixture is fitted")
    qtbot.waitUntil(lambda: not panel.priors.busy, timeout=120_000)
    assert "fitted mixture (30 components)" in panel.prior_status.text()
    assert not panel.prior_progress.isVisible()
    mixture, why = panel._drawn_priors["cvae"]
    assert mixture is not None and mixture.images == TRAIN and why.startswith("fitted mixture")
    drawn = decode(replica.model, mixture.sample(count, panel.seed, 1.0))
    np.testing.assert_allclose(panel.samples("cvae")[:28, :28], drawn[0], atol=1e-6)
    assert not np.allclose(drawn[0], normal[0])

    panel.prior_box.setCurrentIndex(panel.prior_box.findData("normal"))  # back: the same N(0, I) points
    np.testing.assert_allclose(panel.samples("cvae")[:28, :28], normal[0], atol=1e-6)
    panel.prior_box.setCurrentIndex(panel.prior_box.findData("mixture"))  # again: no second fit
    assert not panel.priors.busy and "fitted mixture" in panel.prior_status.text()


def test_the_score_line_says_which_prior(qtbot, tiny, monkeypatch, tmp_path):
    replica, data = tiny
    judge = train_judge(tmp_path / "judge.pt", data, epochs=1, batch_size=32)
    monkeypatch.setenv("RESVIZ_CHECKPOINTS", str(tmp_path / "checkpoints"))
    judge_path().parent.mkdir(parents=True)
    judge_path().write_bytes(judge.path.read_bytes())
    panel = shown_generated_panel(qtbot, replica, data)
    label = panel.score_labels["cvae"]
    panel.score_button.click()
    qtbot.waitUntil(label.isVisible, timeout=120_000)
    assert label.text().endswith("z from N(0, I)")
    normal_belief = panel._report.samples["cvae"].belief

    panel.prior_box.setCurrentIndex(panel.prior_box.findData("mixture"))
    qtbot.waitUntil(lambda: not panel.priors.busy, timeout=120_000)
    assert label.toolTip().startswith("This score is of other samples")  # drawn from another prior now
    panel.score_button.click()
    qtbot.waitUntil(lambda: "z from fitted mixture" in label.text(), timeout=120_000)
    report = panel._report
    assert set(report.mixtures) == {"cvae"} and report.samples["cvae"].belief != normal_belief
    assert f"<b>{report.samples['cvae'].belief:.2f}</b> sure of these samples" in label.text()


def test_the_prior_line_forgets_a_removed_vae(qtbot, tiny):
    replica, data = tiny
    panel = shown_generated_panel(qtbot, replica, data)
    panel.prior_box.setCurrentIndex(panel.prior_box.findData("mixture"))
    qtbot.waitUntil(lambda: not panel.priors.busy, timeout=120_000)
    assert "fitted mixture" in panel.prior_status.text()
    run = panel.state.selected_run()
    panel.state.remove(run.id)
    qtbot.waitUntil(lambda: not panel.grids, timeout=5_000)
    assert panel.prior_status.text() == "" and not panel._drawn_priors
