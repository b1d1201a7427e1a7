"""``resviz eval --checkpoint PATH``: test-set metrics of a saved model, as JSON.

A classifier's line also holds its confusion matrix (``confusion``, row = true
class, column = predicted), ``per_class`` precision, recall, F1 and support (as
scikit-learn's ``classification_report``), ``macro_f1``, ``weighted_f1`` and the
expected calibration error ``ece`` (15 equal-width confidence bins).

``--clusters`` (VAE checkpoints): k-means with 10 clusters on the test set's VAE
reconstructions, latent means and raw pixels, each scored against the true labels
(ACC, NMI, ARI), under ``clusters`` in the JSON line; ``clusters.methods`` scores
every recipe of the Clusters tab and ``clusters.best`` names the best of them.
"""

from __future__ import annotations

import json
import sys

import torch

from ..core import models
from ..core.analysis import cluster_survey
from ..core.analysis.clusters import ClusterRecipe
from ..core.checkpoints import CheckpointError, load_checkpoint
from ..core.data import DatasetUnavailable, dataset_names, dataset_spec, load_dataset
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.evaluation import evaluate_classifier
from ..core.models import ModelDoesNotFit
from ..core.objectives import objective_for
from .checks import PathProblem, existing_folder, whole_number
from .progress import ProgressBar

PRINTS_JSON = True  # the last stdout line is JSON, errors included


def add_arguments(parser) -> None:
    parser.add_argument("--checkpoint", required=True, help="a .pt file written by resviz")
    parser.add_argument("--dataset", choices=dataset_names(), help="default: the one it was trained on")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-dir")
    parser.add_argument("--test-subset", type=whole_number(1, 10_000_000), help="use only the first N test images")
    parser.add_argument("--clusters", action="store_true",
                        help="VAE only: ACC/NMI/ARI of k-means (10) on reconstructions, latent means and raw "
                             "pixels, and of every recipe of the Clusters tab (clusters.methods, clusters.best)")


def _fail(message: str) -> int:
    """A refusal: said on stderr for the person, as JSON on stdout for scripts; exit 2."""
    print(f"error: {message}", file=sys.stderr)
    print(json.dumps({"error": message}))
    return 2


def run(args) -> int:
    try:
        if args.data_dir:
            existing_folder("--data-dir", args.data_dir)
        checkpoint = load_checkpoint(args.checkpoint)
        device = resolve_device(args.device)
        key = args.dataset or checkpoint.meta.get("dataset", "mnist")
        check_checkpoint_takes(checkpoint, key)  # before the data loads: a clear reason, not a weight error
        # the checkpoint says how its own dataset was loaded (an image folder's path and size, a subset's classes)
        options = (checkpoint.meta.get("dataset_options") or {}) if key == checkpoint.meta.get("dataset") else {}
        dataset = load_dataset(key, args.data_dir, **options)
        dataset = dataset.subset(None, args.test_subset).to(device)
    except (PathProblem, CheckpointError, DatasetUnavailable, DeviceUnavailable, ModelDoesNotFit) as error:
        return _fail(str(error))
    objective = objective_for(models.spec(checkpoint.model_name).objective)
    if args.clusters and not objective.generates:
        return _fail(f"--clusters needs a VAE checkpoint; {checkpoint.path.name} holds "
                     f"{checkpoint.model_name}, which does not encode and decode.")
    if args.clusters and len(dataset.test_labels) < 10:
        return _fail(f"--clusters needs at least 10 test digits (10 clusters); "
                     f"--test-subset gave {len(dataset.test_labels)}.")
    model = checkpoint.build_model(device)
    with torch.no_grad():
        metrics = objective.evaluate(model, dataset.test_inputs, dataset.test_labels)
    extra = {"clusters": cluster_agreement(model, dataset)} if args.clusters else {}
    if objective.classifies:
        extra.update(evaluate_classifier(model, dataset.test_inputs, dataset.test_labels, dataset.classes).to_json())
    print(json.dumps({
        "checkpoint": str(checkpoint.path), "model": checkpoint.model_name, "dataset": dataset.key,
        "device": device.type, **metrics, **extra, "test_size": len(dataset.test_labels), "data_note": dataset.note,
    }))
    return 0


def check_checkpoint_takes(checkpoint, key: str) -> None:
    """ModelDoesNotFit unless the checkpoint's model, as it was built, takes dataset ``key``'s inputs.

    The same check as ``resviz train`` (``ModelSpec.fit_config``), plus: the settings the model
    takes from its data (channels, size, classes) must be those it was trained with."""
    data = dataset_spec(key)
    if data.input_shape is None:  # an image folder: its shape is known once read
        return
    name = checkpoint.model_name
    try:
        fitted = models.spec(name).fit_config(data.input_shape, len(data.classes or ()) or 10)
    except ModelDoesNotFit as error:
        raise ModelDoesNotFit(f"--dataset {key}: {checkpoint.path.name} holds {error}") from None
    saved = checkpoint.meta.get("model_config") or {}
    differs = [f"{field} {saved[field]} (the data has {value})" for field, value in fitted.items()
               if field in saved and saved[field] != value]
    if differs:
        raise ModelDoesNotFit(f"--dataset {key}: {checkpoint.path.name} holds a {name} trained on "
                              f"{checkpoint.meta.get('dataset', 'another dataset')}, built for "
                              f"{', '.join(differs)}; evaluate it on data like that.")


def cluster_agreement(model, dataset) -> dict:
    """k-means (10) agreement with the labels for each embedding, then the survey and its best."""
    images, labels = dataset.test_images.cpu(), dataset.test_labels.cpu().numpy()
    bar = ProgressBar()
    rows = cluster_survey.survey(images, labels, model, progress=lambda message, f: bar.update(f, message))
    by_recipe = {row.recipe: row for row in rows}
    # the seed's k-means with its PCA picture, on each embedding (the survey scored it already)
    results = {source: _rounded(by_recipe[ClusterRecipe(source)].metrics)
               for source in ("latent", "reconstruction", "pixels")}
    results["methods"] = {row.recipe.key: {**_rounded(row.metrics), "seconds": round(row.seconds, 1)}
                          for row in rows}
    best = cluster_survey.best(rows)
    results["best"] = {"method": best.recipe.key, "title": best.recipe.title(), **_rounded(best.metrics),
                       "n": len(labels)}
    return results


def _rounded(metrics: dict) -> dict:
    return {name: round(value, 4) for name, value in metrics.items()}
