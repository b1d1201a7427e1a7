"""``resviz landscape``: the loss around a classifier's weights (Li et al. 2018), without a window.

    resviz landscape --checkpoint model.pt                 # 21 x 21 points, span ±1, 1,000 training images
    resviz landscape --checkpoint model.pt --grid 11 --png landscape.png
    resviz landscape --preset skip [--quick]               # train a deep plain and a residual net, both landscapes

The loss is measured at ``theta + alpha d1 + beta d2`` for an N x N grid of (alpha, beta)
along two random filter-normalised directions (``core/landscape``), on a fixed subset of
training images picked by ``--seed``. Progress goes to stderr; the last stdout line is
JSON: ``alphas``, ``betas``, ``loss`` (N x N, row = alpha), ``center_loss`` (the model's
own loss on those images), ``subset``, ``seed``, ``batchnorm`` (how it was handled),
``seconds`` and ``roughness`` (``core/landscape/roughness.py``). With ``--preset`` it is a
list, one object per net: ``variant``, ``depth``, ``batchnorm``, ``center_loss``,
``roughness``, ``loss``, ``seconds`` (the landscape's), ``train_seconds`` and more.
``--png`` draws the filled contours of log-loss (both nets side by side on one scale with
``--preset``). A wrong value exits 2 with a message and no traceback.
"""

from __future__ import annotations

import json
import sys

from .checks import PathProblem, existing_folder, real_number, whole_number, writable_file
from .json_output import emit
from .progress import ProgressBar, stopping_on_signals

PRINTS_JSON = True  # the last stdout line is JSON, errors included
TRAINS = True  # trains on the CPU when there is no GPU: the CLI flushes denormals first (core/denormals.py)
PRESETS = ("skip",)  # the Depth lab presets made for the landscape


def add_arguments(parser) -> None:
    from ..core.landscape.settings import MAX_GRID, MAX_SPAN, MAX_SUBSET, MIN_GRID, LandscapeSettings

    defaults = LandscapeSettings()
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", metavar="CK", help="a classifier .pt file written by resviz")
    source.add_argument("--preset", choices=PRESETS,
                        help="skip: train the Depth lab's deep plain and residual nets, then both landscapes")
    parser.add_argument("--quick", action="store_true", help="with --preset: fewer steps and a smaller grid")
    parser.add_argument("--grid", type=whole_number(MIN_GRID, MAX_GRID), metavar="N",
                        help=f"points per axis (default {defaults.grid}; the preset has its own)")
    parser.add_argument("--span", type=real_number(0, MAX_SPAN, low_inclusive=False), metavar="S",
                        help=f"alpha and beta from -S to +S, in filter norms (default {defaults.span:g})")
    parser.add_argument("--subset", type=whole_number(1, MAX_SUBSET), metavar="N",
                        help=f"training images each point is scored on (default {defaults.subset:,})")
    parser.add_argument("--seed", type=whole_number(0, 2**31 - 1), metavar="S",
                        help=f"picks the images and the directions (default {defaults.seed})")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    parser.add_argument("--threads", type=whole_number(1, 256), metavar="N",
                        help="torch CPU threads (default: torch's own; the preset trains with 1)")
    parser.add_argument("--json", metavar="PATH", help="also write the JSON to PATH")
    parser.add_argument("--png", metavar="PATH", help="draw the landscape(s) as filled contours into PATH")
    parser.add_argument("--data-dir", help="folder with MNIST/raw")


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    print(json.dumps({"error": message}))
    return 2


def _settings(args, base):
    """``base`` with the flags that were given."""
    from dataclasses import replace

    given = {name: getattr(args, name) for name in ("grid", "span", "subset", "seed") if getattr(args, name) is not None}
    return replace(base, **given)


def run(args) -> int:
    from ..core.devices import DeviceUnavailable, resolve_device

    if args.quick and not args.preset:
        return _fail("--quick goes with --preset (a checkpoint's landscape is set by --grid and --subset)")
    try:
        for flag in ("json", "png"):
            if getattr(args, flag):
                writable_file(f"--{flag}", getattr(args, flag))
        if args.data_dir:
            existing_folder("--data-dir", args.data_dir)
        device = resolve_device(args.device)
    except (PathProblem, DeviceUnavailable) as error:
        return _fail(str(error))
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    bar = ProgressBar(sys.stderr)
    if args.preset:
        return _preset(args, device, bar)
    return _checkpoint(args, device, bar)


