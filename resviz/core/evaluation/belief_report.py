"""Score several VAEs' samples and real digits with one judge, as one job with progress and cancel.

What the Generated tab's "Score these samples" runs off the GUI thread: get the
judge (kept, or trained now), judge as many real test digits as samples (the
reference, reused when the caller kept it), then each VAE's samples at the
temperature shown, from the prior the VAE was trained with (N(0, T²I), or the
mixture it learned) or from the mixture prior fitted to that VAE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from ..analysis.latent_prior import MixturePrior
from ..data import Dataset
from .digit_judge import DigitJudge, digit_judge
from .sample_belief import BeliefScore, score_real_digits, score_vae


@dataclass(frozen=True)
class BeliefReport:
    judge: DigitJudge
    reference: BeliefScore  # real test digits, as many as the samples
    samples: dict[str, BeliefScore]  # per VAE (the caller's keys)
    temperature: float
    seed: int
    mixtures: dict[str, MixturePrior]  # the VAEs whose z came from a fitted mixture; the others from their trained prior


def score_vaes(vaes: dict[str, nn.Module], load_data: Callable[[], Dataset], n: int = 1000, seed: int = 0,
               temperature: float = 1.0, progress: Callable[[str, float], None] = lambda text, fraction: None,
               cancelled: Callable[[], bool] = lambda: False, known: BeliefReport | None = None,
               mixtures: dict[str, MixturePrior] | None = None) -> BeliefReport:
    """Judge ``n`` samples (at ``temperature``, the same ones for ``seed``) of each VAE, and real digits.

    ``known``: an earlier report whose judge and reference (same n and seed) are reused.
    ``mixtures``: the prior to draw z from, per VAE; a VAE without one is sampled from its trained prior.
    """
    mixtures = dict(mixtures or {})
    reuse = known is not None and known.reference.count == n and known.seed == seed
    if reuse:
        judge, reference = known.judge, known.reference
    else:
        progress("Loading the MNIST test digits…", 0.0)
        data = load_data()
        progress("Loading the digit judge…", 0.0)
        judge = digit_judge(data=data, progress=progress, cancelled=cancelled)
        reference = score_real_digits(judge.model, data.test_images, n, seed, cancelled=cancelled,
                                      progress=lambda f: progress(f"Judging {n:,} real test digits…", f))
    samples = {}
    for index, (name, model) in enumerate(vaes.items()):
        samples[name] = score_vae(
            model, judge.model, n, seed, temperature, cancelled=cancelled, mixture=mixtures.get(name),
            progress=lambda f, i=index, name=name: progress(f"Judging {n:,} samples of {name}…",
                                                            (i + f) / len(vaes)))
    return BeliefReport(judge, reference, samples, temperature, seed, mixtures)
