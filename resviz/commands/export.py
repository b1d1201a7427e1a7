"""``resviz export --checkpoint PATH --out DIR``: a run's curves and numbers as plain files.

Writes ``steps.csv`` (step, train loss, loss terms), ``epochs.csv`` (epoch, step,
test loss, test accuracy, ...) and ``metrics.json`` (model, dataset, settings and
final metrics) for spreadsheets, pandas or a paper's plots. ``--evaluate`` also runs
a classifier over its test set and adds the confusion matrix, per-class metrics,
macro/weighted F1 and ECE (as ``resviz eval``) to ``metrics.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..core.checkpoints import CheckpointError, load_checkpoint
from ..core.data import DatasetUnavailable, load_dataset
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.evaluation import evaluate_classifier
from ..core.run_export import export_run


def add_arguments(parser) -> None:
    parser.add_argument("--checkpoint", required=True, help="a .pt file written by resviz")
    parser.add_argument("--out", required=True, help="folder to write steps.csv, epochs.csv and metrics.json into")
    parser.add_argument("--evaluate", action="store_true",
                        help="classifiers: also add confusion matrix, per-class metrics and ECE on the test set")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-dir", help="folder with MNIST/raw and FashionMNIST/raw (for --evaluate)")


def _fail(message: str) -> int:
    print(json.dumps({"error": message}))
    return 2


def run(args) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return _fail(f"--out {out} is a file; give a folder (it is created if missing).")
    try:
        checkpoint = load_checkpoint(args.checkpoint)
    except CheckpointError as error:
        return _fail(f"--checkpoint: {error}")
    if "history" not in checkpoint.meta:
        return _fail(f"--checkpoint: {checkpoint.path.name} holds no training curves to export.")
    extra = {}
    if args.evaluate:
        if checkpoint.meta.get("kind", "classifier") != "classifier":
            return _fail(f"--evaluate needs a classifier checkpoint; {checkpoint.path.name} is a "
                         f"{checkpoint.meta.get('kind')}.")
        try:
            device = resolve_device(args.device)
            data = load_dataset(checkpoint.meta.get("dataset", "mnist"), args.data_dir).to(device)
        except (DatasetUnavailable, DeviceUnavailable) as error:
            return _fail(str(error))
        model = checkpoint.build_model(device)
        extra = evaluate_classifier(model, data.test_inputs, data.test_labels, data.classes).to_json()
        extra["test_size"] = len(data.test_labels)
    try:
        written = export_run(checkpoint.meta, out, extra)
    except OSError as error:
        return _fail(f"--out: could not write into {out}: {error.strerror or error}")
    print(json.dumps({"checkpoint": str(checkpoint.path), "out": str(out),
                      "files": {name: str(path) for name, path in written.items()}}))
    return 0
