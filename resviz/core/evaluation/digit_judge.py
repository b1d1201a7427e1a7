"""The judge of generated digits: a small CNN trained on real MNIST, trained once and kept.

``sample_belief.py`` asks a classifier how sure it is of a VAE's samples. That
classifier must never be the model being judged, and it must have learned from real
digits only: seed 001's CNN (``cnn``, its own recipe: 2 epochs, ~99 % test accuracy
on MNIST, about a minute on two CPU cores). It is trained the first time it is
needed and saved as ``digit-judge-cnn.pt`` in the user's checkpoint folder, so later
scores (the CLI's, the Generated tab's, the bench's) load it in a moment, as every
checkpoint loads, with ``weights_only=True``. Any classifier checkpoint of 28 x 28
grey digits into 10 classes may be given instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from torch import nn

from .. import models
from ..cancelling import Cancelled
from ..checkpoints import CheckpointError, checkpoint_dir, load_checkpoint
from ..data import Dataset
from ..events import Done, Failed, Step
from ..objectives import objective_class
from ..run_meta import RunMeta
from ..trainer import TrainConfig, Trainer

JUDGE_MODEL = "cnn"
JUDGE_FILE = "digit-judge-cnn.pt"
DIGIT_INPUT = (1, 28, 28)


class JudgeUnavailable(RuntimeError):
    """No judge could be loaded or trained; the message says why."""


@dataclass(frozen=True)
class DigitJudge:
    model: nn.Module  # in eval mode, on the CPU
    description: str  # what it is, for a tooltip and the JSON: model, data, epochs, test accuracy
    path: Path


def judge_path() -> Path:
    """Where the trained judge is kept: the user's checkpoint folder ($RESVIZ_CHECKPOINTS)."""
    return checkpoint_dir() / JUDGE_FILE


def load_judge(path: str | Path) -> DigitJudge:
    """A classifier checkpoint of grey 28 x 28 digits into 10 classes, as a judge (``JudgeUnavailable`` if not)."""
    try:
        checkpoint = load_checkpoint(path)
    except CheckpointError as error:
        raise JudgeUnavailable(str(error)) from None
    meta = RunMeta.read(checkpoint.meta)
    if not objective_class(models.spec(checkpoint.model_name).objective).classifies:
        raise JudgeUnavailable(f"{checkpoint.path.name} holds {checkpoint.model_name}, which does not classify: "
                               "the judge must be a digit classifier.")
    if len(meta.classes) != 10 or (meta.input_shape and tuple(meta.input_shape) != DIGIT_INPUT):
        raise JudgeUnavailable(f"{checkpoint.path.name} classifies {meta.dataset_title} ({len(meta.classes)} "
                               "classes); the judge must take 28 x 28 grey digits into 10 classes.")
    try:
        model = checkpoint.build_model("cpu")
    except CheckpointError as error:
        raise JudgeUnavailable(str(error)) from None
    return DigitJudge(model, describe(meta), checkpoint.path)


def describe(meta: RunMeta) -> str:
    """'seed 001's CNN (cnn) trained 2 epochs on MNIST (60,000 digits): 98.9% test accuracy'."""
    images = meta.train_config.get("train_subset")
    accuracy = meta.metrics.get("test_accuracy")
    return (f"{models.spec(meta.model).label} trained {meta.epoch} epoch{'s' * (meta.epoch != 1)} on "
            f"{meta.dataset_title}" + (f" (first {images:,} images)" if images else "")
            + (f": {accuracy:.1%} test accuracy" if accuracy is not None else ""))


def train_judge(path: str | Path, data: Dataset | None = None, data_dir: str | None = None,
                progress: Callable[[str, float], None] | None = None,
                cancelled: Callable[[], bool] = lambda: False, **overrides) -> DigitJudge:
    """Train the judge with ``cnn``'s own MNIST recipe (``overrides``: fewer images or epochs, for tests)
    and save it at ``path``."""
    config = TrainConfig.for_model(JUDGE_MODEL, dataset="mnist", device="cpu", snapshot_every=0,
                                   data_dir=data_dir, **overrides)
    path = Path(path)
    # trained under another name and renamed when done: a stopped run's checkpoint never becomes the judge
    partial = path.with_name(f"{path.stem}.training{path.suffix}")
    trainer = Trainer(config, data, checkpoint_path=partial, name="digit judge")
    done = None
    for event in trainer.fit():
        if cancelled():
            trainer.stop()
        if isinstance(event, Step) and progress:
            progress(f"Training the digit judge (cnn on MNIST): step {event.step:,} of {event.total_steps:,}",
                     event.step / event.total_steps)
        elif isinstance(event, Failed):
            raise JudgeUnavailable(f"Could not train the digit judge: {event.message}")
        elif isinstance(event, Done):
            done = event
    if done is None or done.stopped:
        partial.unlink(missing_ok=True)
        raise Cancelled("training the digit judge was stopped")
    if done.checkpoint is None:
        raise JudgeUnavailable(f"The digit judge was trained but could not be saved: {done.message}")
    if Path(done.checkpoint) == partial:
        partial.replace(path)
        return load_judge(path)
    return load_judge(done.checkpoint)  # the folder was full: saved elsewhere, and used from there


def digit_judge(path: str | Path | None = None, data: Dataset | None = None, data_dir: str | None = None,
                progress: Callable[[str, float], None] | None = None,
                cancelled: Callable[[], bool] = lambda: False) -> DigitJudge:
    """The judge at ``path`` if given; else the kept one; else one trained now and kept."""
    if path is not None:
        return load_judge(path)
    kept = judge_path()
    if kept.is_file():
        try:
            return load_judge(kept)
        except JudgeUnavailable:
            pass  # a damaged or foreign file under our name: trained again and replaced
    return train_judge(kept, data, data_dir, progress, cancelled)
