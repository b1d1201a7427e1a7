"""``resviz transfer``: seed 002's transfer learning on a folder of photos, or the offline digits demo.

``resviz transfer --images DIR`` trains a new head on an ImageNet-pretrained ResNet-50
(frozen backbone, Adam 0.003, one epoch, 128x128: the seed's recipe; ``--finetune``
also trains the last residual stage). The last stdout line is JSON with
``test_accuracy``, ``classes``, ``trainable_params``, ``frozen_params``, ``seconds``
(wall clock of the training, the frozen backbone's one pass over the images included)
and ``checkpoint`` (it opens in the window). Runs under torchrun like ``resviz train``.

``resviz transfer --demo digits [--json PATH]`` needs no download: digits 0-4 teach a
network, which then learns 5-9 from K labels a class, frozen vs fine-tuned vs from
scratch (``core/digits_transfer.py``); one row per run.

``--run-dir DIR`` writes the run folder as it trains (as ``resviz train --run-dir``), for
``resviz DIR`` to follow; its weight snapshots are taken at the start and at each epoch's
end unless ``--snapshot-every`` asks for more (a ResNet-50's weights are about 100 MB).

Every flag is checked before any weights or images load (exit 2, naming the flag), and
Ctrl-C or SIGTERM stops the training at its next step with the checkpoint saved.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..core.atomic import UnsafeTarget
from ..core.checkpoints import default_checkpoint_path
from ..core.data import DatasetUnavailable, load_dataset
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.digits_transfer import KS, MODES, run_demo
from ..core.distributed import context_for
from ..core.events import Failed
from ..core.json_file import write_json_file
from ..core.models.transfer import WeightsUnavailable, backbone_state_dict
from ..core.trainer import Trainer
from ..core.transfer import folder_config
from .checks import PathProblem, existing_folder, real_number, whole_number, writable_file
from .progress import ProgressBar
from .train import (
    add_dist_timeout,
    add_run_dir,
    check_run_dir,
    checkpoint_out,
    close_run_folder,
    fail,
    finish,
    open_run_folder,
    progress_bar,
    report_failure,
    snapshot_every,
    train_with_progress,
)

EPOCH_ENDS_ONLY = 10**9  # a snapshot interval no run reaches: snapshots at the start and at each epoch's end

PRINTS_JSON = True  # the last stdout line is JSON, errors included
TRAINS = True  # trains on the CPU when there is no GPU: the CLI flushes denormals first (core/denormals.py)


def add_arguments(parser) -> None:
    parser.add_argument("--images", metavar="DIR", help="a folder with one sub-folder of images per class")
    parser.add_argument("--test-images", metavar="DIR",
                        help="a test folder with the same class sub-folders (default: 20%% of each class of --images)")
    parser.add_argument("--weights", metavar="FILE",
                        help="a ResNet-50 state-dict file (default: torchvision's ImageNet weights, downloaded "
                             "into torch's cache on first use)")
    parser.add_argument("--image-size", type=whole_number(16, 1024), default=128,
                        help="pixels a side (seed 002: 128; ImageNet: 224)")
    parser.add_argument("--epochs", type=whole_number(1, 10_000), help="default: 1, as the seed")
    parser.add_argument("--batch-size", type=whole_number(1, 65_536), help="default 64; under torchrun the global batch")
    parser.add_argument("--lr", type=real_number(0.0, 10.0, low_inclusive=False),
                        help="the head's learning rate (default 0.003, as the seed)")
    parser.add_argument("--finetune", action="store_true",
                        help="also train the last residual stage (layer4) at a tenth of the learning rate")
    parser.add_argument("--no-feature-cache", action="store_true",
                        help="run the frozen backbone every step instead of once per image (to time the cache)")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--seed", type=whole_number(0, 2**32 - 1), default=0)
    parser.add_argument("--out", help="checkpoint path (default: the resviz checkpoints folder)")
    parser.add_argument("--demo", choices=["digits"], help="the offline demo: digits 0-4 -> 5-9 with K labels a class")
    parser.add_argument("--json", metavar="PATH", help="--demo: also write its rows to this file")
    parser.add_argument("--k", type=whole_number(1, 1_000_000), action="append", metavar="K",
                        help="--demo: only these numbers of labels a class (repeatable; default 1 5 10 50 and all)")
    parser.add_argument("--data-dir", help="--demo: the folder with MNIST/raw")
    add_run_dir(parser, "steps between weight snapshots (default: at the start and each epoch's end)")
    add_dist_timeout(parser)


def run(args) -> int:
    if bool(args.images) == bool(args.demo):
        return fail(ProgressBar(), "Give either --images DIR (your photos) or --demo digits.")
    if args.demo and (args.run_dir or args.snapshot_every):
        return fail(ProgressBar(), "--run-dir and --snapshot-every are for --images (the demo trains many small runs)")
    if args.demo:
        return run_digits_demo(args)
    return run_folder(args)


def check_folder_paths(args) -> None:
    """The folders exist and --out can be written: PathProblem (naming the flag) before anything loads."""
    existing_folder("--images", args.images)
    if args.test_images:
        existing_folder("--test-images", args.test_images)
    if args.run_dir:
        check_run_dir("--run-dir", args.run_dir)
    out = checkpoint_out(args)
    if out:
        writable_file("--out", out)


def run_folder(args) -> int:
    try:
        check_folder_paths(args)
    except PathProblem as error:
        return fail(ProgressBar(), str(error))
    overrides = {key: getattr(args, key) for key in ("epochs", "batch_size", "lr") if getattr(args, key) is not None}
    weights = str(Path(args.weights).expanduser().resolve()) if args.weights else "imagenet"
    try:
        config = folder_config(Path(args.images).expanduser().resolve(), args.image_size, weights, args.finetune,
                               Path(args.test_images).expanduser().resolve() if args.test_images else None,
                               device=args.device, seed=args.seed,
                               snapshot_every=snapshot_every(args, EPOCH_ENDS_ONLY),
                               cache_frozen_features=not args.no_feature_cache, **overrides)
        dist = context_for(resolve_device(config.device), args.dist_timeout)
    except DeviceUnavailable as error:
        return fail(ProgressBar(), f"--device: {error}")
    bar = progress_bar(dist)
    folder, write_folder = None, None
    if args.run_dir and dist.is_main:
        try:
            folder, write_folder = open_run_folder("--run-dir", args.run_dir, bar)
        except (OSError, ValueError) as error:
            dist.close()
            return fail(bar, f"--run-dir: cannot write the run folder {args.run_dir}: {error}", dist)
        bar.message(f"run folder: {folder.folder} (follow it with: resviz {folder.folder})")
    try:
        with dist.main_first():  # rank 0 downloads the weights and decodes the images; the others reuse them
            try:
                backbone_state_dict(weights, progress=lambda text, f: bar.update(f, text))
            except WeightsUnavailable as error:
                return fail_in_folder(write_folder, bar, f"--weights: {error}", dist)
            try:
                dataset = load_dataset("folder", **config.dataset_options,
                                       progress=lambda text, f: bar.update(f, text))
            except DatasetUnavailable as error:
                return fail_in_folder(write_folder, bar, f"--images: {error}", dist)
        if dataset.note:
            bar.message(f"note: {dataset.note}")
        out = checkpoint_out(args) or default_checkpoint_path(config.model, dataset.key)
        start = time.perf_counter()
        started, result = train_with_progress(Trainer(config, dataset, checkpoint_path=out, dist=dist), bar,
                                              write_folder)
        seconds = time.perf_counter() - start
    finally:
        dist.close()
        close_run_folder(folder, bar)
    if isinstance(result, Failed):
        return report_failure(bar, result, dist, args.verbose)
    summary = {
        "model": config.model, "dataset": dataset.title, "classes": list(dataset.classes),
        "image_size": args.image_size, "epochs": result.epochs_completed, "finetune": args.finetune,
        "weights": "imagenet" if weights == "imagenet" else weights,
        **result.metrics, "trainable_params": started.trainable_parameters,
        "frozen_params": started.frozen_parameters, "seconds": round(seconds, 3),
        "train_seconds": round(result.seconds, 3), "feature_cache": not args.no_feature_cache and not args.finetune,
        "checkpoint": result.checkpoint, "stopped": result.stopped, "train_size": started.train_size,
        "test_size": started.test_size, "device": started.device, "world_size": started.world_size,
        "data_note": dataset.note, **({"note": result.message} if result.message else {}),
        **({"run_dir": str(folder.folder)} if folder is not None else {}),
    }
    return finish(bar, result, summary, dist)


def fail_in_folder(write_folder, bar: ProgressBar, message: str, dist) -> int:
    """``fail``, after telling the run folder's followers (when there is one) that the run failed."""
    if write_folder is not None:
        write_folder(Failed(message))
    return fail(bar, message, dist)


