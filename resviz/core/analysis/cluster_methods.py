"""Ways to split points into k groups: k-means (seed 000), a Gaussian mixture, and N2D's recipe.

- k-means: each group is the points nearest one centre; every group is a round
  blob of about the same spread. Several k-means++ starts, the lowest inertia kept.
- Gaussian mixture: each group is a Gaussian with its own shape (full covariance)
  and weight, fitted by EM. N2D (McConville et al. 2019, https://arxiv.org/abs/1908.05968)
  clusters a UMAP of an autoencoder's embedding this way, because UMAP's clusters are
  elongated and unevenly sized, which round k-means blobs fit badly.

A Gaussian with a full covariance in 784 pixel dimensions is 300,000 numbers and
singular (the border pixels never change), so points with more than ``GMM_PCA``
dimensions go through PCA first.

Both run one start at a time and check ``cancelled()`` between starts. N2D's recipe
(``n2d.py``) maps the points with UMAP to k dimensions first, then fits the Gaussian
mixture there. This module names them all (``CLUSTERINGS``); ``cluster_by_name.cluster``
runs one by its name, within the analysis thread limit (``threads.py``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ..cancelling import Cancelled

CLUSTERINGS = ("kmeans", "gmm", "n2d")
CLUSTERING_TITLES = {"kmeans": "k-means", "gmm": "Gaussian mixture", "n2d": "N2D (UMAP + mixture)"}
MAKES_ITS_OWN_MAP = ("n2d",)  # clusters its own UMAP of the embedding: clustering a 2-D picture adds nothing
GMM_PCA = 32  # a Gaussian mixture on more dimensions than this sees their top principal components

Progress = Callable[[str, float], None]  # (message, fraction 0..1)


class ClusteringCancelled(Cancelled):
    """The person stopped the clustering."""


def check_cancelled(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise ClusteringCancelled("Clustering was cancelled.")


def kmeans(features: np.ndarray, k: int = 10, seed: int = 0, restarts: int = 4,
           progress: Progress | None = None, cancelled: Callable[[], bool] | None = None):
    """k-means with ``restarts`` k-means++ starts, keeping the lowest inertia: (assignments, centres)."""
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    best = None
    for restart in range(restarts):
        check_cancelled(cancelled)
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


def gaussian_mixture(features: np.ndarray, k: int = 10, seed: int = 0, restarts: int = 4,
                     progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                     init: str = "k-means++"):
    """A k-component full-covariance Gaussian mixture, best of ``restarts``: (assignments, means).

    The means are in the space of ``features`` (mapped back from PCA when it was used).
    ``init``: how each start places its means, scikit-learn's ``init_params``.
    """
    from sklearn.decomposition import PCA
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    features = np.asarray(features, dtype=np.float64)
    reduce = None
    if features.shape[1] > GMM_PCA:
        reduce = PCA(n_components=GMM_PCA, svd_solver="randomized", random_state=seed).fit(features)
        features = reduce.transform(features)
    best, best_score = None, -np.inf
    for restart in range(restarts):
        check_cancelled(cancelled)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # reg_covar: a small floor on the variances, so a collapsed direction cannot blow up
            fit = GaussianMixture(k, covariance_type="full", init_params=init, reg_covar=1e-4,
                                  random_state=seed + restart).fit(features)
        score = fit.lower_bound_
        if best is None or score > best_score:
            best, best_score = fit, score
        if progress:
            progress(f"Gaussian mixture start {restart + 1} of {restarts}", (restart + 1) / restarts)
    means = best.means_ if reduce is None else reduce.inverse_transform(best.means_)
    return best.predict(features).astype(np.int64), means.astype(np.float32)



def member_means(images: np.ndarray, assignments: np.ndarray, k: int) -> np.ndarray:
    """The mean of each cluster's members (zeros for an empty cluster): [k, *one member's shape]."""
    flat = images.reshape(len(images), -1).astype(np.float64)
    sums = np.zeros((k, flat.shape[1]))
    np.add.at(sums, assignments, flat)
    counts = np.bincount(assignments, minlength=k)[:, None]
    return (sums / np.maximum(counts, 1)).reshape(k, *images.shape[1:]).astype(np.float32)
