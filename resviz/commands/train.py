"""``resviz train``: the same job as the Train button, in a terminal.

Prints a progress bar on stderr and, as its last line on stdout, one line of JSON
with the run's results (for scripts). Ctrl-C or SIGTERM (a scheduler's, ``kill``'s)
stops the run cleanly at its next step: the checkpoint is still written and the JSON
still printed. ``--tensorboard DIR`` also logs the
run's curves for TensorBoard into DIR/<checkpoint name> (an optional extra). ``--run-dir DIR``
writes the run folder as it trains (``core/run_folder.py``: the event log, the newest weight
snapshots, the checkpoint at DIR/checkpoint.pt unless --out says otherwise), so
``resviz DIR`` or the window's File menu follows it live from here or from any machine
that sees the folder.

Under ``torchrun --nproc_per_node N -m resviz train ...`` (or ``resviz torchrun
--nproc-per-node N train ...``, whose Ctrl-C shows no launcher traceback) the same command trains
data-parallel (``core/distributed.py``): ``--batch-size`` is the global batch, split
over the N processes; rank 0 alone prints and writes the checkpoint and the run folder. Every process
stops at the same step (they vote each step), and a process that stops answering
(stalled, stopped) ends the job after ``--dist-timeout`` seconds with a message naming it.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import sys
from pathlib import Path

import torch

from ..core import models
from ..core.checkpoints import default_checkpoint_path
from ..core.compatibility import check_model_takes_dataset
from ..core.config_file import load_train_config
from ..core.data import DatasetUnavailable, dataset_names, dataset_spec, load_dataset
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.distributed import DEFAULT_TIMEOUT_S, LostContact, context_for, looks_like_lost_contact
from ..core.durations import format_seconds
from ..core.events import Done, Epoch, Failed, Loading, Started, Step
from ..core.logs import log_failure, with_log_hint
from ..core.models import ModelDoesNotFit
from ..core.run_folder import CHECKPOINT_FILE, EVENTS_FILE, RUN_FILE, RunFolderWriter, check_new_run_folder
from ..core.tensorboard_log import TensorBoardMissing, open_tensorboard_log
from ..core.trainer import TrainConfig, Trainer
from .checks import PathProblem, existing_folder, real_number, whole_number, writable_file, writable_folder
from .progress import ProgressBar, stopping_on_signals

PRINTS_JSON = True  # the last stdout line is JSON, errors included
TRAINS = True  # trains on the CPU when there is no GPU: the CLI flushes denormals first (core/denormals.py)


def add_arguments(parser) -> None:
    # argparse formats help with %: a description like "99% on MNIST" must be escaped
    choices = ", ".join(f"{n} ({models.spec(n).description})" for n in models.names()).replace("%", "%%")
    parser.add_argument("--model", default="resnet", choices=models.names(), metavar="NAME", help=f"one of: {choices}")
    parser.add_argument("--config", metavar="FILE.json",
                        help="every training setting from a JSON file (TrainConfig's fields; the window writes one "
                             "for its multi-process runs); the training flags are then ignored")
    # datasets that need options (an image folder) have their own command: resviz transfer
    fixed = [key for key in dataset_names() if dataset_spec(key).input_shape is not None]
    parser.add_argument("--dataset", default="mnist", choices=fixed)
    parser.add_argument("--epochs", type=whole_number(1, 10_000), help="default: the model's own")
    parser.add_argument("--batch-size", type=whole_number(1, 65_536),
                        help="examples per optimizer step; under torchrun the global batch, split between processes")
    parser.add_argument("--lr", type=real_number(0.0, 10.0, low_inclusive=False), help="peak learning rate")
    parser.add_argument("--optimizer", choices=["adam", "adamw", "sgd"])
    parser.add_argument("--schedule", choices=["onecycle", "constant"])
    parser.add_argument("--weight-decay", type=real_number(0.0, 1.0))
    augmenting = parser.add_mutually_exclusive_group()
    augmenting.add_argument("--augment", action="store_true",
                            help="random shifts/rotations/zooms on the device (the model's recipe may augment anyway)")
    augmenting.add_argument("--no-augment", action="store_true",
                            help="no augmentation, even where the recipe has some (to compare with and without)")
    parser.add_argument("--precision", choices=["fp32", "bf16", "auto"],
                        help="fp32, bf16 (autocast, BatchNorm in fp32) or auto: bf16 where it is fast "
                             "(a GPU with tensor cores, a CPU with native bf16)")
    parser.add_argument("--threads", type=whole_number(1, 1024),
                        help="CPU threads for torch (default: torch's; on a busy machine 1 is often fastest)")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    parser.add_argument("--seed", type=whole_number(0, 2**32 - 1), default=0)
    parser.add_argument("--out", help="checkpoint path (default: the resviz checkpoints folder)")
    parser.add_argument("--data-dir", help="folder with MNIST/raw and FashionMNIST/raw")
    parser.add_argument("--train-subset", type=whole_number(1, 10_000_000), help="use only the first N training images")
    parser.add_argument("--test-subset", type=whole_number(1, 10_000_000), help="use only the first N test images")
    parser.add_argument("--tensorboard", metavar="DIR",
                        help='also log curves for TensorBoard into DIR/<run> (pip install "resviz[tensorboard]")')
    add_run_dir(parser, "steps between weight snapshots in the run folder (default 50)")
    add_dist_timeout(parser)


def add_run_dir(parser, snapshot_help: str) -> None:
    """--run-dir and --snapshot-every, for the commands that train one run (train, transfer)."""
    parser.add_argument("--run-dir", metavar="DIR",
                        help="write a run folder as the run trains, for `resviz DIR` (or the window) to follow live, "
                             "from here or any machine that sees DIR; the checkpoint goes to DIR/checkpoint.pt "
                             "unless --out is given")
    parser.add_argument("--snapshot-every", type=whole_number(1, 10_000_000), metavar="STEPS",
                        help=f"with --run-dir: {snapshot_help}")


def add_dist_timeout(parser) -> None:
    parser.add_argument("--dist-timeout", type=whole_number(10, 86_400), default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                        help="under torchrun: how long a process waits for the others before the job ends, "
                             f"naming the one that stopped answering (default {DEFAULT_TIMEOUT_S})")


def config_from_args(args) -> TrainConfig:
    if getattr(args, "config", None):  # the whole config from a file (checked by run() first)
        config = load_train_config(args.config)
        return dataclasses.replace(config, snapshot_every=snapshot_every(args, config.snapshot_every or 50),
                                   data_dir=args.data_dir or config.data_dir)
    overrides = {
        key: getattr(args, key)
        for key in ("epochs", "batch_size", "lr", "optimizer", "schedule", "weight_decay", "precision")
        if getattr(args, key, None) is not None
    }
    if args.no_augment:
        overrides.update(augment=False, augmentation=None)
    elif args.augment:
        overrides["augment"] = True
    return TrainConfig.for_model(
        args.model, dataset=args.dataset, device=args.device, seed=args.seed,
        data_dir=args.data_dir, train_subset=args.train_subset, test_subset=args.test_subset,
        snapshot_every=snapshot_every(args, 50), **overrides,
    )


def snapshot_every(args, default: int) -> int:
    """Steps between weight snapshots: none without a run folder (nobody would look at them)."""
    if not getattr(args, "run_dir", None):
        return 0
    return args.snapshot_every or default


def checkpoint_out(args) -> str | None:
    """--out, else DIR/checkpoint.pt with --run-dir, else None (the command picks its default)."""
    if args.out:
        return args.out
    return str(Path(args.run_dir).expanduser() / CHECKPOINT_FILE) if args.run_dir else None


def check_run_dir(flag: str, path: str) -> Path:
    """``path`` can become a new run folder (missing, empty, or one with no events yet), and its files can be
    written: ``PathProblem`` naming ``flag`` otherwise. Creates nothing, so every torchrun process may ask."""
    writable_folder(flag, path, (RUN_FILE, EVENTS_FILE))
    try:
        return check_new_run_folder(path)
    except ValueError as error:
        raise PathProblem(f"{flag}: {error}") from None


def open_run_folder(flag: str, path: str, bar: ProgressBar, keep_snapshots: int = 3):
    """A ``RunFolderWriter`` for ``path`` and a function that writes each event into it; a write that fails
    later (a full disk) says so once and ends the folder's log, not the training."""
    writer = RunFolderWriter(path, keep_snapshots=keep_snapshots)

    def write(event) -> None:
        if writer.closed:
            return
        try:
            writer.write(event)
        except (OSError, ValueError) as error:
            bar.message(f"warning: {flag}: the run folder is no longer written ({error}); the training goes on")
            try:
                writer.close()
            except OSError:
                pass  # the disk that refused the line refuses the sync too: the log stays as it is
    return writer, write


