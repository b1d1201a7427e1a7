"""How sure a digit classifier is of a VAE's samples, beside how sure it is of real digits.

A grid of prior samples can look fine at a glance and still be a third in-between
shapes (a 4/9, an 8/3, a smudged 0). A classifier trained on real MNIST (the judge,
``digit_judge.py``; never the VAE being judged) makes that a number. Three, as issue
22 asks, each also measured on real test digits as the reference:

- ``belief``: the mean over the images of the judge's top-class probability (real
  test digits get about 0.97-0.99 from a good CNN; an in-between shape gets ~0.5);
- ``digit_shares``: the share of the images the judge calls each digit, and its
  minimum: a VAE that draws mostly 1s can be believed and still miss digits;
- ``diversity``: the mean Euclidean distance between two images (pixels in [0, 1])
  over a fixed random set of pairs; samples that collapse onto one shape score near 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..analysis.latent import as_image_batch
from ..analysis.latent_prior import MixturePrior, generated_digits
from ..cancelling import Cancelled

PAIRS = 2000  # image pairs for the diversity: its standard error on MNIST is then ~0.03 of ~10
BATCH = 500


@dataclass(frozen=True)
class BeliefScore:
    count: int  # images judged
    belief: float  # mean top-class probability
    digit_shares: tuple[float, ...]  # share of the images called each digit 0..9
    diversity: float  # mean pairwise pixel distance

    @property
    def min_digit_share(self) -> float:
        return min(self.digit_shares)

    @property
    def rarest_digit(self) -> int:
        return int(np.argmin(self.digit_shares))

    def as_dict(self) -> dict:
        return {"n": self.count, "belief": round(self.belief, 4), "min_digit_share": round(self.min_digit_share, 4),
                "digit_shares": [round(s, 4) for s in self.digit_shares], "diversity": round(self.diversity, 3)}


def pairwise_diversity(images, pairs: int = PAIRS, seed: int = 0) -> float:
    """Mean Euclidean distance between ``pairs`` random pairs of distinct images (the same pairs for a seed)."""
    x = as_image_batch(images).reshape(len(images), -1).numpy()
    if len(x) < 2:
        return 0.0
    rng = np.random.default_rng(seed)
    first = rng.integers(len(x), size=pairs)
    second = rng.integers(len(x) - 1, size=pairs)
    second += second >= first  # never an image with itself
    return float(np.linalg.norm(x[first] - x[second], axis=1).mean())


@torch.no_grad()
def judge_probabilities(judge: nn.Module, images, progress: Callable[[float], None] | None = None,
                        cancelled: Callable[[], bool] = lambda: False) -> np.ndarray:
    """The judge's class probabilities [N, 10] for images N x 28 x 28 (uint8, or floats in [0, 1])."""
    x = as_image_batch(images)
    device = next(judge.parameters()).device
    was_training = judge.training
    judge.eval()  # BatchNorm from its running statistics
    try:
        chunks = []
        for start in range(0, len(x), BATCH):
            if cancelled():
                raise Cancelled("scoring was stopped")
            # softmax of logits, or of a model's log-probabilities, is the probabilities
            chunks.append(torch.softmax(judge(x[start:start + BATCH].to(device)).float(), dim=1).cpu())
            if progress:
                progress(min(start + BATCH, len(x)) / len(x))
    finally:
        judge.train(was_training)
    return torch.cat(chunks).numpy() if chunks else np.zeros((0, 10), np.float32)


def score_images(judge: nn.Module, images, pairs: int = PAIRS, seed: int = 0,
                 progress: Callable[[float], None] | None = None,
                 cancelled: Callable[[], bool] = lambda: False) -> BeliefScore:
    """The three numbers for ``images`` (N x 28 x 28, uint8 or floats in [0, 1]) as ``judge`` sees them."""
    probabilities = judge_probabilities(judge, images, progress, cancelled)
    classes = probabilities.shape[1]
    counts = np.bincount(probabilities.argmax(1), minlength=classes)
    return BeliefScore(
        count=len(probabilities), belief=float(probabilities.max(1).mean()),
        digit_shares=tuple(float(c) for c in counts / max(len(probabilities), 1)),
        diversity=pairwise_diversity(images, pairs, seed),
    )


def reference_images(test_images, n: int, seed: int = 0):
    """``n`` real test digits picked at random (the same for a seed): what the samples are compared with."""
    n = min(n, len(test_images))
    index = np.sort(np.random.default_rng(seed).choice(len(test_images), size=n, replace=False))
    return test_images[torch.as_tensor(index)] if isinstance(test_images, torch.Tensor) else test_images[index]


MIN_SHARE = 0.05  # every digit at least 5 % of the samples (issue 22)
COLLAPSE_DIVERSITY = 0.5  # samples less than half as varied as real digits have collapsed


def collapse_note(samples: BeliefScore, reference: BeliefScore) -> str:
    """Why a high belief may mean little: the samples miss digits or are nearly all alike ('' if neither).

    A decoder that draws one blurred shape for every z can be 'believed' as that one digit.
    """
    common = int(np.argmax(samples.digit_shares))
    if samples.diversity < COLLAPSE_DIVERSITY * reference.diversity:
        return (f"collapsed: nearly alike (diversity {samples.diversity:.1f}, real {reference.diversity:.1f}), "
                f"{samples.digit_shares[common]:.0%} called {common}")
    if samples.min_digit_share < MIN_SHARE:
        return f"digit {samples.rarest_digit} is only {samples.min_digit_share:.0%} of the samples (real digits: each ~10%)"
    return ""


def belief_sentence(samples: BeliefScore, reference: BeliefScore) -> str:
    """One line a person reads: how sure the judge is of the samples and of real digits."""
    warning = collapse_note(samples, reference)
    return (f"A digit classifier is {samples.belief:.2f} sure of these samples, {reference.belief:.2f} of real "
            f"digits; rarest digit {samples.rarest_digit} at {samples.min_digit_share:.0%} "
            f"(real: {reference.min_digit_share:.0%}); diversity {samples.diversity:.1f} "
            f"(real: {reference.diversity:.1f})." + (f" Beware: {warning}." if warning else ""))


def score_vae(model: nn.Module, judge: nn.Module, n: int = 1000, seed: int = 0, temperature: float = 1.0,
              progress: Callable[[float], None] | None = None,
              cancelled: Callable[[], bool] = lambda: False, mixture: MixturePrior | None = None) -> BeliefScore:
    """The three numbers for ``n`` of the VAE's samples at ``temperature`` (the same ones for a seed): z from
    its trained prior (N(0, T²I), or a learned mixture), or from ``mixture`` (``analysis/latent_prior.py``)
    when one is given."""
    return score_images(judge, generated_digits(model, n, seed, temperature, mixture), seed=seed,
                        progress=progress, cancelled=cancelled)


def score_real_digits(judge: nn.Module, test_images, n: int = 1000, seed: int = 0,
                      progress: Callable[[float], None] | None = None,
                      cancelled: Callable[[], bool] = lambda: False) -> BeliefScore:
    """The same numbers for ``n`` real test digits: the reference the samples are read against."""
    return score_images(judge, reference_images(test_images, n, seed), seed=seed, progress=progress,
                        cancelled=cancelled)
