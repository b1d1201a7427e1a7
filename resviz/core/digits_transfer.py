"""The transfer demo that needs no download: what digits 0-4 teach a network helps it learn 5-9.

Seed 001's CNN first learns MNIST's digits 0-4 (all ~30,600 of them, three epochs). Then
it learns 5-9 from only K labelled examples of each (K = 1, 5, 10, 50, or all ~29,400),
three ways:

- frozen: the two conv layers keep what 0-4 taught them and only a new FC layer
  learns (the pretrained network as a fixed feature extractor);
- finetune: every layer starts from the 0-4 weights (the FC layer new) and learns,
  the conv layers at a tenth of the learning rate;
- scratch: the same network from random weights.

It is the classic experiment of the Keras example ``mnist_transfer_cnn``. For one K all
three take the same optimizer steps on the same examples, and all are tested on every
5-9 digit of MNIST's test set. A few-shot set is repeated to make one epoch of
``FEW_SHOT_STEPS`` steps (class_subset's ``repeat``), so the test set runs once, not
after every pass over five images.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .data import load_dataset
from .datasets.subset import class_subset
from .events import Done, Failed, Step
from .trainer import TrainConfig, Trainer

MODEL = "cnn"
PRETRAIN_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)
KS = (1, 5, 10, 50, None)  # labelled examples a class; None: all of them
MODES = ("frozen", "finetune", "scratch")
PRETRAIN_EPOCHS = 3  # one gave features that helped less (K = 10: +3.5 points over four draws, against +4.3)
FEW_SHOT_BATCH = 50
FEW_SHOT_STEPS = 60
LR = 3e-3


def k_label(k: int | None) -> int | str:
    return "all" if k is None else k


def pretrain_config(**common) -> TrainConfig:
    """The CNN on every 0-4 training digit, ``PRETRAIN_EPOCHS`` epochs."""
    options = {"of": "mnist", "classes": list(PRETRAIN_DIGITS)}
    return TrainConfig.for_model(MODEL, dataset="subset", dataset_options=options, epochs=PRETRAIN_EPOCHS, lr=LR,
                                 **common)


def transfer_config(k: int | None, mode: str, pretrained: str | Path, **common) -> TrainConfig:
    """Learning 5-9 from ``k`` labels a class, ``mode`` in MODES, starting from checkpoint ``pretrained``."""
    if mode not in MODES:
        raise ValueError(f"Unknown mode {mode!r}; use one of {', '.join(MODES)}.")
    options = {"of": "mnist", "classes": list(TARGET_DIGITS), "per_class": k, "seed": 0}
    if k is None:
        batch = 128
    else:
        batch = min(FEW_SHOT_BATCH, 5 * k)
        options["repeat"] = math.ceil(FEW_SHOT_STEPS * batch / (5 * k))
    start = {} if mode == "scratch" else dict(init_from=str(pretrained), init_skip=("fc",))
    tuning = {"frozen": dict(freeze=("layer1", "layer2")),
              "finetune": dict(lr_scales={"layer1": 0.1, "layer2": 0.1}),
              "scratch": {}}[mode]
    return TrainConfig.for_model(MODEL, dataset="subset", dataset_options=options, epochs=1, batch_size=batch,
                                 lr=LR, **start, **tuning, **common)


def run_demo(device: str = "cpu", data_dir: str | None = None, ks=KS,
             on_row: Callable[[dict], None] | None = None,
             on_progress: Callable[[str, float], None] | None = None) -> list[dict]:
    """Pretrain, then every (K, mode) run; rows ``{k, mode, test_accuracy, seconds, train_size}``."""
    common = dict(device=device, data_dir=data_dir, snapshot_every=0)
    mnist = load_dataset("mnist", data_dir)
    rows: list[dict] = []
    total = 1 + len(ks) * len(MODES)
    with tempfile.TemporaryDirectory(prefix="resviz-digits-") as folder:
        pretrained = Path(folder) / "digits-0-4.pt"
        config = pretrain_config(**common)
        _train(config, class_subset(mnist, PRETRAIN_DIGITS), pretrained, "pretraining on 0-4", 0, total, on_progress)
        for k in ks:
            data = None
            for mode in MODES:
                config = transfer_config(k, mode, pretrained, **common)
                options = config.dataset_options
                data = data or class_subset(mnist, TARGET_DIGITS, k, options["seed"], options.get("repeat", 1))
                started = time.perf_counter()
                done = _train(config, data, None, f"K={k_label(k)} {mode}", len(rows) + 1, total, on_progress)
                row = {"k": k_label(k), "mode": mode, "test_accuracy": round(done.metrics["test_accuracy"], 4),
                       "seconds": round(time.perf_counter() - started, 2),
                       "train_size": len(data.train_labels) // options.get("repeat", 1)}
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


def _train(config, data, checkpoint, what, index, total, on_progress) -> Done:
    last = None
    for event in Trainer(config, data, checkpoint_path=checkpoint).fit():
        if on_progress and isinstance(event, Step):
            on_progress(f"run {index + 1}/{total}: {what}", (index + event.step / event.total_steps) / total)
        last = event
    if isinstance(last, Failed):
        raise RuntimeError(f"The digits demo stopped at {what}: {last.message}")
    return last