def each(*calls):
    """One ``on_event`` that calls each of ``calls`` that is not None, in order."""
    chosen = [call for call in calls if call is not None]

    def call_each(event) -> None:
        for call in chosen:
            call(event)
    return call_each if chosen else None


def run(args) -> int:
    try:
        config = config_from_args(args)
    except (OSError, ValueError) as error:  # --config: missing, not JSON, unknown settings
        return fail(ProgressBar(), f"--config: {error}")
    if args.threads:
        torch.set_num_threads(args.threads)
    out = checkpoint_out(args) or default_checkpoint_path(config.model, config.dataset)
    try:  # every path is checked before the data is loaded: a run must not be lost at its end
        if args.run_dir:
            check_run_dir("--run-dir", args.run_dir)
        writable_file("--out", out)
        if args.data_dir:
            existing_folder("--data-dir", args.data_dir)
        check_model_takes_dataset(config.model, config.dataset)
        dist = context_for(resolve_device(config.device), args.dist_timeout)
    except ModelDoesNotFit as error:
        return fail(ProgressBar(), f"--model {config.model} --dataset {config.dataset}: {error}")
    except (PathProblem, DeviceUnavailable) as error:
        return fail(ProgressBar(), str(error))
    bar = progress_bar(dist)
    if not dist.is_main:  # rank 0 alone writes the run folder: the others need no weight copies
        config = dataclasses.replace(config, snapshot_every=0)
    logger = None
    if args.tensorboard and dist.is_main:
        try:
            logger = open_tensorboard_log(args.tensorboard, Path(out).stem)
        except (TensorBoardMissing, OSError) as error:
            what = error if isinstance(error, TensorBoardMissing) else f"cannot write a log into {args.tensorboard}: {error}"
            return fail(bar, f"--tensorboard: {what}", dist)
        bar.message(f"TensorBoard log: {logger.folder} (tensorboard --logdir {args.tensorboard})")
    folder, write_folder = None, None
    if args.run_dir and dist.is_main:
        try:
            folder, write_folder = open_run_folder("--run-dir", args.run_dir, bar)
        except (OSError, ValueError) as error:
            dist.close()
            return fail(bar, f"--run-dir: cannot write the run folder {args.run_dir}: {error}", dist)
        bar.message(f"run folder: {folder.folder} (follow it with: resviz {folder.folder})")
    try:
        with dist.main_first():  # rank 0 downloads or decodes; the others then read its copy
            dataset = load_dataset(config.dataset, config.data_dir, **config.dataset_options,
                                   progress=lambda text, f: bar.update(f, text))
        if dataset.note:
            bar.message(f"note: {dataset.note}")
        trainer = Trainer(config, dataset, checkpoint_path=out, dist=dist)
        started, result = train_with_progress(trainer, bar, each(logger.log if logger else None, write_folder))
    except DatasetUnavailable as error:
        if write_folder is not None:
            write_folder(Failed(str(error), detail=type(error).__name__))
        return fail(bar, str(error), dist)
    finally:
        dist.close()
        if logger is not None:
            logger.close()
        close_run_folder(folder, bar)
    if isinstance(result, Failed):
        return report_failure(bar, result, dist, args.verbose)
    summary = {
        "model": config.model, "dataset": config.dataset, "epochs": result.epochs_completed,
        "device": started.device, "device_name": started.device_name,
        **result.metrics, "seconds": round(result.seconds, 3), "checkpoint": result.checkpoint,
        "stopped": result.stopped, "train_size": started.train_size, "test_size": started.test_size,
        "world_size": started.world_size, "batch_size": started.batch_size * started.world_size,
        "data_note": dataset.note, **({"note": result.message} if result.message else {}),
        **({"tensorboard": str(logger.folder)} if logger is not None else {}),
        **({"run_dir": str(folder.folder)} if folder is not None else {}),
    }
    return finish(bar, result, summary, dist)


