"""The Generated tab's temperature slider and 'Score these samples': a judge's numbers beside each VAE's grid."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from run_helpers import shown_generated_panel

from resviz.core.data import load_dataset
from resviz.core.evaluation.digit_judge import judge_path, train_judge
from resviz.core.events import Done
from resviz.core.models import model_config
from resviz.core.replica import ModelReplica
from resviz.core.trainer import TrainConfig, Trainer


@pytest.fixture(scope="module")
def tiny_vae_and_judge(tmp_path_factory):
    """A cvae trained for a few steps and a judge trained for one epoch, each on a few hundred digits."""
    data = load_dataset("mnist").subset(1000, 500)
    trainer = Trainer(TrainConfig.for_model("cvae", device="cpu", epochs=1, batch_size=64, train_subset=640,
                                            test_subset=200, snapshot_every=0), data)
    done = [event for event in trainer.fit() if isinstance(event, Done)]
    assert done, "the tiny VAE did not train"
    model = trainer.model.cpu().eval()
    judge = train_judge(tmp_path_factory.mktemp("judge") / "judge.pt", data, epochs=1, batch_size=32)
    return ModelReplica("cvae", model_config(model), model, step=done[0].step), judge




def test_score_line_appears_beside_the_real_digits_score(qtbot, tiny_vae_and_judge, monkeypatch, tmp_path):
    replica, judge = tiny_vae_and_judge
    monkeypatch.setenv("RESVIZ_CHECKPOINTS", str(tmp_path))
    kept = judge_path()  # the judge the tab uses: the one kept in the checkpoints folder
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(judge.path.read_bytes())
    panel = shown_generated_panel(qtbot, replica)
    label = panel.score_labels["cvae"]
    assert not label.isVisible() and panel.score_button.isEnabled()

    panel.score_button.click()
    assert not panel.score_button.isEnabled()  # one scoring at a time
    qtbot.waitUntil(lambda: label.isVisible(), timeout=120_000)
    text = label.text()
    assert text.startswith("A digit classifier is <b>0.") and "of real digits" in text
    assert f"T = 1.00, step {replica.step:,}" in text and "1,000 samples of cvae at T = 1.00" in label.toolTip()
    report = panel._report
    assert f"<b>{report.samples['cvae'].belief:.2f}</b> sure of these samples" in text
    assert f"<b>{report.reference.belief:.2f}</b> of real digits" in text
    assert judge.description in label.toolTip() and "never the VAE it judges" in label.toolTip()
    assert panel.score_button.isEnabled() and not panel.score_progress.isVisible()

    # another temperature: other samples, so the old score is marked as old until scored again
    panel.temperature_slider.setValue(70)
    assert panel.temperature_label.text() == "Temperature T = 0.70"
    assert label.toolTip().startswith("This score is of other samples")
    panel.score_button.click()
    qtbot.waitUntil(lambda: "T = 0.70" in label.text(), timeout=120_000)
    assert not label.toolTip().startswith("This score is of other samples")


def test_temperature_redraws_the_grid_and_zero_draws_the_mean(qtbot, tiny_vae_and_judge):
    replica, _ = tiny_vae_and_judge
    panel = shown_generated_panel(qtbot, replica)
    warm = panel.samples("cvae").copy()
    panel.temperature_slider.setValue(0)
    cold = panel.samples("cvae")
    assert not np.allclose(warm, cold)
    expected = torch.sigmoid(replica.model.decode_logits(torch.zeros(1, replica.model.latent_dim)))[0, 0]
    np.testing.assert_allclose(cold[:28, :28], expected.detach().numpy(), atol=1e-5)  # the first tile: decode(0)
