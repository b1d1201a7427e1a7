"""PCA, t-SNE and UMAP pictures: they keep separate groups separate, report progress, stop when told."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from resviz.core.analysis.cluster_methods import ClusteringCancelled, kmeans
from resviz.core.analysis.clusters import agreement
from resviz.core.analysis.projections import MIN_POINTS, PRE_PCA, project


def _blobs(per_blob=60, dims=20, seed=0):
    """Three tight groups far apart in ``dims`` dimensions."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 10, (3, dims))
    points = np.concatenate([c + rng.normal(0, 0.5, (per_blob, dims)) for c in centres])
    return points.astype(np.float32), np.repeat(np.arange(3), per_blob)


def test_pca_axes_say_how_much_variance_they_hold():
    rng = np.random.default_rng(0)
    # variance 100 along x, 1 along y, nearly none along z: PC1 holds about 99%
    points = rng.normal(0, 1, (500, 3)) * [10.0, 1.0, 0.01]
    projection = project(points, "pca")
    assert projection.points.shape == (500, 2)
    assert projection.explained[0] == pytest.approx(100 / 101, abs=0.01)
    assert projection.axis_labels[0] == "PC1 (99% of the variance)"


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_maps_keep_separate_groups_separate(method):
    points, truth = _blobs()
    messages = []
    projection = project(points, method, progress=lambda message, f: messages.append((message, f)))
    assert projection.points.shape == (180, 2) and np.isfinite(projection.points).all()
    assert projection.axis_labels == ({"tsne": "t-SNE 1", "umap": "UMAP 1"}[method],
                                      {"tsne": "t-SNE 2", "umap": "UMAP 2"}[method])
    assignments, _ = kmeans(projection.points, k=3, restarts=1)
    assert agreement(truth, assignments)["acc"] == 1.0
    fractions = [f for _, f in messages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_many_dimensions_go_through_pca_first():
    points, truth = _blobs(per_blob=40, dims=PRE_PCA + 30)
    messages = []
    projection = project(points, "tsne", progress=lambda message, f: messages.append(message))
    assert messages[0] == f"PCA to {PRE_PCA} dimensions first…"
    assert agreement(truth, kmeans(projection.points, k=3, restarts=1)[0])["acc"] == 1.0


def test_tsne_stops_between_iterations_when_cancelled():
    points, _ = _blobs()
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 2  # the first checks pass; then the person presses Cancel

    messages = []
    with pytest.raises(ClusteringCancelled):
        project(points, "tsne", cancelled=cancelled, progress=lambda message, f: messages.append(message))
    # checked before t-SNE starts, then every 25 iterations: it stopped at iteration 50 of 750
    iterations = [m for m in messages if m.startswith("t-SNE: iteration")]
    assert iterations == ["t-SNE: iteration 25 of 250 (early phase)", "t-SNE: iteration 50 of 250 (early phase)"]


def test_umap_stops_between_layout_epochs_when_cancelled():
    points, _ = _blobs()
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 3

    messages = []
    with pytest.raises(ClusteringCancelled):
        project(points, "umap", cancelled=cancelled, progress=lambda message, f: messages.append(message))
    epochs = [m for m in messages if m.startswith("UMAP: layout epoch")]
    assert 1 <= len(epochs) <= 3  # it reported the layout's epochs, then stopped at the check after Cancel
    done, total = (int(n) for n in epochs[-1].split()[-3::2])
    assert done < total == 500  # UMAP lays out fewer than 10,000 points in 500 epochs
    assert _tqdm_lock_is_free()  # a cancelled UMAP used to keep it: the next UMAP in the process hung


def _tqdm_lock_is_free() -> bool:
    """Can another thread take tqdm's class-wide lock (within 5 s)?"""
    import threading

    from tqdm import tqdm

    taken = []

    def take():
        lock = tqdm.get_lock()
        if all(part.acquire(timeout=5) for part in lock.locks):
            taken.append(True)
            lock.release()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join(10)
    return bool(taken)


def test_clear_errors():
    with pytest.raises(ValueError, match="Unknown projection 'mds'"):
        project(np.zeros((50, 3)), "mds")
    with pytest.raises(ValueError, match=f"UMAP needs at least {MIN_POINTS} points; there are 10"):
        project(np.zeros((10, 3)), "umap")


def test_umaps_compiled_code_is_kept_on_disk():
    import numba

    from resviz.core.analysis.numba_cache import import_umap

    import_umap()
    project(_blobs()[0], "umap")
    folder = Path(numba.config.CACHE_DIR)
    # one index file per cached function: umap-learn's own layout code is among them
    cached = [path.name for path in folder.rglob("*.nbi")]
    assert any(name.startswith("layouts._optimize_layout_euclidean_single_epoch") for name in cached), cached