def close_run_folder(folder: RunFolderWriter | None, bar: ProgressBar) -> None:
    """Close the run folder's log; a failing sync is said, never raised over the run's own result."""
    if folder is None or folder.closed:
        return
    try:
        folder.close()
    except OSError as error:
        bar.message(f"warning: --run-dir: the run folder's log could not be synced at the end: {error}")


def finish(bar: ProgressBar, result: Done, summary: dict, dist) -> int:
    """A finished (or stopped) run: its note, and the JSON line from rank 0; exit 0, or 1 when its
    checkpoint could be saved nowhere (the weights end with this process: the person must know)."""
    if not dist.is_main:
        return 0
    if result.message:  # e.g. the disk at --out was full and the checkpoint went elsewhere
        bar.message(f"note: {result.message}")
    if result.checkpoint is None:
        # the window keeps unsaved weights in memory; a command's process ends here, and they with it
        why = result.message.split(" The trained weights are kept in memory", 1)[0] or "it was not written"
        error = f"the run's checkpoint could not be saved, so its weights are lost: {why}"
        bar.message(f"error: {error}")
        print(json.dumps({**summary, "error": error}))
        return 1
    print(json.dumps(summary))
    return 0


def report_failure(bar: ProgressBar, result: Failed, dist, verbose: bool) -> int:
    """A failed run: its message (where its weights were saved, if they were) and the log; exit 1."""
    log = result.log or log_failure(result.message, result.traceback or result.detail)
    if verbose and (result.traceback or result.detail):
        bar.message(result.traceback or result.detail)
    message = readable(named_ranks(result, dist))
    return fail(bar, with_log_hint(message, log), dist, detail=result.detail,
                checkpoint=result.checkpoint, log=str(log) if log else None, code=1)


