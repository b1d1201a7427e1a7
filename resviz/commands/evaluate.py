"""``resviz eval --checkpoint PATH``: test-set metrics of a saved model, as JSON.

``--clusters`` (VAE checkpoints): k-means with 10 clusters on the test set's VAE
reconstructions, latent means and raw pixels, each scored against the true labels
(ACC, NMI, ARI), under ``clusters`` in the JSON line as ``latent``,
``reconstruction`` and ``pixels``; then every recipe the Clusters tab offers
(embedding x k-means / Gaussian mixture, on the embedding or on its t-SNE / UMAP
map) under ``clusters.methods``, and the one with the highest ACC as
``clusters.best``: ``{method, acc, nmi, ari, n}``. On 10,000 digits and 2 cores the
survey takes a few minutes (six t-SNE / UMAP maps); progress goes to stderr.
"""

from __future__ import annotations

import json

import torch

from ..core.analysis import cluster_survey
from ..core.analysis.clusters import ClusterRecipe
from ..core.checkpoints import CheckpointError, load_checkpoint
from ..core.data import DatasetUnavailable, load_dataset
from ..core.devices import DeviceUnavailable, resolve_device
from ..core.objectives import objective_for
from .progress import ProgressBar


def add_arguments(parser) -> None:
    parser.add_argument("--checkpoint", required=True, help="a .pt file written by resviz")
    parser.add_argument("--dataset", choices=["mnist", "fashion"], help="default: the one it was trained on")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-dir")
    parser.add_argument("--test-subset", type=int, help="use only the first N test images")
    parser.add_argument("--clusters", action="store_true",
                        help="VAE only: ACC/NMI/ARI of k-means (10) on reconstructions, latent means and raw "
                             "pixels, and of every recipe of the Clusters tab (clusters.methods, clusters.best)")


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
    if args.clusters and len(dataset.test_labels) < 10:
        print(json.dumps({"error": f"--clusters needs at least 10 test digits (10 clusters); "
                                   f"--test-subset gave {len(dataset.test_labels)}."}))
        return 2
    model = checkpoint.build_model(device)
    with torch.no_grad():
        metrics = objective_for(kind).evaluate(model, dataset.test_images, dataset.test_labels)
    extra = {"clusters": cluster_agreement(model, dataset)} if args.clusters else {}
    print(json.dumps({
        "checkpoint": str(checkpoint.path), "model": checkpoint.model_name, "dataset": dataset.key,
        "device": device.type, **metrics, **extra, "test_size": len(dataset.test_labels), "data_note": dataset.note,
    }))
    return 0


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
