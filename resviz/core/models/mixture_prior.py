"""A prior learned with the VAE: a Gaussian mixture over the latent space, trained by the ELBO.

A VAE with the fixed prior N(0, I) pays, in its KL term, for every way its codes do not
spread like N(0, I): the clumps and gaps between the digits. A prior that is learned
alongside the encoder and decoder can follow the clumps, so the KL term shrinks and the
samples land where the codes are (the mixture of Gaussians that Tomczak & Welling's
VampPrior paper starts from; Dilokthanakul et al. 2016 cluster with one). The KL term no
longer has a closed form: it is estimated from the one z the reconstruction already
draws, log q(z|x) - log p(z), which is an unbiased estimate of it.

Each component has a full covariance, kept as a Cholesky factor (a strictly lower part and
a log diagonal, so it is always valid). Measured on MNIST (README, issue 22), after 4
epochs of the cvae recipe: N(0, I) 97.51 nats, 100 diagonal components 95.75, 100
full-covariance components 94.08; after 28 epochs 93.38 against 90.00.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

LOG_2PI = math.log(2 * math.pi)


class LearnedMixturePrior(nn.Module):
    """p(z) = sum_k w_k N(z; mu_k, L_k L_k^T), every parameter trained with the VAE."""

    def __init__(self, components: int, latent_dim: int, spread: float = 1.0):
        super().__init__()
        if components < 1:
            raise ValueError(f"A mixture prior needs at least one component; got {components}.")
        # the means start spread like N(0, I) samples (a fixed draw: the same seed, the same prior)
        start = torch.randn(components, latent_dim, generator=torch.Generator().manual_seed(0))
        self.means = nn.Parameter(spread * start)
        self.lower = nn.Parameter(torch.zeros(components, latent_dim, latent_dim))  # below the diagonal
        self.log_diagonal = nn.Parameter(torch.zeros(components, latent_dim))  # each starts as N(mu_k, I)
        self.logits = nn.Parameter(torch.zeros(components))

    @property
    def components(self) -> int:
        return self.means.shape[0]

    def cholesky(self) -> torch.Tensor:
        """[K, D, D], lower-triangular with a positive diagonal: covariance_k = L_k L_k^T."""
        return torch.tril(self.lower, -1) + torch.diag_embed(self.log_diagonal.exp())

    def weights(self) -> torch.Tensor:
        return F.softmax(self.logits, 0)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """log p(z) for z [B, D] -> [B] (called as a module, so an architecture summary sees it run)."""
        z = z.float()
        centred = (z[None] - self.means[:, None, :].float()).transpose(1, 2)  # [K, D, B]
        solved = torch.linalg.solve_triangular(self.cholesky().float(), centred, upper=False)
        per_component = (-0.5 * solved.pow(2).sum(1) - self.log_diagonal.float().sum(1, keepdim=True)
                         - 0.5 * z.shape[1] * LOG_2PI)  # [K, B]
        return torch.logsumexp(per_component.T + F.log_softmax(self.logits.float(), 0), dim=1)

    @torch.no_grad()
    def as_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(weights [K], means [K, D], cholesky [K, D, D]) as float64 numpy arrays, for sampling."""
        return (self.weights().double().cpu().numpy(), self.means.double().cpu().numpy(),
                self.cholesky().double().cpu().numpy())


def gaussian_log_density(z: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mean, diag(exp(logvar))) per row: [B, D] -> [B]."""
    z, mean, logvar = z.float(), mean.float(), logvar.float()
    return -0.5 * ((z - mean).pow(2) / logvar.exp() + logvar + LOG_2PI).sum(1)
