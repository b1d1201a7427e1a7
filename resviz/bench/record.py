"""The public MNIST speed record, re-implemented: tuomaso/train_mnist_fast, final version.

Its notebook ``8_Final_00s76.ipynb`` (99.04% mean over 30 seeds in 0.76 s on a GTX
1660 Ti) trains, for one epoch, data that sits on the GPU as one float tensor:

    conv 24@5x5 -> max-pool 2 -> ReLU -> conv 32@3x3 -> max-pool 2 -> ReLU
    -> FC 800->256 -> ReLU -> FC 256->10 -> log-softmax, NLL loss

with Adam (lr 0.01, betas (0.7, 0.9)), OneCycleLR up to 0.01 without momentum
cycling, batch 256, ceil(60000 / 256) = 235 steps (the last batch is short), and
PyTorch's default initialisation. Details kept from the original: the images are
normalised once beforehand with MNIST's mean/std (0.1307, 0.3081) and shuffled once,
then read in order (its data_saver.py shuffles when it saves the tensors); the test
uses batches of 2,000. What we time is what the issue asks for: from the first step
to the end of training, synchronised (the original timed the whole notebook cell).

Our only choice: the one-time shuffle is redrawn for every seed (the original's was
fixed by whichever save it made), outside the timed region like its data_saver.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..core.data import Dataset, as_float_images

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


class RecordNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 24, 5, 1)
        self.conv2 = nn.Conv2d(24, 32, 3, 1)
        self.fc1 = nn.Linear(800, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(F.max_pool2d(self.conv1(x), 2))  # pool before ReLU: same result, less work
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return F.log_softmax(self.fc2(x), dim=1)


@dataclass
class RecordData:
    """The record's inputs: normalised float images on the device, shuffled once."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor


def prepare_record_data(data: Dataset, device: torch.device, seed: int) -> RecordData:
    order = torch.randperm(len(data.train_images), generator=torch.Generator().manual_seed(seed))

    def normalise(images):
        return ((as_float_images(images) - MNIST_MEAN) / MNIST_STD).to(device)

    return RecordData(normalise(data.train_images[order]), data.train_labels[order].to(device),
                      normalise(data.test_images), data.test_labels.to(device))


@dataclass
class RunResult:
    seconds: float  # first step -> end of training, synchronised
    accuracy: float  # on the test set, 0..1
    steps: int


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_record(data: RecordData, seed: int, epochs: int = 1, batch_size: int = 256,
                 lr: float = 0.01) -> RunResult:
    """One run of the record recipe; returns its training time and test accuracy."""
    device = data.train_x.device
    torch.manual_seed(seed)
    model = RecordNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.7, 0.9))
    n = len(data.train_x)
    batches_per_epoch = (n - 1) // batch_size + 1
    total_steps = batches_per_epoch * epochs
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=total_steps, cycle_momentum=False)

    model.train()
    sync(device)
    start = time.perf_counter()
    for i in range(total_steps):
        i %= batches_per_epoch
        x = data.train_x[batch_size * i:batch_size * (i + 1)]
        y = data.train_y[batch_size * i:batch_size * (i + 1)]
        optimizer.zero_grad()
        loss = F.nll_loss(model(x), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
    sync(device)
    seconds = time.perf_counter() - start
    return RunResult(seconds, record_accuracy(model, data), total_steps)


@torch.no_grad()
def record_accuracy(model: nn.Module, data: RecordData, batch_size: int = 2000) -> float:
    model.eval()
    correct = torch.zeros((), dtype=torch.long, device=data.test_x.device)
    for start in range(0, len(data.test_x), batch_size):
        output = model(data.test_x[start:start + batch_size])
        correct += (output.argmax(1) == data.test_y[start:start + batch_size]).sum()
    return correct.item() / max(len(data.test_x), 1)