def _checkpoint(args, device, bar: ProgressBar) -> int:
    from ..core import models
    from ..core.checkpoints import CheckpointError, load_checkpoint
    from ..core.data import DatasetUnavailable, load_dataset
    from ..core.landscape import LandscapeCancelled, LandscapeSettings, random_plane
    from ..core.models import ModelDoesNotFit
    from ..core.objectives import objective_class
    from .evaluate import check_checkpoint_takes

    try:
        checkpoint = load_checkpoint(args.checkpoint)
    except CheckpointError as error:
        return _fail(f"--checkpoint: {error}")
    if not objective_class(models.spec(checkpoint.model_name).objective).classifies:
        return _fail(f"--checkpoint: {checkpoint.path.name} holds a {checkpoint.model_name}, which does not classify; "
                     "the landscape is the cross-entropy of a classifier (train one: resviz train --model resnet)")
    key = checkpoint.meta.get("dataset", "mnist")
    try:
        check_checkpoint_takes(checkpoint, key)
        dataset = load_dataset(key, args.data_dir, progress=lambda text, f: bar.update(f, text),
                               **(checkpoint.meta.get("dataset_options") or {}))
    except (ModelDoesNotFit, DatasetUnavailable) as error:
        return _fail(str(error))
    settings = _settings(args, LandscapeSettings())
    model = checkpoint.build_model("cpu")
    bar.message(f"landscape of {checkpoint.path.name}: {settings.text}")
    stopping = []
    with stopping_on_signals(bar, lambda: stopping.append(True)):
        try:
            landscape = random_plane(model, dataset, settings, device,
                                     progress=lambda text, f: bar.update(f, text), cancelled=lambda: bool(stopping))
        except LandscapeCancelled:
            return _fail("stopped before the grid was done")
    bar.message(f"done in {landscape.seconds:.1f} s: centre loss {landscape.center_loss:.4f}, "
                f"roughness {landscape.roughness:.3f}")
    if args.png:
        from ..core.landscape.picture import landscapes_png

        landscapes_png(args.png, [(f"{checkpoint.path.name} ({checkpoint.model_name})", landscape)])
    return emit({"checkpoint": str(checkpoint.path), "model": checkpoint.model_name, "dataset": dataset.key,
                 "grid": settings.grid, "span": settings.span, **landscape.to_json()}, args.json)


def _preset(args, device, bar: ProgressBar) -> int:
    import torch

    from ..core.data import DatasetUnavailable, load_dataset
    from ..core.depth_lab import preset
    from ..core.depth_lab.landscapes import preset_landscapes
    from ..core.landscape import LandscapeCancelled

    chosen = preset(args.preset)
    if not args.threads:
        torch.set_num_threads(1)  # the Depth lab's nets are small: one thread trains them fastest on a busy machine
    try:
        dataset = load_dataset("mnist", args.data_dir, progress=lambda text, f: bar.update(f, text))
    except DatasetUnavailable as error:
        return _fail(f"--data-dir: {error}")
    settings = _settings(args, chosen.landscape_settings(args.quick))
    runs, recipe = chosen.plan(args.quick)
    bar.message(f"{chosen.key}: {len(runs)} nets, {recipe.text}; landscapes of {settings.text}")
    stopping = []
    with stopping_on_signals(bar, lambda: stopping.append(True)):
        try:
            results = preset_landscapes(chosen, dataset, settings, quick=args.quick, device=str(device),
                                        progress=lambda text, f: bar.update(f, text, force=f >= 1),
                                        cancelled=lambda: bool(stopping))
        except LandscapeCancelled:
            return _fail("stopped before the landscapes were done")
    for result in results:
        bar.message(f"{result.row['name']}: train loss {result.row['train_loss']:.3f}, centre loss "
                    f"{result.landscape.center_loss:.3f}, roughness {result.landscape.roughness:.3f} "
                    f"({result.landscape.seconds:.0f} s)")
    if args.png:
        from ..core.landscape.picture import landscapes_png

        landscapes_png(args.png, [(r.row["name"], r.landscape) for r in results])
    return emit([r.to_json() for r in results], args.json)
