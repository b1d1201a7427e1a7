"""Self-labelling (SCAN's last step, Van Gansbeke et al. 2020, https://arxiv.org/abs/2005.12320): teach a
small CNN the clusters, and let it group every digit again.

A clustering of embeddings can be no better than the embedding: a few digits sit among
another digit's neighbours in the VAE's latent space and land in that cluster. A CNN
that looks at the pixels themselves, shifted, turned and zoomed a little, learns from
each cluster what its members share, and the shared shape outweighs the few wrong
members: its own prediction for each digit is the new clustering. Nothing here sees a
label, only which cluster each digit was put in.

Only the confident members teach: a digit whose ``NEIGHBOURS`` nearest neighbours (in
the space that was clustered) mostly share its cluster (``AGREEMENT``); every cluster
keeps at least its most-agreeing half, so none is forgotten. The CNN is the app's speed
run net (``models/speedrun.py``) with the handwriting augmentation (``augment.DIGITS``),
trained for ``EPOCHS`` epochs of batch ``BATCH``, or on fewer digits for as many epochs as make
``MIN_STEPS`` steps (a thousand digits are eight steps an epoch: three epochs taught it little).

Measured on the 10,000 MNIST test digits with a 32-epoch ``cvae-mix`` (89.98 nats),
2 threads of a 2-core AMD EPYC: N2D on its latent means ACC 0.971 / 0.972 (seeds 0, 1);
self-labelled 0.985 / 0.985 in 8 s (92% of the digits teach, 99.1% of those in the
cluster of their digit). All digits teaching: 0.984-0.985; without the augmentation
0.977 (the CNN learns the clusters' mistakes); 5 epochs no better than 3.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F

from .. import models
from ..augment import DIGITS, augment
from ..models.speedrun import SpeedrunNet
from ..optim import make_optimizer, make_scheduler
from .cluster_methods import Progress, check_cancelled

NEIGHBOURS = 10
AGREEMENT = 0.9  # the share of a digit's neighbours in its cluster for it to teach
EPOCHS = 3
MIN_STEPS = 200  # about 3 epochs of 10,000 digits
BATCH = 128
MIN_TEACHERS = 20  # fewer digits than this cannot teach a CNN anything: the clusters stay as they are


def confident(space: np.ndarray, assignments: np.ndarray, k: int) -> np.ndarray:
    """Which points teach: most of their neighbours share their cluster; each cluster's most-agreeing half at least."""
    from sklearn.neighbors import NearestNeighbors

    count = min(NEIGHBOURS + 1, len(space))
    _, neighbours = NearestNeighbors(n_neighbors=count).fit(space).kneighbors(space)
    agreement = (assignments[neighbours[:, 1:]] == assignments[:, None]).mean(axis=1)
    teach = agreement >= AGREEMENT
    for cluster in range(k):
        members = np.flatnonzero(assignments == cluster)
        if teach[members].sum() * 2 < len(members):
            best = members[np.argsort(-agreement[members], kind="stable")[: (len(members) + 1) // 2]]
            teach[best] = True
    return teach


def self_label(images: np.ndarray, space: np.ndarray, assignments: np.ndarray, k: int = 10, seed: int = 0,
               progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> np.ndarray:
    """Every image's cluster as a CNN taught by the confident members of ``assignments`` sees it.

    ``images``: [N, H, W] in 0..1; ``space``: [N, D], where the clustering found ``assignments``."""
    report = progress or (lambda message, fraction: None)
    assignments = np.asarray(assignments, dtype=np.int64)
    teach = confident(np.asarray(space, dtype=np.float32), assignments, k)
    if teach.sum() < MIN_TEACHERS:
        return assignments
    pixels = torch.as_tensor(np.asarray(images, dtype=np.float32))[:, None]
    inputs, targets = pixels[teach], torch.as_tensor(assignments[teach])
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # the CNN's first weights from the seed, torch's own RNG untouched
        torch.manual_seed(seed)
        net = SpeedrunNet(num_classes=k, image_size=pixels.shape[-1])
    steps_per_epoch = -(-len(inputs) // BATCH)
    epochs = max(EPOCHS, -(-MIN_STEPS // steps_per_epoch))
    speed_run = models.spec("speedrun").defaults  # its own Adam (lr 0.01, betas 0.7 / 0.9), one-cycle
    recipe = SimpleNamespace(schedule="onecycle", weight_decay=0.0, lr_scales={},
                             **{key: speed_run[key] for key in ("optimizer", "lr", "betas", "momentum_cycle")})
    optimizer = make_optimizer(recipe, net)
    schedule = make_scheduler(recipe, optimizer, epochs * steps_per_epoch)
    net.train()
    for epoch in range(epochs):
        order = torch.randperm(len(inputs), generator=generator)
        for step, start in enumerate(range(0, len(inputs), BATCH)):
            batch = order[start:start + BATCH]
            # label smoothing: a cluster's few wrong members pull less on the CNN
            loss = F.cross_entropy(net(augment(inputs[batch], DIGITS, generator)), targets[batch],
                                   label_smoothing=0.1)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            if step % 10 == 0:
                check_cancelled(cancelled)
                report(f"Teaching a CNN the clusters: epoch {epoch + 1} of {epochs} ({int(teach.sum()):,} "
                       "confident digits)", (epoch + step / steps_per_epoch) / epochs * 0.95)
    net.eval()
    report("The CNN groups every digit…", 0.95)
    with torch.no_grad():
        return torch.cat([net(chunk).argmax(1) for chunk in pixels.split(1000)]).numpy().astype(np.int64)
