"""``resviz sample --checkpoint C --n N [--seed S] [--temperature T] [--prior P] --out FILE``: new digits.

Draws N latent vectors and decodes each. ``--prior mixture`` (the default for a latent
of up to 64 numbers) draws them from a Gaussian mixture fitted to the latent means of
the training digits (ex-post density estimation, Ghosh et al. 2020;
``core/analysis/latent_prior.py``): fitted once per checkpoint's weights (~10-20 s on
two CPU cores) and kept in the cache folder. A digit classifier believes the 8-epoch
``cvae``'s samples from it 0.97, as much as the issue's target, against 0.86 for z
from ``--prior normal``, N(0, I) -- the prior the VAE was trained to match (``cvae-mix``
learns its own, a Gaussian mixture: ``normal`` draws from that) and the only one for
seed 000's large latents. At sampling temperature T (default 1; Glow and
others sample at T < 1: fewer in-between shapes, less variety) z comes from N(0, T²I),
or from the mixture with each covariance times T². What is written is
the decoder's mean (each pixel's probability, 0-255), not a Bernoulli draw from it:
the draw would add salt-and-pepper noise that is no part of the digit. The same
seed gives the same digits (numpy's generator picks z).

``--score`` also asks a digit classifier trained on real MNIST (``--judge CK``, or
the one resviz trains once and keeps: ``core/evaluation/digit_judge.py``) how sure it
is of the digits, and of as many real test digits: the JSON gains ``belief``,
``min_digit_share``, ``digit_shares``, ``diversity`` and the real digits' numbers as
``reference`` (``core/evaluation/sample_belief.py`` says what each means). With
``--score``, ``--n`` defaults to 1,000 and ``--out`` may be left out.

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
from ..core.analysis.latent_prior import MixturePrior, mixture_refusal, sample_latents
from ..core.analysis.latent_prior_store import mixture_prior_for
from ..core.analysis.tiling import tile
from ..core.atomic import UnsafeTarget, atomic_write_bytes
from ..core.checkpoints import CheckpointError, load_checkpoint
from ..core.data import DatasetUnavailable, load_dataset
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.evaluation.digit_judge import JUDGE_FILE, JudgeUnavailable, digit_judge
from ..core.evaluation.sample_belief import belief_sentence, score_images, score_real_digits
from ..core.objectives import objective_class
from .checks import PathProblem, real_number, whole_number, writable_file
from .progress import ProgressBar

PRINTS_JSON = True  # the last stdout line is JSON, errors included

MAX_SAMPLES = 100_000  # 78 MB as uint8; more is surely a typo
MAX_PNG_SAMPLES = 10_000  # a 100 x 100 grid, 2,900 pixels square
GUTTER = 64  # grey level between the digits of a PNG grid
BATCH = 1000
SCORE_SAMPLES = 1000  # what --score judges unless --n says otherwise (issue 22: 1,000 prior samples)
PRIORS = ("mixture", "normal")


def add_arguments(parser) -> None:
    parser.add_argument("--checkpoint", required=True, help="a VAE .pt file written by resviz")
    parser.add_argument("--n", type=int, help=f"how many digits (1 to {MAX_SAMPLES:,}; with --score, "
                                               f"default {SCORE_SAMPLES:,})")
    parser.add_argument("--seed", type=whole_number(0, 2**32 - 1), default=0,
                        help="same seed, same digits (default 0)")
    parser.add_argument("--temperature", type=real_number(0.0, 10.0), default=1.0, metavar="T",
                        help="sampling temperature: z ~ N(0, T²I) (default 1.0, the prior itself; Glow and others "
                             "sample at T < 1, e.g. 0.7: fewer in-between shapes, less variety; 0: the decode of z = 0)")
    parser.add_argument("--prior", choices=PRIORS,
                        help="where z comes from: 'mixture', a Gaussian mixture fitted to the training digits' latent "
                             "means (fitted once per checkpoint, ~10-20 s, then kept; needs the training data), or "
                             "'normal', the prior the VAE was trained with: N(0, I), or for cvae-mix the mixture it "
                             "learned. Default: mixture where the latent has at most 64 numbers -- a digit "
                             "classifier believes the 8-epoch cvae's samples 0.97 from it against 0.86 from N(0, I) "
                             "(real digits 0.99) -- else normal (seed 000's VAEs)")
    parser.add_argument("--out", help="FILE.npy (uint8 [N, 28, 28]) or FILE.png (a grid); optional with --score")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    parser.add_argument("--score", action="store_true",
                        help="also judge the digits with a classifier trained on real MNIST: belief (mean top-class "
                             "probability), min_digit_share, diversity (mean pairwise pixel distance), and the same "
                             "for as many real test digits as 'reference'")
    parser.add_argument("--judge", metavar="CK",
                        help="with --score: a digit classifier checkpoint to judge with (default: resviz's own, "
                             f"{JUDGE_FILE} in the checkpoints folder, trained on MNIST the first time: ~1-2 min)")
    parser.add_argument("--data-dir", help="with --score: folder with MNIST/raw (default: $RESVIZ_DATA or the cache)")


def _fail(message: str) -> int:
    """A refusal: said on stderr for the person, as JSON on stdout for scripts; exit 2."""
    print(f"error: {message}", file=sys.stderr)
    print(json.dumps({"error": message}))
    return 2


def run(args) -> int:
    if args.out is None and not args.score:
        return _fail("--out is required (FILE.npy or FILE.png), unless --score asks only for the numbers.")
    if args.n is None and not args.score:
        return _fail("--n is required: how many digits to draw.")
    if args.judge is not None and not args.score:
        return _fail("--judge is for --score: add --score to judge the digits.")
    n = SCORE_SAMPLES if args.n is None else args.n
    out = Path(args.out) if args.out is not None else None
    suffix = out.suffix.lower() if out is not None else ""
    if out is not None and suffix not in (".npy", ".png"):
        return _fail(f"--out must end in .npy or .png; got {args.out!r}.")
    limit = MAX_PNG_SAMPLES if suffix == ".png" else MAX_SAMPLES
    if not 1 <= n <= limit:
        return _fail(f"--n must be between 1 and {limit:,}" + (f" for a {suffix} file" if suffix else "")
                     + f"; got {n}.")
    if out is not None and not out.parent.is_dir():
        return _fail(f"--out: the folder {str(out.parent)!r} does not exist.")
    try:
        if out is not None:
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
    refusal = mixture_refusal(model)
    if args.prior == "mixture" and refusal:
        return _fail(f"--prior mixture: {checkpoint.model_name}'s {refusal}; use --prior normal.")
    bar = ProgressBar()
    summary = {"checkpoint": str(checkpoint.path), "model": checkpoint.model_name, "n": n, "seed": args.seed,
               "temperature": args.temperature}
    mixture = None
    if (args.prior or ("normal" if refusal else "mixture")) == "mixture":
        try:
            mixture, how = fit_prior(model, checkpoint.meta.get("dataset") or "mnist", args.data_dir, bar)
        except DatasetUnavailable as error:
            return _fail(f"--prior mixture is fitted to the training digits, which could not be loaded: {error} "
                         "(--prior normal needs no data)")
        summary.update({"prior": "mixture", "prior_components": mixture.components,
                        "prior_fitted_on": f"{mixture.images:,} {mixture.data} training images", "prior_file": how})
    else:
        summary.update({"prior": "normal", "prior_is": latent.prior_name(model)})
        if args.prior is None:
            summary["prior_why"] = f"the default for this VAE: {refusal}"
    digits = sample_digits(model, n, args.seed, bar, args.temperature, mixture)
    if out is not None:
        written = digits if suffix == ".npy" else grid(digits)
        try:
            write(out, written)
        except (OSError, UnsafeTarget) as error:  # DiskFull is an OSError that says so
            return _fail(f"--out: could not write {args.out}: {getattr(error, 'strerror', None) or error}")
        summary.update({"out": str(out), "format": suffix[1:], "shape": list(written.shape)})
    if args.score:
        try:
            summary.update(score(digits, args, bar))
        except JudgeUnavailable as error:
            return _fail(f"--judge: {error}" if args.judge else str(error))
        except DatasetUnavailable as error:
            return _fail(f"--score needs the real MNIST test digits: {error}")
    print(json.dumps(summary))
    return 0


def score(digits: np.ndarray, args, bar: ProgressBar) -> dict:
    """The judge's numbers for ``digits`` and for as many real test digits (``reference``)."""
    data = load_dataset("mnist", args.data_dir)
    judge = digit_judge(args.judge, data=data, progress=lambda text, fraction: bar.update(fraction, text))
    samples = score_images(judge.model, digits, seed=args.seed,
                           progress=lambda f: bar.update(f, "judging the samples"))
    reference = score_real_digits(judge.model, data.test_images, len(digits), seed=args.seed,
                                  progress=lambda f: bar.update(f, "judging real test digits"))
    bar.message(belief_sentence(samples, reference))
    return {**{k: v for k, v in samples.as_dict().items() if k != "n"},
            "reference": {**reference.as_dict(), "data": data.title if data.note is None else data.note},
            "judge": judge.description, "judge_checkpoint": str(judge.path)}


def fit_prior(model, dataset: str, data_dir: str | None, bar: ProgressBar) -> tuple[MixturePrior, str]:
    """The mixture prior for these weights: the kept one, else fitted now to the training digits and kept."""
    data = load_dataset(dataset, data_dir)
    prior, how = mixture_prior_for(model, data.train_images, data.title,
                                   progress=lambda text, fraction: bar.update(fraction, text))
    bar.message(f"Prior: {prior.describe()} ({how}).")
    return prior, how


def sample_digits(model, n: int, seed: int, bar: ProgressBar | None = None, temperature: float = 1.0,
                  mixture: MixturePrior | None = None) -> np.ndarray:
    """n decoded samples as uint8 [n, 28, 28] (0-255); z from numpy's generator: N(0, T²I) or the mixture."""
    z = sample_latents(model, n, seed, temperature, mixture)
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
