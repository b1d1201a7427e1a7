"""How many threads the analysis (PCA, k-means, Gaussian mixtures, t-SNE, UMAP) may use.

One core fewer than the machine has, as the app gives torch (``qt/app.py``), so the
window stays responsive. It matters more than it seems: numpy's BLAS and
scikit-learn's OpenMP loops make every step wait for their slowest thread, and on a
busy 2-core machine a second thread made the clustering survey 3.4x slower (131 s
vs 38 s for 200 digits) and openTSNE 4.6x slower.
"""

from __future__ import annotations

import os
from contextlib import contextmanager


def analysis_threads() -> int:
    return max(1, (os.cpu_count() or 1) - 1)


@contextmanager
def limited_threads(threads: int | None = None):
    """Cap numpy's BLAS and scikit-learn's OpenMP threads for the work inside (threadpoolctl)."""
    from threadpoolctl import threadpool_limits  # comes with scikit-learn

    with threadpool_limits(limits=threads or analysis_threads()):
        yield
