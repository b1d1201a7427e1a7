"""Seed 000's LSTM-encoder VAE (Model 1, Model 2) and a compact variant for sliders.

The VAE protocol (encode, reparameterize, decode as separate methods) is in
``vae_base.py``.

Seed Model 1 / Model 2 (Table 2): the LSTM's 28 x 32 outputs -> ReLU -> a fully
connected layer applied to every row, to the mean and to the log-variance of width h
(Model 1: h = 256, Model 2: h = 16) -> a sample of h x 28 x 1 (channels x rows x
width) -> the decoder (``vae_decoder.py``). Interpretation: the seed's "a3 -> 28 x h"
is the mean and variance per row (two FC layers, one for each), and its "a4 -> h x 28
x 1" is that sample with rows as the height axis. The latent is flattened
channel-major (index = channel * 28 + row), so it is 28 * h numbers: 7,168 for
Model 1, 448 for Model 2.

Compact VAE (not in the seed): the same LSTM, whose last hidden state -> ReLU -> a
d-dimensional mean and log-variance (``vae``: d = 8; ``vae2d``: d = 2, for a grid of
the whole latent plane), and a fully connected layer from z to the h x 28 x 1 input
of the same decoder. Its few latent dimensions can each be a slider.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .registry import ModelSpec, register
from .vae_base import VAE
from .vae_decoder import SeedDecoder
from .vae_encoder import LSTMRowEncoder


@dataclass
class SeedVAEConfig:
    latent_channels: int = 256  # h: latent channels per image row (Model 1: 256, Model 2: 16)
    lstm_hidden: int = 32  # seed: hidden size h1
    lstm_layers: int = 1  # seed: n
    decoder_channels: tuple[int, int] = (128, 64)  # seed: h3, h2
    kernel_size: int = 5  # seed: k = 5x5
    stride: tuple[int, int] = (3, 1)  # seed: s
    pool: tuple[int, int] = (3, 2)  # seed: p
    dropout: float = 0.01  # seed: pr, after the second decoder layer
    image_size: int = 28

    def __post_init__(self):  # checkpoints store tuples as lists
        self.decoder_channels = tuple(self.decoder_channels)
        self.stride = tuple(self.stride)
        self.pool = tuple(self.pool)


@dataclass
class CompactVAEConfig(SeedVAEConfig):
    latent_channels: int = 16  # h of the decoder's input (Model 2's width keeps it quick)
    latent_dim: int = 8  # d: one slider per dimension; 2 for a manifold grid


class LSTMVAE(VAE):
    """The seed's LSTM row encoder and transposed-conv decoder; subclasses shape the latent."""

    config: SeedVAEConfig

    def __init__(self, config: SeedVAEConfig):
        super().__init__(config)
        self.encoder = LSTMRowEncoder(config.image_size, config.lstm_hidden, config.lstm_layers)
        self.decoder = SeedDecoder(config.latent_channels, config.decoder_channels, config.kernel_size,
                                   config.stride, config.pool, config.dropout, config.image_size)


class SeedVAE(LSTMVAE):
    """Seed 000's Model 1 (h = 256) and Model 2 (h = 16): a latent of h x 28 x 1."""

    def __init__(self, config: SeedVAEConfig | None = None, **overrides):
        super().__init__(config or SeedVAEConfig(**overrides))
        h, hidden = self.config.latent_channels, self.config.lstm_hidden
        self.fc_mean = nn.Linear(hidden, h)  # applied to each of the 28 rows
        self.fc_logvar = nn.Linear(hidden, h)
        self.latent_shape = (h, self.config.image_size, 1)
        self.latent_dim = h * self.config.image_size

    def encode(self, x):
        rows, _ = self.encoder(x)
        rows = torch.relu(rows)  # [B, 28, hidden]
        # [B, 28, h] -> [B, h, 28] (channel-major, the sample's h x 28 x 1 layout) -> flat
        mean = self.fc_mean(rows).transpose(1, 2).flatten(1)
        logvar = self.fc_logvar(rows).transpose(1, 2).flatten(1)
        return mean, logvar

    def decode_logits(self, z):
        return self.decoder(z.reshape(z.shape[0], *self.latent_shape))


class CompactVAE(LSTMVAE):
    """The seed's encoder and decoder around a d-dimensional latent vector."""

    def __init__(self, config: CompactVAEConfig | None = None, **overrides):
        super().__init__(config or CompactVAEConfig(**overrides))
        cfg = self.config
        self.latent_dim = cfg.latent_dim
        self.fc_mean = nn.Linear(cfg.lstm_hidden, cfg.latent_dim)
        self.fc_logvar = nn.Linear(cfg.lstm_hidden, cfg.latent_dim)
        self.latent_shape = (cfg.latent_channels, cfg.image_size, 1)
        self.fc_expand = nn.Linear(cfg.latent_dim, cfg.latent_channels * cfg.image_size)

    def encode(self, x):
        _, last = self.encoder(x)
        last = torch.relu(last)
        return self.fc_mean(last), self.fc_logvar(last)

    def decode_logits(self, z):
        return self.decoder(self.fc_expand(z).reshape(z.shape[0], *self.latent_shape))


def vae_2d(**overrides) -> CompactVAE:
    return CompactVAE(CompactVAEConfig(**{"latent_dim": 2, **overrides}))


def vae_model1(**overrides) -> SeedVAE:
    return SeedVAE(SeedVAEConfig(**{"latent_channels": 256, **overrides}))


def vae_model2(**overrides) -> SeedVAE:
    return SeedVAE(SeedVAEConfig(**{"latent_channels": 16, **overrides}))


# The seed trains 50 epochs with batch 100 and Adam at lr 0.001 (constant). Its
# transposed convolutions are slow on a CPU (Model 2: roughly 100-400 images/s on
# two cores), so the default is 2 epochs; the person can ask for more.
_SEED_TRAINING = dict(epochs=2, batch_size=100, lr=1e-3, optimizer="adam", schedule="constant")

register(ModelSpec(
    "vae1", "Seed 000's VAE Model 1: LSTM row encoder, latent 256 x 28, transposed-conv decoder",
    "vae", vae_model1, defaults=dict(_SEED_TRAINING),
    title="Seed 000 Model 1", input_shape=(1, 28, 28), seed_decoder=True,
))
register(ModelSpec(
    "vae2", "Seed 000's VAE Model 2: LSTM row encoder, latent 16 x 28, transposed-conv decoder",
    "vae", vae_model2, defaults=dict(_SEED_TRAINING),
    title="Seed 000 Model 2", input_shape=(1, 28, 28), seed_decoder=True,
))
register(ModelSpec(
    "vae", "Compact VAE: the seed's LSTM encoder and decoder around an 8-D latent (a slider each)",
    "vae", CompactVAE, defaults=dict(_SEED_TRAINING),
    title="Seed-style compact, 8-D", input_shape=(1, 28, 28), seed_decoder=True,
))
register(ModelSpec(
    "vae2d", "Compact VAE with a 2-D latent: the whole latent plane as a grid of decoded digits",
    "vae", vae_2d, defaults=dict(_SEED_TRAINING),
    title="Seed-style compact, 2-D", input_shape=(1, 28, 28), seed_decoder=True,
))
