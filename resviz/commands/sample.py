"""``resviz sample --checkpoint C --n N [--seed S] --out FILE``: new digits from a trained VAE.

Draws N latent vectors from the prior N(0, I) and decodes each. What is written is
the decoder's mean (each pixel's probability, 0-255), not a Bernoulli draw from it:
the draw would add salt-and-pepper noise that is no part of the digit. The same
seed gives the same digits (numpy's generator picks z).

- ``.npy``: uint8 array [N, 28, 28], 0-255, a white digit on black (as MNIST);
- ``.png``: the digits as one grid image, with dark grey gutters between them.

The last stdout line is one line of JSON; a wrong flag exits 2 with a message
naming it (on stderr too). The file is written with ``core.atomic.atomic_write``.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import torch

from ..core import models
from ..core.analysis import latent
from ..core.analysis.tiling import tile
from ..core.atomic import UnsafeTarget, atomic_write_bytes
from ..core.checkpoints import CheckpointError, load_checkpoint
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.objectives import objective_class
from .checks import PathProblem, whole_number, writable_file
from .progress import ProgressBar

PRINTS_JSON = True  # the last stdout line is JSON, errors included

MAX_SAMPLES = 100_000  # 78 MB as uint8; more is surely a typo
MAX_PNG_SAMPLES = 10_000  # a 100 x 100 grid, 2,900 pixels square
GUTTER = 64  # grey level between the digits of a PNG grid
BATCH = 1000


def add_arguments(parser) -> None:
    parser.add_argument("--checkpoint", required=True, help="a VAE .pt file written by resviz")
    parser.add_argument("--n", type=int, required=True, help=f"how many digits (1 to {MAX_SAMPLES:,})")
    parser.add_argument("--seed", type=whole_number(0, 2**32 - 1), default=0,
                        help="same seed, same digits (default 0)")
    parser.add_argument("--out", required=True, help="FILE.npy (uint8 [N, 28, 28]) or FILE.png (a grid)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")


def _fail(message: str) -> int:
    """A refusal: said on stderr for the person, as JSON on stdout for scripts; exit 2."""
    print(f"error: {message}", file=sys.stderr)
    print(json.dumps({"error": message}))
    return 2


def run(args) -> int:
    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".npy", ".png"):
        return _fail(f"--out must end in .npy or .png; got {args.out!r}.")
    limit = MAX_PNG_SAMPLES if suffix == ".png" else MAX_SAMPLES
    if not 1 <= args.n <= limit:
        return _fail(f"--n must be between 1 and {limit:,} for a {suffix} file; got {args.n}.")
    if not out.parent.is_dir():
        return _fail(f"--out: the folder {str(out.parent)!r} does not exist.")
    try:
        writable_file("--out", out)  # a device, a FIFO, a read-only file; a folder it may not write in
    except PathProblem as error:
        return _fail(str(error))
    try:
        checkpoint = load_checkpoint(args.checkpoint)
        device = resolve_device(args.device)
    except CheckpointError as error:
        return _fail(f"--checkpoint: {error}")
    except DeviceUnavailable as error:
        return _fail(f"--device: {error}")
    if not objective_class(models.spec(checkpoint.model_name).objective).generates:
        return _fail(f"--checkpoint: sampling needs a VAE checkpoint; {checkpoint.path.name} holds "
                     f"{checkpoint.model_name}, which has no decoder to draw with.")

    model = checkpoint.build_model(device)
    digits = sample_digits(model, args.n, args.seed, ProgressBar())
    written = digits if suffix == ".npy" else grid(digits)
    try:
        write(out, written)
    except (OSError, UnsafeTarget) as error:  # DiskFull is an OSError that says so
        return _fail(f"--out: could not write {args.out}: {getattr(error, 'strerror', None) or error}")
    print(json.dumps({
        "checkpoint": str(checkpoint.path), "model": checkpoint.model_name, "n": args.n, "seed": args.seed,
        "out": str(out), "format": suffix[1:], "shape": list(written.shape),
    }))
    return 0


def sample_digits(model, n: int, seed: int, bar: ProgressBar | None = None) -> np.ndarray:
    """n decoded prior samples as uint8 [n, 28, 28] (0-255); z comes from numpy's generator."""
    z = np.random.default_rng(seed).standard_normal((n, model.latent_dim)).astype(np.float32)
    chunks = []
    with torch.no_grad():
        for start in range(0, n, BATCH):
            probabilities = latent.decode(model, z[start:start + BATCH])
            chunks.append(np.rint(probabilities * 255).clip(0, 255).astype(np.uint8))
            if bar:
                bar.update(min(start + BATCH, n) / n, f"decoded {min(start + BATCH, n):,} of {n:,}")
    return np.concatenate(chunks)


def grid(digits: np.ndarray) -> np.ndarray:
    """uint8 [n, 28, 28] -> one uint8 image, as square as possible, grey gutters."""
    mosaic = tile(digits.astype(np.float32), pad=2)
    return np.where(np.isnan(mosaic), GUTTER, mosaic).astype(np.uint8)


def write(out: Path, array: np.ndarray) -> None:
    """Write a uint8 array as .npy or a .png image, by ``atomic_write`` (never half a file)."""
    data = io.BytesIO()
    if out.suffix.lower() == ".npy":
        np.save(data, array)
    else:
        from PIL import Image  # Pillow comes with torchvision

        Image.fromarray(array).save(data, format="PNG")
    atomic_write_bytes(out, data.getvalue())
