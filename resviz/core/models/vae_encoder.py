"""Seed 000's VAE encoder: an LSTM that reads a digit one row at a time.

The image is a sequence of 28 rows, each a vector of 28 pixels (seed: "LSTM layer
with 28 input size and 28 sequence length", hidden size 32, one layer). The LSTM's
output for every row (28 x 32) is what the seed's Model 1 and Model 2 turn into a
latent per row; its last hidden state (32) summarises the whole digit, which is what
the compact VAE turns into a small latent vector.
"""

from __future__ import annotations

import torch
from torch import nn


class LSTMRowEncoder(nn.Module):
    def __init__(self, image_size: int = 28, hidden: int = 32, layers: int = 1):
        super().__init__()
        self.lstm = nn.LSTM(input_size=image_size, hidden_size=hidden, num_layers=layers, batch_first=True)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """[B, 1, 28, 28] -> (per-row outputs [B, 28, hidden], last hidden state [B, hidden])."""
        rows = x.reshape(x.shape[0], x.shape[-2], x.shape[-1])  # the channel axis has size 1
        outputs, (last_hidden, _) = self.lstm(rows)
        return outputs, last_hidden[-1]
