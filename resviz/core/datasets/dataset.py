"""One dataset as whole tensors, and how its inputs become what models take.

MNIST-sized sets are small (60k x 28 x 28 = 47 MB as uint8), so each split is one
tensor that lives on the training device and batches are indexed out of it: no
per-sample DataLoader, which is the single biggest slowdown in MNIST training.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch


@dataclass(frozen=True)
class Dataset:
    """One dataset as four tensors (see the module docstring for their shapes)."""

    key: str
    title: str
    classes: tuple[str, ...]
    train_inputs: torch.Tensor
    train_labels: torch.Tensor
    test_inputs: torch.Tensor
    test_labels: torch.Tensor
    source: str  # the folder read, or what was used instead
    note: str | None = None  # shown to the person when this is not the full dataset
    options: dict = field(default_factory=dict)  # how it was loaded (an image folder's path and size, ...)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """(channels, height, width) for images, (channels, length) for signals."""
        return tuple(self.train_inputs.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def is_grey_image(self) -> bool:
        return len(self.input_shape) == 3 and self.input_shape[0] == 1

    @property
    def train_images(self) -> torch.Tensor:
        """A grey image set as uint8 [N, H, W] (what digit panels draw and cluster)."""
        return self._grey(self.train_inputs)

    @property
    def test_images(self) -> torch.Tensor:
        return self._grey(self.test_inputs)

    def _grey(self, inputs: torch.Tensor) -> torch.Tensor:
        if not self.is_grey_image:
            raise ValueError(f"{self.title} is not a set of grey images (its inputs are {self.input_shape})")
        return inputs[:, 0]

    @property
    def device(self) -> torch.device:
        return self.train_inputs.device

    def to(self, device: torch.device | str) -> Dataset:
        return replace(
            self,
            train_inputs=self.train_inputs.to(device),
            train_labels=self.train_labels.to(device),
            test_inputs=self.test_inputs.to(device),
            test_labels=self.test_labels.to(device),
        )

    def subset(self, train: int | None = None, test: int | None = None) -> Dataset:
        """The first ``train`` / ``test`` examples (for quick runs and tests)."""
        return replace(
            self,
            train_inputs=self.train_inputs[:train],
            train_labels=self.train_labels[:train],
            test_inputs=self.test_inputs[:test],
            test_labels=self.test_labels[:test],
        )

    def display_image(self, index: int, split: str = "test") -> np.ndarray:
        """One example as a picture: grey [H, W] or colour [H, W, 3] floats in [0, 1]; a signal as [C, L]."""
        inputs = self.test_inputs if split == "test" else self.train_inputs
        x = to_model_input(inputs[index:index + 1])[0].cpu().numpy()
        if x.ndim == 3:
            return x[0] if x.shape[0] == 1 else np.moveaxis(x, 0, -1)
        return x


def to_model_input(inputs: torch.Tensor) -> torch.Tensor:
    """A batch as the float tensor models take: uint8 images -> [0, 1]; float signals as they are."""
    if inputs.dtype == torch.uint8:
        return inputs.float().div_(255.0)
    return inputs.float()


def as_float_images(images_u8: torch.Tensor) -> torch.Tensor:
    """Grey uint8 images [N, H, W] -> float [N, 1, H, W] in [0, 1]."""
    return to_model_input(images_u8.unsqueeze(1))
