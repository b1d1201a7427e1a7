"""The judge of generated digits: sure of real digits, less of in-between shapes, collapse seen; temperature."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from resviz.core import models
from resviz.core.analysis import latent
from resviz.core.checkpoints import save_checkpoint
from resviz.core.data import load_dataset
from resviz.core.evaluation.digit_judge import JudgeUnavailable, digit_judge, judge_path, load_judge, train_judge
from resviz.core.evaluation.sample_belief import (
    belief_sentence,
    collapse_note,
    pairwise_diversity,
    score_images,
    score_real_digits,
)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("mnist").subset(2000, 1000)


@pytest.fixture(scope="module")
def judge(digits, tmp_path_factory):
    """A small judge: seed 001's CNN, one epoch on 2,000 digits (~90% test accuracy)."""
    return train_judge(tmp_path_factory.mktemp("judge") / "judge.pt", digits, epochs=1, batch_size=32)


def blends(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each digit half-and-half with one of another class: the 4/9 in-between shapes issue 22 is about."""
    others = [np.flatnonzero(labels != label) for label in labels]
    return np.stack([0.5 * images[i] + 0.5 * images[others[i][i % len(others[i])]] for i in range(len(images))])


def test_real_digits_are_believed_blends_less_and_a_collapse_is_seen(judge, digits):
    real = digits.test_images[:500]
    labels = digits.test_labels[:500].numpy()
    score = score_images(judge.model, real)
    assert score.count == 500 and score.belief > 0.6
    assert score.min_digit_share > 0.03 and sum(score.digit_shares) == pytest.approx(1.0)  # every digit there
    assert score.diversity > 5  # two MNIST digits differ by ~10 (Euclidean, pixels in [0, 1])

    floats = real.numpy().astype(np.float32) / 255
    in_between = score_images(judge.model, blends(floats, labels))
    assert in_between.belief < score.belief - 0.1

    collapsed = score_images(judge.model, np.repeat(floats[:1], 500, axis=0))  # one digit, 500 times
    assert collapsed.diversity == 0 and collapsed.min_digit_share == 0
    assert max(collapsed.digit_shares) == 1.0
    assert collapse_note(collapsed, score).startswith("collapsed: nearly alike (diversity 0.0")
    assert "100% called" in collapse_note(collapsed, score)
    assert collapse_note(score, score) == ""


def test_noise_is_believed_less_than_real_digits(judge, digits):
    real = score_images(judge.model, digits.test_images[:500])
    noise = score_images(judge.model, np.random.default_rng(0).random((500, 28, 28)).astype(np.float32))
    assert noise.belief < real.belief
    assert noise.min_digit_share < real.min_digit_share  # noise looks like one or two digits at most


def test_uint8_and_float_images_score_the_same(judge, digits):
    images = digits.test_images[:200]
    as_float = images.numpy().astype(np.float32) / 255
    a, b = score_images(judge.model, images), score_images(judge.model, as_float)
    assert a.belief == pytest.approx(b.belief, abs=1e-6) and a.digit_shares == b.digit_shares
    assert a.diversity == pytest.approx(b.diversity, rel=1e-5)


def test_diversity_by_hand():
    black, white = np.zeros((28, 28), np.float32), np.ones((28, 28), np.float32)
    # two distinct images: every pair is (black, white) in some order, 28 apart (sqrt(784))
    assert pairwise_diversity(np.stack([black, white]), pairs=50) == pytest.approx(28.0)
    assert pairwise_diversity(np.stack([white, white, white])) == 0.0
    assert pairwise_diversity(np.stack([white])) == 0.0


def test_reference_is_the_same_digits_for_a_seed(judge, digits):
    a = score_real_digits(judge.model, digits.test_images, 300, seed=4)
    b = score_real_digits(judge.model, digits.test_images, 300, seed=4)
    assert a == b and a.count == 300
    sentence = belief_sentence(a, a)
    assert sentence.startswith(f"A digit classifier is {a.belief:.2f} sure of these samples, {a.belief:.2f} of real")


def test_the_kept_judge_is_loaded_not_trained_again(judge, monkeypatch, tmp_path):
    monkeypatch.setenv("RESVIZ_CHECKPOINTS", str(tmp_path))
    kept = judge_path()
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(judge.path.read_bytes())
    monkeypatch.setattr("resviz.core.evaluation.digit_judge.train_judge",
                        lambda *a, **k: pytest.fail("the kept judge was trained again"))
    loaded = digit_judge()
    assert loaded.path == kept and loaded.description == judge.description
    assert "Seed 001 CNN (cnn) trained 1 epoch on MNIST" in loaded.description and "test accuracy" in loaded.description
    assert not loaded.model.training


def test_a_vae_is_no_judge(tmp_path):
    vae = models.build("cvae2d")
    path = save_checkpoint(tmp_path / "vae.pt", model="cvae2d", model_config=models.model_config(vae),
                           state_dict=vae.state_dict(), objective="vae", dataset="mnist")
    with pytest.raises(JudgeUnavailable, match="does not classify"):
        load_judge(path)


def test_temperature_scales_z_and_zero_decodes_the_mean():
    torch.manual_seed(0)
    model = models.build("cvae2d").eval()
    z1 = latent.prior_latents(model, 6, seed=3)
    np.testing.assert_allclose(latent.prior_latents(model, 6, seed=3, temperature=0.7), 0.7 * z1, rtol=1e-6)
    cold = latent.prior_samples(model, 4, seed=3, temperature=0.0)
    centre = latent.decode(model, np.zeros((1, 2), np.float32))  # one at a time: float sums may differ in the last bit
    np.testing.assert_allclose(cold, np.repeat(centre, 4, axis=0), atol=1e-6)
    generator = torch.Generator().manual_seed(1)
    assert not model.sample_prior(5, generator, temperature=0.0).any()
    warm = model.sample_prior(5, torch.Generator().manual_seed(1), temperature=2.0)
    torch.testing.assert_close(warm, 2.0 * model.sample_prior(5, torch.Generator().manual_seed(1)))
