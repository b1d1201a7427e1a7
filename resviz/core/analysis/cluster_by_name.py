"""Run a clustering by its name in ``CLUSTERINGS``: the one place that knows each name's function.

Its own module so that the registry goes one way: ``cluster_methods`` names the
clusterings and holds k-means and the Gaussian mixture, ``n2d`` builds on them (and on
UMAP), and this module imports both.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .cluster_methods import CLUSTERINGS, Progress, gaussian_mixture, kmeans
from .n2d import n2d
from .threads import limited_threads

FITS = {"kmeans": kmeans, "gmm": gaussian_mixture, "n2d": n2d}
assert set(FITS) == set(CLUSTERINGS), "every clustering named in cluster_methods.CLUSTERINGS needs its function here"


def cluster(method: str, features: np.ndarray, k: int = 10, seed: int = 0, restarts: int = 4,
            progress: Progress | None = None, cancelled: Callable[[], bool] | None = None):
    """``kmeans``, ``gmm`` or ``n2d`` by name: (assignments, centres in the features' space)."""
    if method not in CLUSTERINGS:
        raise ValueError(f"Unknown clustering {method!r}; choose one of {', '.join(CLUSTERINGS)}.")
    if len(features) < k:
        raise ValueError(f"{k} clusters need at least {k} points; there are {len(features)}.")
    with limited_threads():
        return FITS[method](features, k, seed, restarts, progress=progress, cancelled=cancelled)
