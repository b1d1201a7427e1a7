"""Benchmark 8: how long the Clusters tab takes for the whole MNIST test set (10,000 digits).

Each stage as the tab runs it, on the CPU within the analysis thread limit
(``core/analysis/threads.py``):

- encode: the cvae's latent means of every digit (the weights do not change the
  time, so a freshly built cvae is timed);
- t-SNE and UMAP of the raw pixels (PCA to 50 first, as for reconstructions: the
  larger of the tab's inputs), UMAP with numba's compiled code already on disk;
- the N2D recipe end to end (``core/analysis/n2d.py``): encode, UMAP of the latent
  means to 10 dimensions (20 neighbours, min_dist 0), Gaussian mixture there (4
  starts, the likeliest kept). Target: well under a minute (``<= 60`` s);
- the same, then self-labelling (``core/analysis/self_label.py``: a CNN taught N2D's
  confident members groups every digit again): the best recipe of ``resviz eval
  --clusters`` on a trained cvae-mix. Target: the whole still within a minute;
- UMAP's first use on a machine: a fresh process with an empty numba cache, so
  the compile is timed (full run only: it takes about a minute).

``--quick`` runs 2,000 digits and skips the cold compile.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from ..core import models
from ..core.analysis import latent
from ..core.analysis.cluster_by_name import cluster
from ..core.analysis.projections import project
from ..core.analysis.self_label import self_label
from .context import BenchContext
from .rows import Row, target_row

NAME = "clusters"


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def run(ctx: BenchContext) -> list[Row]:
    count = 2_000 if ctx.quick else 10_000
    data = ctx.mnist()
    count = min(count, len(data.test_images))
    images = data.test_images[:count]
    pixels = latent.as_image_batch(images)[:, 0].numpy().reshape(count, -1)
    torch.manual_seed(0)
    model = models.build("cvae").eval()
    what = f"{count:,} digits"

    # load (or compile, the first time) UMAP's code, not timed here: 4,096 points or more take
    # pynndescent's NN-descent path, whose two main loops numba compiles in every process
    warm = np.random.default_rng(0).normal(size=(min(count, 4200), 16)).astype(np.float32)
    project(warm, "umap")
    means, encode_s = _timed(latent.latent_means, model, images)
    _, tsne_s = _timed(project, pixels, "tsne")
    _, umap_s = _timed(project, pixels, "umap")
    (assignments, _), n2d_s = _timed(cluster, "n2d", means)
    total = encode_s + n2d_s
    digits = latent.as_image_batch(images)[:, 0].numpy()
    _, self_label_s = _timed(self_label, digits, means, assignments)
    rows = [
        target_row(f"{NAME}: encode {what} (cvae latent means)", encode_s, "s", None,
                   note=f"torch threads {torch.get_num_threads()}"),
        target_row(f"{NAME}: t-SNE of {what} (pixels, PCA 50 first)", tsne_s, "s", None, note="openTSNE"),
        target_row(f"{NAME}: UMAP of {what} (pixels, PCA 50 first)", umap_s, "s", None,
                   note="umap-learn, numba code from the disk cache"),
        target_row(f"{NAME}: N2D recipe on {what}: encode + UMAP + Gaussian mixture", total, "s", "<= 60",
                   note=f"encode {encode_s:.1f} s, n2d {n2d_s:.1f} s: UMAP of the 16-d latent means to 10-d "
                        f"(20 neighbours, min_dist 0), Gaussian mixture there (4 starts, the likeliest kept); "
                        f"its ACC: resviz eval --clusters, clusters.methods['n2d(latent)']"),
        target_row(f"{NAME}: N2D, then self-labelling, on {what}", total + self_label_s, "s", "<= 60",
                   note=f"the CNN taught N2D's confident members {self_label_s:.1f} s, torch threads "
                        f"{torch.get_num_threads()}; its ACC: resviz eval --clusters, "
                        f"clusters.methods['n2d(latent)+cnn']"),
    ]
    if not ctx.quick:
        rows.append(cold_umap_row())
    return rows


def cold_umap_row() -> Row:
    """UMAP of 1,000 points in a fresh process with an empty numba cache: the first use on a machine."""
    script = (
        "import json, time, numpy as np\n"
        "start = time.perf_counter()\n"
        "from resviz.core.analysis.projections import project\n"
        "project(np.random.default_rng(0).normal(size=(1000, 16)).astype(np.float32), 'umap')\n"
        "print(json.dumps({'seconds': time.perf_counter() - start}))\n"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"cold UMAP failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}")
        cold = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
        warm_out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                                  timeout=600)
        warm = json.loads(warm_out.stdout.strip().splitlines()[-1])["seconds"] if warm_out.returncode == 0 else None
    note = "fresh process, empty numba cache: umap-learn and pynndescent compile"
    if warm is not None:
        note += f"; the next process, cache filled: {warm:.1f} s"
    return target_row(f"{NAME}: UMAP first use (1,000 points, numba compile)", cold, "s", None, note=note)