def run_digits_demo(args) -> int:
    bar = ProgressBar()
    try:
        if args.json:
            writable_file("--json", args.json)
        if args.data_dir:
            existing_folder("--data-dir", args.data_dir)
        device = str(resolve_device(args.device))
    except PathProblem as error:
        return fail(bar, str(error))
    except DeviceUnavailable as error:
        return fail(bar, f"--device: {error}")

    def report(row: dict) -> None:
        bar.message(f"K={row['k']:>4} {row['mode']:<8} test accuracy {row['test_accuracy']:.2%} "
                    f"({row['seconds']:.1f} s)")

    try:
        rows = run_demo(device=device, data_dir=args.data_dir, on_row=report, ks=tuple(args.k) if args.k else KS,
                        on_progress=lambda text, f: bar.update(f, text))
    except (DatasetUnavailable, RuntimeError) as error:
        return fail(bar, str(error))
    code = 0
    if args.json:
        try:
            write_json_file(rows, args.json)
        except (OSError, UnsafeTarget) as error:  # checked before; the disk may have filled since
            bar.message(f"error: --json: cannot write {args.json}: {error}")
            code = 1
    at_10 = {row["mode"]: row["test_accuracy"] for row in rows if row["k"] == 10}
    best_transfer = max(at_10.get("frozen", 0.0), at_10.get("finetune", 0.0))
    print(json.dumps({"demo": "digits", "modes": list(MODES), "rows": rows, "json": args.json,
                      "k10_gain_over_scratch": round(best_transfer - at_10.get("scratch", 0.0), 4)}))
    return code
