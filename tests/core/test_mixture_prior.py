"""The prior a VAE can learn (models/mixture_prior.py): its density is a Gaussian mixture's, its KL
estimate is unbiased, it trains with the VAE, and its checkpoints load."""

from __future__ import annotations

import numpy as np
import torch
from torch.distributions import Categorical, MixtureSameFamily, MultivariateNormal

from resviz.core import models
from resviz.core.checkpoints import load_checkpoint, save_checkpoint
from resviz.core.models.mixture_prior import LearnedMixturePrior
from resviz.core.objectives import objective_for


def scrambled_prior(components=5, dim=3) -> LearnedMixturePrior:
    prior = LearnedMixturePrior(components, dim)
    with torch.no_grad():
        generator = torch.Generator().manual_seed(1)
        for parameter in prior.parameters():
            parameter.add_(0.5 * torch.randn(parameter.shape, generator=generator))
    return prior


def test_its_density_is_the_gaussian_mixtures():
    prior = scrambled_prior()
    reference = MixtureSameFamily(Categorical(logits=prior.logits.detach()),
                                  MultivariateNormal(prior.means.detach(), scale_tril=prior.cholesky().detach()))
    z = torch.randn(7, 3)
    assert torch.allclose(prior(z), reference.log_prob(z), atol=1e-4)


def test_one_component_at_the_origin_is_n01_and_the_kl_estimate_averages_to_the_closed_form():
    model = models.build("cvae", seed=0, prior_components=1).eval()
    with torch.no_grad():
        model.prior.means.zero_()
    x = torch.rand(1, 1, 28, 28).repeat(4000, 1, 1, 1)
    with torch.no_grad():
        out = model(x, generator=torch.Generator().manual_seed(0))
        closed = -0.5 * (1 + out.logvar - out.mean.pow(2) - out.logvar.exp()).sum(1)
    assert abs(out.kl.mean().item() - closed[0].item()) < 0.05 * max(closed[0].item(), 1.0)


def test_the_prior_trains_with_the_vae():
    model = models.build("cvae", seed=0, prior_components=4)
    loss, parts = objective_for("vae").loss(model, torch.rand(8, 1, 28, 28), torch.zeros(8, dtype=torch.long))
    loss.backward()
    assert set(parts) == {"recon", "kl"}
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.prior.parameters())


def test_a_checkpoint_with_a_learned_prior_loads_with_it(tmp_path):
    model = models.build("cvae", seed=0, prior_components=3)
    with torch.no_grad():
        model.prior.means.add_(1.0)
    path = save_checkpoint(tmp_path / "mix.pt", model="cvae", model_config=models.model_config(model),
                           state_dict=model.state_dict())
    loaded = load_checkpoint(path).build_model()
    assert loaded.prior is not None and torch.equal(loaded.prior.means, model.prior.means)
    assert models.build("cvae").prior is None  # the default keeps N(0, I)


def test_samples_come_from_the_learned_prior_both_ways():
    """decode(sample_prior) and the panels' prior_latents draw from the learned mixture, not N(0, I)."""
    from resviz.core.analysis.latent import prior_latents

    model = models.build("cvae", seed=0, prior_components=2).eval()
    with torch.no_grad():
        model.prior.means.copy_(torch.stack([torch.full((16,), 5.0), torch.full((16,), -5.0)]))
        model.prior.log_diagonal.fill_(-3.0)  # narrow: every point within ~0.25 of its component's mean
    for z in (model.sample_prior(500, torch.Generator().manual_seed(0)),
              torch.as_tensor(prior_latents(model, 500, seed=0))):
        sides = z.mean(1)
        assert ((sides - 5).abs() < 0.3).any() and ((sides + 5).abs() < 0.3).any()
        assert ((sides.abs() - 5).abs() < 0.3).all()
    at_zero = torch.as_tensor(prior_latents(model, 10, seed=0, temperature=0.0))
    assert set(at_zero.mean(1).round().tolist()) <= {5.0, -5.0}
    np.testing.assert_array_equal(prior_latents(model, 5, seed=3), prior_latents(model, 5, seed=3))


def test_the_architecture_summary_sees_the_prior_run():
    """The prior is called as a module in the forward pass (for the KL), so a summary lists it as run, never
    as a layer left out at inference (it had said 'a training-only auxiliary classifier')."""
    from resviz.core.arch.summary import summarize

    summary = summarize(models.build("cvae-mix"), (1, 28, 28))
    prior = next(row for row in summary.rows if row.name == "prior")
    assert prior.ran and prior.params == 100 * (16 + 16 * 16 + 16 + 1)
