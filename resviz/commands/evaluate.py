"""``resviz eval --checkpoint PATH``: test-set metrics of a saved model, as JSON.

A classifier's line also holds its confusion matrix (``confusion``, row = true
class, column = predicted), ``per_class`` precision, recall, F1 and support (as
scikit-learn's ``classification_report``), ``macro_f1``, ``weighted_f1`` and the
expected calibration error ``ece`` (15 equal-width confidence bins).

``--clusters`` (VAE checkpoints): k-means with 10 clusters on the test set's VAE
reconstructions, latent means and raw pixels, each scored against the true labels
(ACC, NMI, ARI), under ``clusters`` in the JSON line.
"""

from __future__ import annotations

import json

import torch

from ..core.analysis.clusters import cluster_test_images
from ..core.checkpoints import CheckpointError, load_checkpoint
from ..core.data import DatasetUnavailable, load_dataset
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.evaluation import evaluate_classifier
from ..core.objectives import objective_for


def add_arguments(parser) -> None:
    parser.add_argument("--checkpoint", required=True, help="a .pt file written by resviz")
    parser.add_argument("--dataset", choices=["mnist", "fashion"], help="default: the one it was trained on")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-dir")
    parser.add_argument("--test-subset", type=int, help="use only the first N test images")
    parser.add_argument("--clusters", action="store_true",
                        help="VAE only: k-means (10) on reconstructions, latent means and raw pixels; ACC/NMI/ARI")


def run(args) -> int:
    try:
        checkpoint = load_checkpoint(args.checkpoint)
        device = resolve_device(args.device)
        dataset = load_dataset(args.dataset or checkpoint.meta.get("dataset", "mnist"), args.data_dir)
        dataset = dataset.subset(None, args.test_subset).to(device)
    except (CheckpointError, DatasetUnavailable, DeviceUnavailable) as error:
        print(json.dumps({"error": str(error)}))
        return 2
    kind = checkpoint.meta.get("kind", "classifier")
    if args.clusters and kind != "vae":
        print(json.dumps({"error": f"--clusters needs a VAE checkpoint; {checkpoint.path.name} is a {kind}."}))
        return 2
    model = checkpoint.build_model(device)
    with torch.no_grad():
        metrics = objective_for(kind).evaluate(model, dataset.test_images, dataset.test_labels)
    extra = {"clusters": cluster_agreement(model, dataset)} if args.clusters else {}
    if kind == "classifier":
        extra.update(evaluate_classifier(model, dataset.test_images, dataset.test_labels, dataset.classes).to_json())
    print(json.dumps({
        "checkpoint": str(checkpoint.path), "model": checkpoint.model_name, "dataset": dataset.key,
        "device": device.type, **metrics, **extra, "test_size": len(dataset.test_labels), "data_note": dataset.note,
    }))
    return 0


def cluster_agreement(model, dataset) -> dict[str, dict[str, float]]:
    """k-means (10) agreement with the labels for each clustering source, rounded for reading."""
    images, labels = dataset.test_images.cpu(), dataset.test_labels.cpu().numpy()
    results = {}
    for source in ("latent", "reconstruction", "pixels"):
        result = cluster_test_images(source, images, labels, model=model)
        results[source] = {name: round(value, 4) for name, value in result.metrics.items()}
    return results
