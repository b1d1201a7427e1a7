"""What every resviz VAE shares: encode -> reparameterize -> decode, the prior.

pytorch/examples ``vae/main.py`` keeps the three steps as separate methods, so a
latent slider is just ``decode(z)``:

- ``encode(x) -> (mean, logvar)``, each a flat vector per image ``[B, latent_dim]``;
- ``reparameterize(mean, logvar)`` draws ``z = mean + exp(logvar / 2) * noise``;
- ``decode(z) -> pixel probabilities [B, 1, 28, 28]`` (``decode_logits`` before the sigmoid);
- ``forward(x) -> VAEOutput(logits, mean, logvar, kl)``, what the VAE objective needs;
- ``kl(z, mean, logvar)``: KL(q(z|x) || p(z)) per image, in nats. Against the fixed prior
  N(0, I) in closed form; a VAE with a learned prior (``prior``, ``mixture_prior.py``)
  estimates it from the z drawn.

A subclass builds its encoder and decoder and fills in ``encode`` and
``decode_logits``; seed 000's LSTM VAEs are in ``vae.py``, the convolutional ones
in ``cvae.py``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from .mixture_prior import LearnedMixturePrior, gaussian_log_density


class VAEOutput(NamedTuple):
    logits: torch.Tensor  # [B, 1, 28, 28], before the sigmoid
    mean: torch.Tensor  # [B, d]
    logvar: torch.Tensor  # [B, d]
    kl: torch.Tensor  # [B], nats: KL(q(z|x) || p(z)) for the z drawn


class VAE(nn.Module):
    """What every resviz VAE shares: sampling, decoding to probabilities, the prior."""

    latent_dim: int

    def __init__(self, config):
        super().__init__()
        self.config = config
        # None: the fixed prior N(0, I); a subclass may set a learned one (an instance attribute, not a
        # class one: nn.Module keeps submodules where a class attribute would shadow them)
        self.prior: LearnedMixturePrior | None = None
        size = getattr(config, "image_size", 28)
        self.input_shape = (1, size, size)  # one grey image: what encode takes and decode draws

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @staticmethod
    def reparameterize(mean: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None):
        noise = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
        return mean + torch.exp(0.5 * logvar) * noise

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latent vectors [B, latent_dim] -> pixel probabilities [B, 1, 28, 28]."""
        return torch.sigmoid(self.decode_logits(z))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> VAEOutput:
        mean, logvar = self.encode(x)
        z = self.reparameterize(mean, logvar, generator)
        return VAEOutput(self.decode_logits(z), mean, logvar, self.kl(z, mean, logvar))

    def kl(self, z: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """KL(N(mean, var) || p(z)) per image [B]: in closed form against N(0, I); against a learned
        prior, log q(z|x) - log p(z) at the z drawn (an unbiased estimate: there is no closed form)."""
        if self.prior is None:
            mean, logvar = mean.float(), logvar.float()
            return -0.5 * (1 + logvar - mean.pow(2) - logvar.exp()).sum(1)
        return gaussian_log_density(z, mean, logvar) - self.prior(z)

    def sample_prior(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> torch.Tensor:
        """n latent vectors from the prior N(0, I); at temperature T from N(0, T²I) (T < 1: nearer the centre).
        A learned prior: a component by its weight, then its Gaussian, T² as wide."""
        device = next(self.parameters()).device
        noise = torch.randn(n, self.latent_dim, generator=generator, device=device)
        if self.prior is None:
            return temperature * noise
        with torch.no_grad():
            component = torch.multinomial(self.prior.weights(), n, replacement=True, generator=generator)
            spread = torch.einsum("nij,nj->ni", self.prior.cholesky()[component], noise)
            return self.prior.means[component] + temperature * spread
