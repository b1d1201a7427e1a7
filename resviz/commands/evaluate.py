"""``resviz eval --checkpoint PATH``: test-set metrics of a saved model, as JSON."""

from __future__ import annotations

import json

import torch

from ..core.checkpoints import CheckpointError, load_checkpoint
from ..core.data import DatasetUnavailable, load_dataset
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.objectives import objective_for


def add_arguments(parser) -> None:
    parser.add_argument("--checkpoint", required=True, help="a .pt file written by resviz")
    parser.add_argument("--dataset", choices=["mnist", "fashion"], help="default: the one it was trained on")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-dir")


def run(args) -> int:
    try:
        checkpoint = load_checkpoint(args.checkpoint)
        device = resolve_device(args.device)
        dataset = load_dataset(args.dataset or checkpoint.meta.get("dataset", "mnist"), args.data_dir).to(device)
    except (CheckpointError, DatasetUnavailable, DeviceUnavailable) as error:
        print(json.dumps({"error": str(error)}))
        return 2
    model = checkpoint.build_model(device)
    kind = checkpoint.meta.get("kind", "classifier")
    with torch.no_grad():
        metrics = objective_for(kind).evaluate(model, dataset.test_images, dataset.test_labels)
    print(json.dumps({
        "checkpoint": str(checkpoint.path), "model": checkpoint.model_name, "dataset": dataset.key,
        "device": device.type, **metrics, "test_size": len(dataset.test_labels), "data_note": dataset.note,
    }))
    return 0
