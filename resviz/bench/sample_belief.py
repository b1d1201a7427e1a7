"""Benchmark: how sure a digit classifier is of the default VAE's samples, beside real digits (issue 22).

The judge is seed 001's CNN trained on real MNIST (``core/evaluation/digit_judge.py``:
the one kept in the checkpoints folder, trained now if there is none). The VAE is
the newest ``cvae`` checkpoint in the checkpoints folder when there is one; else a
``cvae`` trained here, with its default recipe (a few minutes on a CPU), or for
``--quick`` one epoch on 5,000 images. The note of every row says which.

Rows: the real test digits' belief (the reference); the samples' belief at T = 1.0
(the prior) and T = 0.7 (Glow's temperature), each with the target 0.97 x the
reference; the rarest digit's share (target >= 0.05); the samples' diversity over
the real digits' (no collapse: near 1). The same three for z from N(0, T²I) and from
the Gaussian mixture fitted to the training digits' latent means
(``core/analysis/latent_prior.py``, fitted here, not read from the cache, so that its
seconds are a row too).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..core.analysis.latent_prior import MIXTURE_COMPONENTS, fit_mixture_prior
from ..core.analysis.latent_prior_store import model_digest
from ..core.checkpoints import CheckpointError, checkpoint_dir, load_checkpoint
from ..core.evaluation.digit_judge import digit_judge, train_judge
from ..core.evaluation.sample_belief import score_real_digits, score_vae
from ..core.events import Done, Failed
from ..core.trainer import TrainConfig, Trainer
from .context import BenchContext, is_full_mnist
from .rows import Row, target_row

NAME = "sample belief"
MODEL = "cvae"
SAMPLES = 1000
TEMPERATURES = (1.0, 0.7)
TARGET_SHARE = 0.97  # of the real digits' belief (issue 22)


def run(ctx: BenchContext) -> list[Row]:
    data = ctx.mnist()
    with tempfile.TemporaryDirectory() as scratch:
        if is_full_mnist(data):
            judge = digit_judge(data=data)
        else:  # a judge of a cut of MNIST is no judge to keep for later scores
            judge = train_judge(Path(scratch) / "judge.pt", data)
        vae, which = _vae(ctx, data, Path(scratch))
    n = min(SAMPLES, len(data.test_images))
    reference = score_real_digits(judge.model, data.test_images, n)
    target = f">= {TARGET_SHARE * reference.belief:.3f}"
    rows = [target_row(f"{NAME}: real test digits ({n:,})", reference.belief, "prob", None,
                       note=f"judge: {judge.description}; rarest digit {reference.min_digit_share:.1%}, "
                            f"diversity {reference.diversity:.2f}")]
    mixture = fit_mixture_prior(vae, data.train_images, weights_digest=model_digest(vae), data=data.title)
    rows.append(target_row(f"{NAME}: fitting the mixture prior", mixture.fit_seconds, "s", None,
                           note=f"{mixture.describe()}: encoding + scikit-learn's GaussianMixture (full covariance, "
                                f"{mixture.iterations} EM steps), wall clock"))
    for prior, fitted in (("N(0, T²I)", None), (f"the {MIXTURE_COMPONENTS}-component mixture", mixture)):
        for temperature in TEMPERATURES:
            score = score_vae(vae, judge.model, n, temperature=temperature, mixture=fitted)
            at = f"{MODEL} samples at T = {temperature:g}" + (", mixture prior" if fitted else "") + f" ({n:,})"
            rows += [
                target_row(f"{NAME}: {at}", score.belief, "prob", target,
                           note=f"z from {prior}; {TARGET_SHARE:g} x the real digits' {reference.belief:.3f}; {which}"),
                target_row(f"{NAME}: {at}, rarest digit's share", score.min_digit_share, "share", ">= 0.05",
                           note=f"digit {score.rarest_digit}; real digits' rarest {reference.min_digit_share:.3f}"),
                target_row(f"{NAME}: {at}, diversity / real digits'", score.diversity / reference.diversity,
                           "ratio", None, note=f"mean pairwise pixel distance {score.diversity:.2f} vs "
                                               f"{reference.diversity:.2f}; near 0 is a collapse"),
            ]
    return rows


def _vae(ctx: BenchContext, data, scratch: Path):
    """The newest kept ``cvae`` checkpoint, else one trained now; and a note saying which."""
    for path in sorted(checkpoint_dir().glob(f"{MODEL}-mnist-*.pt"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            checkpoint = load_checkpoint(path)
        except CheckpointError:
            continue
        if checkpoint.model_name == MODEL:
            loss = (checkpoint.meta.get("metrics") or {}).get("test_loss", float("nan"))
            return checkpoint.build_model("cpu"), (f"VAE: checkpoint {path.name} ({checkpoint.meta.get('epoch')} "
                                                   f"epochs, test loss {loss:.1f} nats)")
    quick = dict(epochs=1, train_subset=ctx.images(5000)) if ctx.quick else dict(train_subset=ctx.images(None))
    config = TrainConfig.for_model(MODEL, device=str(ctx.device), snapshot_every=0, **quick)
    trainer = Trainer(config, data, checkpoint_path=scratch / "vae.pt")
    done = None
    for event in trainer.fit():
        if isinstance(event, Failed):
            raise RuntimeError(event.message)
        if isinstance(event, Done):
            done = event
    loss = done.metrics.get("test_loss")
    images = config.train_subset or len(data.train_inputs)
    epochs = f"{config.epochs} epoch{'s' * (config.epochs != 1)}"
    return trainer.model.cpu().eval(), (f"VAE: {MODEL} trained here, {epochs} on {images:,} images "
                                        f"({done.seconds:.0f} s, test loss {loss:.1f} nats)")
