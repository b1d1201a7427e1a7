"""Group the test digits without their labels, draw the groups, and score them against the labels.

Seed 000: "After reconstruction images by using VAE, we use k-means model with 10
groups to get labels. Then, we also apply PCA to plot them." A ``ClusterRecipe``
names the three choices, the seed's being (reconstruction, PCA, k-means):

- the embedding, what each digit becomes: the VAE's ``reconstruction`` (the decode of
  its latent mean, as the seed does), the ``latent`` means themselves, or the raw
  ``pixels`` (no VAE: the baseline, about 0.55 ACC on MNIST);
- the projection that draws it in 2-D: PCA, t-SNE or UMAP (``projections.py``);
- the clustering: k-means or a Gaussian mixture (``cluster_methods.py``), on the
  embedding itself or, as N2D does, on the projection's points;
- and, if chosen, self-labelling after it (``self_label.py``): a small CNN taught the
  clusters' confident members groups every digit again from its pixels.

Agreement with the true labels (which the clustering never sees):

- ACC: the fraction right under the best one-to-one matching of clusters to labels
  (Hungarian algorithm, ``scipy.optimize.linear_sum_assignment``);
- NMI: normalised mutual information; ARI: adjusted Rand index (scikit-learn).

The work is plain functions with an optional ``progress(message, fraction)`` and a
``cancelled()`` check between stages (Orange's ``owkmeans`` style), so a panel can
run them off the GUI thread and a person can stop them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from . import latent
from .cluster_by_name import cluster
from .cluster_methods import (
    CLUSTERING_TITLES,
    CLUSTERINGS,
    ClusteringCancelled,
    check_cancelled,
    kmeans,
    member_means,
)
from .projections import PROJECTION_TITLES, PROJECTIONS, project
from .self_label import self_label

__all__ = [  # kmeans, member_means and ClusteringCancelled are also used through this module
    "SOURCES", "SOURCE_TITLES", "ClusterRecipe", "ClusterResult", "ClusteringCancelled", "Embedded",
    "SEED_RECIPE", "PIXELS_RECIPE", "agreement", "cluster_digits", "cluster_test_images",
    "clustering_accuracy", "embed", "kmeans", "member_means",
]

SOURCES = ("reconstruction", "latent", "pixels")  # the embeddings
SOURCE_TITLES = {
    "reconstruction": "VAE reconstructions",
    "latent": "latent means",
    "pixels": "raw pixels",
}

Progress = Callable[[str, float], None]  # (message, fraction 0..1), as in core.data


@dataclass(frozen=True)
class ClusterRecipe:
    embedding: str = "reconstruction"  # one of SOURCES
    projection: str = "pca"  # one of PROJECTIONS: the 2-D picture
    clustering: str = "kmeans"  # one of CLUSTERINGS
    on_projection: bool = False  # cluster the projection's points (N2D) rather than the embedding
    self_label: bool = False  # then a CNN taught the clusters groups every digit again (self_label.py)

    def __post_init__(self):
        for value, allowed, what in ((self.embedding, SOURCES, "source"), (self.projection, PROJECTIONS, "projection"),
                                     (self.clustering, CLUSTERINGS, "clustering")):
            if value not in allowed:
                raise ValueError(f"Unknown {what} {value!r}; choose one of {', '.join(allowed)}.")

    @property
    def needs_model(self) -> bool:
        return self.embedding != "pixels"

    @property
    def key(self) -> str:
        """A short name for JSON and logs, e.g. ``gmm(umap(latent))`` or ``kmeans(reconstruction)``."""
        space = f"{self.projection}({self.embedding})" if self.on_projection else self.embedding
        return f"{self.clustering}({space})" + ("+cnn" if self.self_label else "")

    def title(self) -> str:
        """E.g. "Gaussian mixture on the UMAP of latent means"."""
        space = SOURCE_TITLES[self.embedding]
        if self.on_projection:
            space = f"the {PROJECTION_TITLES[self.projection]} of {space}"
        found = f"{CLUSTERING_TITLES[self.clustering]} on {space}"
        return found + (", then a CNN taught its clusters" if self.self_label else "")

    @property
    def clusters_first(self) -> ClusterRecipe:
        """The recipe whose clusters this one starts from: itself without the self-labelling."""
        return replace(self, self_label=False)


SEED_RECIPE = ClusterRecipe("reconstruction", "pca", "kmeans")  # seed 000's
PIXELS_RECIPE = ClusterRecipe("pixels", "pca", "kmeans")  # the baseline


@dataclass(frozen=True)
class ClusterResult:
    recipe: ClusterRecipe
    assignments: np.ndarray  # [N] cluster of each image
    labels: np.ndarray  # [N] true labels
    projection: np.ndarray  # [N, 2] where each point is drawn
    axis_labels: tuple[str, str]  # what the two axes are ("PC1 (12% of the variance)", "UMAP 1")
    centres: np.ndarray  # [k, 28, 28] cluster centres as images (decoded latent / mean image)
    images: np.ndarray  # [N, 28, 28] what each point looks like (the reconstruction, or the digit)
    cluster_to_label: np.ndarray  # [k] the label matched to each cluster (-1: none)
    metrics: dict  # acc, nmi, ari

    @property
    def source(self) -> str:
        return self.recipe.embedding


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


@dataclass(frozen=True)
class Embedded:
    """The test digits as one embedding sees them."""

    features: np.ndarray  # [N, D] what is clustered and projected
    images: np.ndarray  # [N, 28, 28] what each point looks like
    embedding: str


def embed(embedding: str, images, model=None, progress: Progress | None = None,
          cancelled: Callable[[], bool] | None = None) -> Embedded:
    """``images`` (uint8 or float [N,28,28]) as ``embedding`` sees them; ``model`` is a VAE (not for pixels)."""
    if embedding not in SOURCES:
        raise ValueError(f"Unknown source {embedding!r}; choose one of {', '.join(SOURCES)}.")
    if embedding != "pixels" and model is None:
        raise ValueError(f"Clustering {SOURCE_TITLES[embedding]} needs a trained VAE.")
    report = progress or (lambda message, fraction: None)
    digits = latent.as_image_batch(images)[:, 0].numpy()
    if embedding == "pixels":
        return Embedded(digits.reshape(len(digits), -1), digits, embedding)
    means = latent.latent_means(model, digits, progress=lambda f: report("Encoding the test digits…", 0.8 * f))
    check_cancelled(cancelled)
    if embedding == "latent":
        return Embedded(means, digits, embedding)
    report("Decoding the reconstructions…", 0.8)
    shown = latent.decode(model, means)
    return Embedded(shown.reshape(len(shown), -1), shown, embedding)


def cluster_digits(recipe: ClusterRecipe, images, labels, model=None, k: int = 10, seed: int = 0,
                   restarts: int = 4, progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None, embedded: Embedded | None = None,
                   projected=None, clustered: np.ndarray | None = None) -> ClusterResult:
    """Cluster ``images`` by ``recipe``. ``embedded`` / ``projected`` reuse earlier stages' work, and
    ``clustered`` the assignments of ``recipe.clusters_first`` (for a self-labelled recipe)."""
    if recipe.needs_model and model is None and embedded is None:
        raise ValueError(f"Clustering {SOURCE_TITLES[recipe.embedding]} needs a trained VAE.")
    report = progress or (lambda message, fraction: None)
    labels = np.asarray(labels, dtype=np.int64)
    # the stages' shares of the bar: a t-SNE or UMAP takes most of the time
    slow = recipe.projection != "pca"
    embed_end, project_end = (0.1, 0.8) if slow else (0.2, 0.3)
    cluster_end = project_end + (0.98 - project_end) * (0.6 if recipe.self_label else 1.0)

    if embedded is None:
        report(f"Preparing {SOURCE_TITLES[recipe.embedding]}…", 0.0)
        embedded = embed(recipe.embedding, images, model, cancelled=cancelled,
                         progress=lambda message, f: report(message, embed_end * f))
    check_cancelled(cancelled)
    if projected is None:
        projected = project(embedded.features, recipe.projection, seed=seed, cancelled=cancelled,
                            progress=lambda message, f: report(message, embed_end + (project_end - embed_end) * f))
    check_cancelled(cancelled)

    space = projected.points if recipe.on_projection else embedded.features
    if clustered is None or not recipe.self_label:
        assignments, centres = cluster(
            recipe.clustering, space, k, seed, restarts, cancelled=cancelled,
            progress=lambda message, f: report(message, project_end + (cluster_end - project_end) * f))
    else:
        assignments = np.asarray(clustered, dtype=np.int64)
    check_cancelled(cancelled)
    if recipe.self_label:
        digits = latent.as_image_batch(images)[:, 0].numpy()
        assignments = self_label(digits, space, assignments, k, seed, cancelled=cancelled,
                                 progress=lambda message, f: report(message, cluster_end + (0.98 - cluster_end) * f))
        centres = member_means(space, assignments, k)  # in the clustered space, as the clusterings give them
    if recipe.embedding == "latent" and not recipe.on_projection:
        centre_images = latent.decode(model, centres)  # what the mean latent of each cluster draws
    else:
        centre_images = member_means(embedded.images, assignments, k)
    _, mapping = clustering_accuracy(labels, assignments)
    report("Done", 1.0)
    return ClusterResult(
        recipe, assignments, labels, projected.points, tuple(projected.axis_labels[:2]),
        centre_images.astype(np.float32), embedded.images.astype(np.float32), mapping,
        agreement(labels, assignments),
    )


def cluster_test_images(source: str, images, labels, model=None, k: int = 10, seed: int = 0,
                        restarts: int = 4, progress: Progress | None = None,
                        cancelled: Callable[[], bool] | None = None) -> ClusterResult:
    """Seed 000's k-means of ``source`` (one of SOURCES), drawn with PCA."""
    if source not in SOURCES:
        raise ValueError(f"Unknown source {source!r}; choose one of {', '.join(SOURCES)}.")
    return cluster_digits(ClusterRecipe(source), images, labels, model, k, seed, restarts, progress, cancelled)
