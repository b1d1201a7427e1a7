"""What every resviz VAE shares: encode -> reparameterize -> decode, the prior.

pytorch/examples ``vae/main.py`` keeps the three steps as separate methods, so a
latent slider is just ``decode(z)``:

- ``encode(x) -> (mean, logvar)``, each a flat vector per image ``[B, latent_dim]``;
- ``reparameterize(mean, logvar)`` draws ``z = mean + exp(logvar / 2) * noise``;
- ``decode(z) -> pixel probabilities [B, 1, 28, 28]`` (``decode_logits`` before the sigmoid);
- ``forward(x) -> (logits, mean, logvar)``, what the VAE objective needs.

A subclass builds its encoder and decoder and fills in ``encode`` and
``decode_logits``; seed 000's LSTM VAEs are in ``vae.py``, the convolutional ones
in ``cvae.py``.
"""

from __future__ import annotations

import torch
from torch import nn


class VAE(nn.Module):
    """What every resviz VAE shares: sampling, decoding to probabilities, the prior."""

    latent_dim: int

    def __init__(self, config):
        super().__init__()
        self.config = config
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

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None):
        mean, logvar = self.encode(x)
        z = self.reparameterize(mean, logvar, generator)
        return self.decode_logits(z), mean, logvar

    def sample_prior(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> torch.Tensor:
        """n latent vectors from the prior N(0, I); at temperature T from N(0, T²I) (T < 1: nearer the centre)."""
        device = next(self.parameters()).device
        return temperature * torch.randn(n, self.latent_dim, generator=generator, device=device)