def named_ranks(result: Failed, dist) -> str:
    """A collective that timed out inside the step (DDP's gradient all-reduce) says only "timed out";
    the roll call (``TorchDistributed.lost_contact``) names the process that stopped answering."""
    detail = result.detail or ""
    if dist.world_size == 1 or LostContact.__name__ in detail or not looks_like_lost_contact(detail):
        return result.message
    raw = detail.split(": ", 1)[-1]
    lost = str(dist.lost_contact(RuntimeError(raw)))
    return result.message.replace(raw, lost) if raw in result.message else f"{result.message} ({lost})"


def readable(message: str) -> str:
    """A failure's message in words: torch's zip writer says a failed write (a full disk) as
    "[enforce fail at inline_container.cc:…] unexpected pos", and OSError prefixes "[Errno 28]"."""
    if "inline_container" in message or "PytorchStreamWriter" in message:
        head = message.split("[enforce fail", 1)[0].split("PytorchStreamWriter", 1)[0].rstrip(" :")
        return f"{head}: the checkpoint could not be written (the disk may be full)".lstrip(": ")
    return message.replace(f"[Errno {errno.ENOSPC}] ", "")


def progress_bar(dist) -> ProgressBar:
    """The terminal's progress bar; under torchrun only rank 0 draws one."""
    return ProgressBar() if dist.is_main else ProgressBar(stream=open(os.devnull, "w"))


def fail(bar: ProgressBar, message: str, dist=None, code: int = 2, **extra) -> int:
    """Say what went wrong (stderr; JSON on stdout from rank 0); the exit code."""
    rank = getattr(dist, "rank", 0)
    if rank:  # another rank's error still reaches the terminal, marked as its own
        print(f"rank {rank}: error: {message}", file=sys.stderr)
    else:
        bar.message(f"error: {message}")
        print(json.dumps({"error": message, **extra}))
    return code


def train_with_progress(trainer: Trainer, bar: ProgressBar, on_event=None) -> tuple[Started | None, Done | Failed | None]:
    """Run ``trainer.fit()`` with a progress bar on stderr (and ``on_event`` for each event: a log);
    Ctrl-C or SIGTERM stops it cleanly. (Started, last event)."""
    started = result = None
    with stopping_on_signals(bar, trainer.stop):
        for event in trainer.fit():
            if on_event is not None:
                on_event(event)
            if isinstance(event, Loading):
                if event.message and event.fraction is not None:
                    bar.update(event.fraction, event.message)
            elif isinstance(event, Started):
                started = event
                processes = f" × {event.world_size} processes" if event.world_size > 1 else ""
                bar.message(f"{event.model} on {event.dataset_title} ({event.train_size:,} train / "
                            f"{event.test_size:,} test), {event.parameters:,} parameters, "
                            f"{event.device_name}{processes}")
            elif isinstance(event, Step):
                bar.update(event.step / event.total_steps,
                           f"epoch {event.epoch}/{started.epochs} step {event.step}/{event.total_steps} "
                           f"loss {event.loss:.4f} {event.images_per_s:,.0f} img/s ETA {format_seconds(event.eta_s)}")
            elif isinstance(event, Epoch):
                shown = " ".join(f"{k} {v:.4f}" for k, v in event.metrics.items())
                bar.message(f"epoch {event.epoch}: train_loss {event.train_loss:.4f} {shown} ({event.seconds:.1f} s)")
            elif isinstance(event, (Done, Failed)):
                result = event
    return started, result
