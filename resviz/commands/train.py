"""``resviz train``: the same job as the Train button, in a terminal.

Prints a progress bar on stderr and, as its last line on stdout, one line of JSON
with the run's results (for scripts). Ctrl-C stops the run cleanly: the checkpoint
is still written and the JSON still printed. ``--tensorboard DIR`` also logs the
run's curves for TensorBoard into DIR/<checkpoint name> (optional extra).
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

from ..core import models
from ..core.checkpoints import default_checkpoint_path
from ..core.data import DatasetUnavailable, load_dataset
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.events import Done, Epoch, Failed, Loading, Started, Step
from ..core.tensorboard_log import TensorBoardMissing, open_tensorboard_log
from ..core.trainer import Trainer, TrainConfig
from .progress import ProgressBar, format_seconds


def add_arguments(parser) -> None:
    # argparse formats help with %: a description like "99% on MNIST" must be escaped
    choices = ", ".join(f"{n} ({models.spec(n).description})" for n in models.names()).replace("%", "%%")
    parser.add_argument("--model", default="resnet", choices=models.names(), metavar="NAME", help=f"one of: {choices}")
    parser.add_argument("--dataset", default="mnist", choices=["mnist", "fashion"])
    parser.add_argument("--epochs", type=int, help="default: the model's own")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float, help="peak learning rate")
    parser.add_argument("--optimizer", choices=["adam", "adamw", "sgd"])
    parser.add_argument("--schedule", choices=["onecycle", "constant"])
    parser.add_argument("--weight-decay", type=float)
    parser.add_argument("--augment", action="store_true", help="random shifts/rotations/zooms on the device")
    parser.add_argument("--precision", choices=["fp32", "bf16", "auto"],
                        help="fp32, bf16 (autocast, BatchNorm in fp32) or auto: bf16 on a GPU that has it")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="checkpoint path (default: the resviz checkpoints folder)")
    parser.add_argument("--data-dir", help="folder with MNIST/raw and FashionMNIST/raw")
    parser.add_argument("--train-subset", type=int, help="use only the first N training images")
    parser.add_argument("--test-subset", type=int, help="use only the first N test images")
    parser.add_argument("--tensorboard", metavar="DIR",
                        help='also log curves for TensorBoard into DIR/<run> (pip install "resviz[tensorboard]")')


def config_from_args(args) -> TrainConfig:
    overrides = {
        key: getattr(args, key)
        for key in ("epochs", "batch_size", "lr", "optimizer", "schedule", "weight_decay", "precision")
        if getattr(args, key, None) is not None
    }
    return TrainConfig.for_model(
        args.model, dataset=args.dataset, device=args.device, seed=args.seed,
        augment=args.augment or models.spec(args.model).defaults.get("augment", False),
        data_dir=args.data_dir, train_subset=args.train_subset, test_subset=args.test_subset,
        snapshot_every=0, log_every=20, **overrides,
    )


def run(args) -> int:
    config = config_from_args(args)
    bar = ProgressBar()
    try:
        resolve_device(config.device)
        dataset = load_dataset(config.dataset, config.data_dir,
                               progress=lambda text, f: bar.update(f, text))
    except (DatasetUnavailable, DeviceUnavailable) as error:
        bar.message(f"error: {error}")
        print(json.dumps({"error": str(error)}))
        return 2
    if dataset.note:
        bar.message(f"note: {dataset.note}")
    out = args.out or default_checkpoint_path(config.model, config.dataset)
    logger = None
    if args.tensorboard:
        try:
            logger = open_tensorboard_log(args.tensorboard, Path(out).stem)
        except (TensorBoardMissing, OSError) as error:
            message = f"--tensorboard: {error}" if isinstance(error, TensorBoardMissing) else \
                f"--tensorboard: cannot write a log into {args.tensorboard}: {error}"
            bar.message(f"error: {message}")
            print(json.dumps({"error": message}))
            return 2
        bar.message(f"TensorBoard log: {logger.folder} (tensorboard --logdir {args.tensorboard})")
    trainer = Trainer(config, dataset, checkpoint_path=out)
    previous = signal.signal(signal.SIGINT, lambda *_: (bar.message("stopping…"), trainer.stop()))
    started = result = None
    try:
        for event in trainer.fit():
            if logger is not None:
                logger.log(event)
            if isinstance(event, Loading):
                continue
            if isinstance(event, Started):
                started = event
                bar.message(f"{event.model} on {event.dataset_title} ({event.train_size:,} train / "
                            f"{event.test_size:,} test), {event.parameters:,} parameters, {event.device_name}")
            elif isinstance(event, Step):
                bar.update(event.step / event.total_steps,
                           f"epoch {event.epoch}/{started.epochs} step {event.step}/{event.total_steps} "
                           f"loss {event.loss:.4f} {event.images_per_s:,.0f} img/s ETA {format_seconds(event.eta_s)}")
            elif isinstance(event, Epoch):
                shown = " ".join(f"{k} {v:.4f}" for k, v in event.metrics.items())
                bar.message(f"epoch {event.epoch}: train_loss {event.train_loss:.4f} {shown} ({event.seconds:.1f} s)")
            elif isinstance(event, (Done, Failed)):
                result = event
    finally:
        signal.signal(signal.SIGINT, previous)
        if logger is not None:
            logger.close()
    if isinstance(result, Failed):
        bar.message(f"error: {result.message}")
        print(json.dumps({"error": result.message, "detail": result.detail, "checkpoint": result.checkpoint}))
        return 1
    summary = {
        "model": config.model, "dataset": config.dataset, "epochs": result.epochs_completed,
        "device": started.device, "device_name": started.device_name,
        **result.metrics, "seconds": round(result.seconds, 3), "checkpoint": result.checkpoint,
        "stopped": result.stopped, "train_size": started.train_size, "test_size": started.test_size,
        "data_note": dataset.note,
        **({"tensorboard": str(logger.folder)} if logger is not None else {}),
    }
    print(json.dumps(summary))
    return 0
