"""Flatten many-dimensional points to a picture: PCA, t-SNE or UMAP.

TensorBoard's embedding projector offers the same three:

- PCA (seed 000's choice): the two directions of largest variance; a linear view,
  quick, and the axes mean something (the fraction of variance each holds).
- t-SNE (van der Maaten & Hinton 2008): keeps each point's near neighbours near;
  clusters come out as islands, but distances between islands mean little.
- UMAP (McInnes et al. 2018, https://arxiv.org/abs/1802.03426): like t-SNE, faster,
  and keeps more of the global layout; N2D clusters on it.

Points with more than ``PRE_PCA`` dimensions (raw pixels, reconstructions) go through
PCA to ``PRE_PCA`` first for t-SNE and UMAP, as both projects recommend: the
neighbours barely change and the search is many times faster.

t-SNE is openTSNE's: on 2,000 digits (PCA 50, one thread of a busy 2-core machine,
load ~14) it took 101-113 s against scikit-learn's 140 s, it turns to its FFT
method from 10,000 points, and its callbacks report progress and stop it when
cancelled (scikit-learn's has neither). ``resviz bench`` times it on 10,000. UMAP's layout does the same through the progress bar it
documents (``tqdm_kwds``): ``_UMAPEpochs`` reads the epoch count from it and stops
the loop when cancelled. Only UMAP's neighbour search (a few seconds) runs uncut.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .cluster_methods import check_cancelled
from .threads import analysis_threads, limited_threads

PROJECTIONS = ("pca", "tsne", "umap")
PROJECTION_TITLES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
PRE_PCA = 50  # t-SNE and UMAP first reduce bigger inputs to this many principal components
MIN_POINTS = 30  # t-SNE and UMAP compare each point with its ~15-30 nearest neighbours

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Projection:
    method: str  # one of PROJECTIONS
    points: np.ndarray  # [N, components]
    axis_labels: tuple[str, ...]  # one per component, for the plot's axes
    explained: np.ndarray | None = None  # PCA: the fraction of the variance on each axis


def project(features, method: str = "pca", components: int = 2, seed: int = 0,
            progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
            threads: int | None = None) -> Projection:
    """``features`` [N, D] -> ``components`` coordinates per point by ``method``.

    ``threads``: for PCA's BLAS and t-SNE (default: one fewer than the cores, ``threads.py``).
    UMAP runs on one thread, the price of a fixed seed (the same digits, the same map).
    """
    if method not in PROJECTIONS:
        raise ValueError(f"Unknown projection {method!r}; choose one of {', '.join(PROJECTIONS)}.")
    with limited_threads(threads):
        return _project(features, method, components, seed, progress, cancelled, threads)


def _project(features, method, components, seed, progress, cancelled, threads) -> Projection:
    report = progress or (lambda message, fraction: None)
    features = np.ascontiguousarray(features, dtype=np.float32)
    if method == "pca":
        return pca(features, components, seed)
    if len(features) < MIN_POINTS:
        raise ValueError(f"{PROJECTION_TITLES[method]} needs at least {MIN_POINTS} points; there are {len(features)}.")
    if features.shape[1] > PRE_PCA:
        report(f"PCA to {PRE_PCA} dimensions first…", 0.0)
        features = pca(features, PRE_PCA, seed).points
    check_cancelled(cancelled)
    if method == "tsne":
        points = tsne(features, components, seed, report, cancelled, threads)
    else:
        points = umap(features, components, seed, report, cancelled)
    check_cancelled(cancelled)
    report(f"{PROJECTION_TITLES[method]} done", 1.0)
    name = PROJECTION_TITLES[method]
    return Projection(method, points, tuple(f"{name} {i + 1}" for i in range(components)))


def pca(features: np.ndarray, components: int = 2, seed: int = 0) -> Projection:
    from sklearn.decomposition import PCA

    components = min(components, *features.shape)
    # randomized SVD: only the top few of up to 7,168 directions are wanted
    fit = PCA(n_components=components, svd_solver="randomized", random_state=seed)
    points = fit.fit_transform(features).astype(np.float32)
    explained = fit.explained_variance_ratio_.astype(np.float32)
    labels = tuple(f"PC{i + 1} ({100 * e:.0f}% of the variance)" for i, e in enumerate(explained))
    return Projection("pca", points, labels, explained)


def tsne(features: np.ndarray, components: int, seed: int, report: Progress,
         cancelled: Callable[[], bool] | None, threads: int | None) -> np.ndarray:
    from openTSNE import TSNE

    # openTSNE's two phases: early exaggeration (250 iterations), then 500 normal ones
    phases = {"early": (250, 0.1, 0.4), "normal": (500, 0.4, 1.0)}
    state = {"phase": "early"}

    def callback(iteration, error, embedding):
        total, start, end = phases[state["phase"]]
        report(f"t-SNE: iteration {iteration} of {total} ({state['phase']} phase)",
               start + (end - start) * iteration / total)
        if iteration >= total:
            state["phase"] = "normal"
        return bool(cancelled and cancelled())  # True stops the optimisation

    report("t-SNE: finding each point's neighbours…", 0.02)
    embedding = TSNE(
        n_components=components, perplexity=30, initialization="pca", random_state=seed,
        n_jobs=threads or analysis_threads(), callbacks=callback, callbacks_every_iters=25, verbose=False,
    ).fit(features)
    return np.asarray(embedding, dtype=np.float32)


def umap(features: np.ndarray, components: int, seed: int, report: Progress,
         cancelled: Callable[[], bool] | None = None, min_dist: float = 0.1, neighbours: int = 15) -> np.ndarray:
    from .numba_cache import import_umap

    report("UMAP: loading (the first time on a machine it compiles its code: a minute or so)…", 0.02)
    UMAP = import_umap()
    report("UMAP: finding each point's neighbours…", 0.1)
    epochs = _UMAPEpochs(report, cancelled, start=0.3, end=1.0)
    # a fixed random_state makes the same map every time; UMAP then runs on one thread
    fit = UMAP(n_components=components, n_neighbors=neighbours, min_dist=min_dist, low_memory=True,
               random_state=seed, n_jobs=1, tqdm_kwds=epochs.tqdm_kwds())
    with warnings.catch_warnings():
        # pynndescent's two NN-descent loops hold ctypes pointers, which numba cannot cache: they
        # compile in each process (a few seconds, for 4,096 points or more), and numba says so
        warnings.filterwarnings("ignore", message="Cannot cache compiled function")
        return fit.fit_transform(features).astype(np.float32)


class _UMAPEpochs:
    """A file for the tqdm bar over UMAP's layout epochs: reports progress, stops when cancelled.

    tqdm writes "<epoch>/<epochs>" here (``bar_format``) from the loop's own thread at
    most every ``mininterval`` seconds; raising from ``write`` ends the loop.
    ``miniters=1`` keeps tqdm's monitor thread from ever writing.
    """

    def __init__(self, report: Progress, cancelled: Callable[[], bool] | None, start: float, end: float):
        self.report, self.cancelled, self.start, self.end = report, cancelled, start, end
        self.stopped = False

    def tqdm_kwds(self) -> dict:
        return {"disable": False, "file": self, "bar_format": "{n}/{total}\n", "mininterval": 0.1,
                "miniters": 1, "leave": False}

    def write(self, text: str) -> None:
        done, _, total = text.strip().partition("/")
        if not (done.isdigit() and total.isdigit()) or self.stopped:
            return
        fraction = int(done) / max(int(total), 1)
        self.report(f"UMAP: layout epoch {done} of {total}", self.start + (self.end - self.start) * fraction)
        if self.cancelled is not None and self.cancelled():
            self.stopped = True
            _release_tqdm_lock()
            check_cancelled(self.cancelled)  # raises, out of UMAP's epoch loop

    def flush(self) -> None:
        pass


def _release_tqdm_lock() -> None:
    """Let go of tqdm's class-wide lock before raising out of a write.

    tqdm's ``refresh()`` takes that lock around ``display()`` (which writes to us) and
    releases it only when the write returns (tqdm 4.x, no ``try``/``finally``). Raising
    from here kept it held for ever: the next UMAP in the process (every tqdm) then waited
    on it, the Clusters tab never finished, and the window could not quit (its thread
    pool waited for that job) — the test suite's hang at exit.
    """
    from tqdm import tqdm

    tqdm.get_lock().release()
