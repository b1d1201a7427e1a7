"""``resviz visualize --checkpoint CK --layer NAME``: what each unit of a classifier wants to see.

For every chosen unit (``--channels 0-7`` of a conv layer, or ``--classes``: every
class logit) the input that raises its mean activation most, found by regularised
gradient ascent (``core/analysis/feature_vis.py``), beside ``test_max``: the highest
mean activation any of ``--test-images`` test images (default 1,000) reaches.

One JSON row per unit on stdout, ``{layer, unit, activation, test_max, test_image,
reached, seconds, png}`` (``seconds``: the whole layer's time, as all its units are
optimised together as one batch), then a last line with every row; ``--json PATH``
keeps a copy. ``--out DIR`` writes a PNG per unit (the input at its own 28x28 size,
0 black, 1 white), each by ``atomic_write``. A wrong value exits 2 with a message.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import asdict

import numpy as np
import torch

from ..core import models
from ..core.analysis.feature_vis import FeatureVisSettings, visualise
from ..core.analysis.unit_activation import LOGITS, best_test_activations, find_layer, logits_layer
from ..core.atomic import UnsafeTarget, atomic_write_bytes
from ..core.checkpoints import CheckpointError, load_checkpoint
from ..core.data import DatasetUnavailable, load_dataset
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.objectives import objective_class
from .checks import PathProblem, existing_folder, index_ranges, whole_number, writable_file, writable_folder
from .json_output import emit
from .progress import ProgressBar

PRINTS_JSON = True  # the last stdout line is JSON, errors included


def add_arguments(parser) -> None:
    parser.add_argument("--checkpoint", required=True, help="a classifier .pt file written by resviz")
    parser.add_argument("--layer", help="a conv or linear layer's name (a wrong one lists them); "
                                        "not needed with --classes")
    units = parser.add_mutually_exclusive_group()
    units.add_argument("--channels", type=index_ranges, help="which units, e.g. 0-7 or 0,3,5-9 (default: all)")
    units.add_argument("--classes", action="store_true", help="every class logit (the model's last layer)")
    parser.add_argument("--steps", type=whole_number(1, 10_000), default=FeatureVisSettings.steps,
                        help=f"gradient-ascent steps (default {FeatureVisSettings.steps})")
    parser.add_argument("--jitter", type=whole_number(0, 8), default=FeatureVisSettings.jitter,
                        help=f"random shift in pixels before each step (default {FeatureVisSettings.jitter})")
    parser.add_argument("--blur-every", type=whole_number(0, 1000), default=FeatureVisSettings.blur_every,
                        help=f"blur every N steps, 0: never (default {FeatureVisSettings.blur_every})")
    parser.add_argument("--test-images", type=whole_number(1, 100_000), default=1000,
                        help="test images whose highest activation is test_max (default 1,000)")
    parser.add_argument("--seed", type=whole_number(0, 2**31 - 1), default=0, help="the starting noise's seed")
    parser.add_argument("--out", help="a folder for one PNG per unit (made if missing)")
    parser.add_argument("--json", help="also write the last line's JSON (indented) to this file")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    parser.add_argument("--threads", type=whole_number(1, 256), default=1,
                        help="torch CPU threads (default 1: a batch of 28x28 images is too small to share; "
                             "two threads on a busy 2-core machine took 91 s for what one did in 6)")
    parser.add_argument("--data-dir", help="where the test set is (default: RESVIZ_DATA or the cache)")


def _fail(message: str) -> int:
    """A refusal: said on stderr for the person, as JSON on stdout for scripts; exit 2."""
    print(f"error: {message}", file=sys.stderr)
    print(json.dumps({"error": message}))
    return 2


def png_name(layer: str, kind: str, unit: int) -> str:
    return f"{layer}-class{unit}.png" if kind == LOGITS else f"{layer}-unit{unit:03d}.png"


def run(args) -> int:
    try:
        if args.json and args.json != "-":
            writable_file("--json", args.json)
        if args.data_dir:
            existing_folder("--data-dir", args.data_dir)
        checkpoint = load_checkpoint(args.checkpoint)
        device = resolve_device(args.device)
    except PathProblem as error:
        return _fail(str(error))
    except CheckpointError as error:
        return _fail(f"--checkpoint: {error}")
    except DeviceUnavailable as error:
        return _fail(f"--device: {error}")
    spec = models.spec(checkpoint.model_name)
    if not objective_class(spec.objective).classifies:
        return _fail(f"--checkpoint: {checkpoint.path.name} holds {checkpoint.model_name}, which does not "
                     "classify; feature visualisation needs a classifier's units (a CNN or ResNet checkpoint).")
    if spec.input_rank != 3:
        return _fail(f"--checkpoint: {checkpoint.model_name} takes signals, not images; "
                     "feature visualisation draws images.")
    model = checkpoint.build_model(device)
    input_shape = models.input_shape_of(model)
    try:
        layer = logits_layer(model, input_shape) if args.classes else find_layer(model, args.layer or "", input_shape)
    except KeyError as error:
        return _fail(f"--layer: {error.args[0]}" if args.layer else "--layer NAME or --classes is needed; "
                     + error.args[0].split("; ", 1)[1])
    if layer is None:
        return _fail(f"--classes: {checkpoint.model_name} has no linear layer of class logits.")
    units = args.channels if args.channels is not None else tuple(range(layer.units))
    if units[-1] >= layer.units:
        return _fail(f"--channels: {layer.name} has units 0-{layer.units - 1}; {units[-1]} is beyond them.")
    out = None
    try:
        if args.out:
            out = writable_folder("--out", args.out, tuple(png_name(layer.name, layer.kind, u) for u in units[:1]))
        key = checkpoint.meta.get("dataset", "mnist")
        data = load_dataset(key, args.data_dir, **(checkpoint.meta.get("dataset_options") or {}))
    except PathProblem as error:
        return _fail(str(error))
    except DatasetUnavailable as error:
        return _fail(f"the test set of {key}: {error}")

    torch.set_num_threads(args.threads)
    bar = ProgressBar()
    settings = FeatureVisSettings(steps=args.steps, jitter=args.jitter, blur_every=args.blur_every, seed=args.seed)
    peak = best_test_activations(model, layer, data.test_inputs, units, count=args.test_images)
    # the test set's best is each unit's target: units short of it climb again from fresh noise
    result = visualise(model, layer, units, input_shape, settings, targets=peak.values,
                       progress=lambda message, fraction: bar.update(fraction, message))
    bar.update(1.0, f"{layer.name}: done", force=True)
    rows = []
    for position, unit in enumerate(units):
        png = None
        if out is not None:
            png = out / png_name(layer.name, layer.kind, unit)
            try:
                atomic_write_bytes(png, png_bytes(result.images[position]))
            except (OSError, UnsafeTarget) as error:
                return _fail(f"--out: could not write {png}: {getattr(error, 'strerror', None) or error}")
        row = {"layer": layer.name, "unit": unit, "activation": round(float(result.activations[position]), 5),
               "test_max": round(float(peak.values[position]), 5), "test_image": int(peak.images[position]),
               "reached": bool(result.activations[position] >= peak.values[position]),
               "seconds": round(result.seconds, 3), "png": str(png) if png else None}
        if layer.kind == LOGITS:
            row["class"] = data.classes[unit] if unit < len(data.classes) else str(unit)
        print(json.dumps(row), flush=True)
        rows.append(row)
    return emit({
        "checkpoint": str(checkpoint.path), "model": checkpoint.model_name, "layer": layer.name,
        "kind": layer.kind, "readout": layer.readout, "units": list(units), "rows": rows,
        "reached": sum(row["reached"] for row in rows), "seconds": round(result.seconds, 3),
        "test_images": peak.count, "dataset": data.key, "data_note": data.note, "device": device.type,
        "settings": asdict(result.settings), "out": str(out) if out else None,
    }, args.json)


def png_bytes(image: np.ndarray) -> bytes:
    """[C, H, W] in [0, 1] -> a PNG: grey for one channel, RGB for three."""
    from PIL import Image  # Pillow comes with torchvision

    pixels = np.rint(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
    pixels = pixels[0] if pixels.shape[0] == 1 else np.moveaxis(pixels, 0, -1)
    data = io.BytesIO()
    Image.fromarray(pixels).save(data, format="PNG")
    return data.getvalue()
