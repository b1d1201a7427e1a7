"""``resviz export --checkpoint PATH --out DIR``: a run's curves and numbers as plain files.

Writes ``steps.csv`` (step, train loss, loss terms), ``epochs.csv`` (epoch, step,
test loss, test accuracy, ...) and ``metrics.json`` (model, dataset, settings and
final metrics) for spreadsheets, pandas or a paper's plots. ``--evaluate`` also runs
a classifier over its test set and adds the confusion matrix, per-class metrics,
macro/weighted F1 and ECE (as ``resviz eval``) to ``metrics.json``.

Each file is written with ``core.atomic.atomic_write``; ``--out`` and ``--data-dir`` are
checked before the checkpoint loads. The last stdout line is JSON; errors are also
said on stderr.
"""

from __future__ import annotations

import json
import sys

from ..core import models
from ..core.atomic import UnsafeTarget
from ..core.checkpoints import CheckpointError, load_checkpoint
from ..core.data import DatasetUnavailable, load_dataset
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.evaluation import evaluate_classifier
from ..core.objectives import objective_class
from ..core.run_export import FILES, export_run
from .checks import PathProblem, existing_folder, writable_folder

PRINTS_JSON = True  # the last stdout line is JSON, errors included


def add_arguments(parser) -> None:
    parser.add_argument("--checkpoint", required=True, help="a .pt file written by resviz")
    parser.add_argument("--out", required=True, help="folder to write steps.csv, epochs.csv and metrics.json into")
    parser.add_argument("--evaluate", action="store_true",
                        help="classifiers: also add confusion matrix, per-class metrics and ECE on the test set")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-dir", help="folder with MNIST/raw and FashionMNIST/raw (for --evaluate)")


def _fail(message: str) -> int:
    """A refusal: said on stderr for the person, as JSON on stdout for scripts; exit 2."""
    print(f"error: {message}", file=sys.stderr)
    print(json.dumps({"error": message}))
    return 2


def run(args) -> int:
    try:  # before the checkpoint loads
        out = writable_folder("--out", args.out, FILES)
        if args.data_dir:
            existing_folder("--data-dir", args.data_dir)
    except PathProblem as error:
        return _fail(str(error))
    try:
        checkpoint = load_checkpoint(args.checkpoint)
    except CheckpointError as error:
        return _fail(f"--checkpoint: {error}")
    if "history" not in checkpoint.meta:
        return _fail(f"--checkpoint: {checkpoint.path.name} holds no training curves to export.")
    extra = {}
    if args.evaluate:
        try:
            extra = classifier_report(checkpoint, args)
        except (DatasetUnavailable, DeviceUnavailable, ValueError) as error:
            return _fail(str(error))
    try:
        written = export_run(checkpoint.meta, out, extra)
    except (OSError, UnsafeTarget) as error:  # DiskFull is an OSError that says so
        return _fail(f"--out: could not write into {out}: {getattr(error, 'strerror', None) or error}")
    print(json.dumps({"checkpoint": str(checkpoint.path), "out": str(out),
                      "files": {name: str(path) for name, path in written.items()}}))
    return 0


def classifier_report(checkpoint, args) -> dict:
    """``resviz eval``'s classifier metrics on the checkpoint's own test set; ValueError for a non-classifier."""
    objective = models.spec(checkpoint.model_name).objective
    if not objective_class(objective).classifies:
        raise ValueError(f"--evaluate needs a classifier checkpoint; {checkpoint.path.name} holds "
                         f"{checkpoint.model_name} (a {objective} model), which gives no class scores.")
    device = resolve_device(args.device)
    options = checkpoint.meta.get("dataset_options") or {}  # an image folder's path and size
    data = load_dataset(checkpoint.meta.get("dataset", "mnist"), args.data_dir, **options).to(device)
    model = checkpoint.build_model(device)
    report = evaluate_classifier(model, data.test_inputs, data.test_labels, data.classes).to_json()
    return {**report, "test_size": len(data.test_labels)}
