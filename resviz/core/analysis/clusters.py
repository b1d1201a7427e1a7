"""k-means of the test set as a VAE sees it, a PCA picture, and agreement with the labels.

Seed 000: "After reconstruction images by using VAE, we use k-means model with 10
groups to get labels. Then, we also apply PCA to plot them." We cluster one of:

- ``reconstruction``: the VAE's reconstructions (decodes of each digit's latent mean),
  as the seed does;
- ``latent``: the latent means themselves;
- ``pixels``: the raw pixels, the baseline (about 0.55 ACC on MNIST).

Agreement with the true labels (which k-means never sees):

- ACC: the fraction right under the best one-to-one matching of clusters to labels
  (Hungarian algorithm, ``scipy.optimize.linear_sum_assignment``);
- NMI: normalised mutual information; ARI: adjusted Rand index (scikit-learn).

The work is plain functions with an optional ``progress(message, fraction)`` and a
``cancelled()`` check between stages (Orange's ``owkmeans`` style), so a panel can
run them off the GUI thread and a person can stop them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..cancelling import Cancelled
from . import latent

SOURCES = ("reconstruction", "latent", "pixels")
SOURCE_TITLES = {
    "reconstruction": "VAE reconstructions",
    "latent": "latent means",
    "pixels": "raw pixels",
}

Progress = Callable[[str, float], None]  # (message, fraction 0..1), as in core.data


class ClusteringCancelled(Cancelled):
    """The person stopped the clustering."""


@dataclass(frozen=True)
class ClusterResult:
    source: str  # one of SOURCES
    assignments: np.ndarray  # [N] cluster of each image
    labels: np.ndarray  # [N] true labels
    projection: np.ndarray  # [N, 2] the features' first two principal components
    explained: np.ndarray  # [2] fraction of variance those two components hold
    centres: np.ndarray  # [k, 28, 28] cluster centres as images (decoded latent / mean image)
    images: np.ndarray  # [N, 28, 28] what each point looks like (the reconstruction, or the digit)
    cluster_to_label: np.ndarray  # [k] the label matched to each cluster (-1: none)
    metrics: dict  # acc, nmi, ari


def clustering_accuracy(labels, assignments) -> tuple[float, np.ndarray]:
    """Best one-to-one matching of clusters to labels: (accuracy, label of each cluster or -1)."""
    # scipy and scikit-learn are imported where used: together they add ~2 s to the app's start
    from scipy.optimize import linear_sum_assignment

    labels, assignments = np.asarray(labels), np.asarray(assignments)
    n_clusters = int(assignments.max(initial=-1)) + 1
    n_labels = int(labels.max(initial=-1)) + 1
    counts = np.zeros((n_clusters, n_labels), dtype=np.int64)
    np.add.at(counts, (assignments, labels), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    mapping = np.full(n_clusters, -1, dtype=np.int64)
    mapping[rows] = cols
    return float(counts[rows, cols].sum() / max(len(labels), 1)), mapping


def agreement(labels, assignments) -> dict[str, float]:
    """ACC, NMI and ARI of a clustering against the true labels."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    acc, _ = clustering_accuracy(labels, assignments)
    return {
        "acc": acc,
        "nmi": float(normalized_mutual_info_score(labels, assignments)),
        "ari": float(adjusted_rand_score(labels, assignments)),
    }


def kmeans(features: np.ndarray, k: int = 10, seed: int = 0, restarts: int = 4,
           progress: Progress | None = None, cancelled: Callable[[], bool] | None = None):
    """k-means with ``restarts`` k-means++ starts, keeping the lowest inertia: (assignments, centres).

    One start at a time so that ``cancelled`` is checked between them.
    """
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    best = None
    for restart in range(restarts):
        _check(cancelled)
        with warnings.catch_warnings():
            # an untrained VAE may draw every digit the same; fewer distinct clusters then
            # show in the metrics, so the warning adds nothing
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = KMeans(n_clusters=k, n_init=1, random_state=seed + restart).fit(features)
        if best is None or fit.inertia_ < best.inertia_:
            best = fit
        if progress:
            progress(f"k-means start {restart + 1} of {restarts}", (restart + 1) / restarts)
    return best.labels_.astype(np.int64), best.cluster_centers_.astype(np.float32)


def cluster_test_images(source: str, images, labels, model=None, k: int = 10, seed: int = 0,
                        restarts: int = 4, progress: Progress | None = None,
                        cancelled: Callable[[], bool] | None = None) -> ClusterResult:
    """Cluster ``images`` (uint8 or float [N,28,28]) by ``source``; ``model`` is a VAE (not for pixels)."""
    if source not in SOURCES:
        raise ValueError(f"Unknown source {source!r}; choose one of {', '.join(SOURCES)}.")
    if source != "pixels" and model is None:
        raise ValueError(f"Clustering {SOURCE_TITLES[source]} needs a trained VAE.")
    report = progress or (lambda message, fraction: None)
    labels = np.asarray(labels, dtype=np.int64)
    digits = latent.as_image_batch(images)[:, 0].numpy()

    report(f"Preparing {SOURCE_TITLES[source]}…", 0.0)
    if source == "pixels":
        features, shown = digits.reshape(len(digits), -1), digits
    else:
        means = latent.latent_means(model, digits, progress=lambda f: report("Encoding the test set…", 0.3 * f))
        _check(cancelled)
        if source == "latent":
            features, shown = means, digits
        else:
            shown = latent.decode(model, means)
            features = shown.reshape(len(shown), -1)
    _check(cancelled)

    assignments, centres = kmeans(
        features, k, seed, restarts, cancelled=cancelled,
        progress=lambda message, f: report(message, 0.3 + 0.6 * f))
    centre_images = latent.decode(model, centres) if source == "latent" else centres.reshape(k, *digits.shape[1:])

    _check(cancelled)
    report("PCA projection…", 0.9)
    from sklearn.decomposition import PCA

    pca = PCA(n_components=2, svd_solver="randomized", random_state=seed)
    projection = pca.fit_transform(features).astype(np.float32)
    _, mapping = clustering_accuracy(labels, assignments)
    report("Done", 1.0)
    return ClusterResult(
        source, assignments, labels, projection, pca.explained_variance_ratio_.astype(np.float32),
        centre_images.astype(np.float32), shown.astype(np.float32), mapping, agreement(labels, assignments),
    )


def _check(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise ClusteringCancelled("Clustering was cancelled.")
