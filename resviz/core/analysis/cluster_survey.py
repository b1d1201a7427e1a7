"""Score every clustering recipe the Clusters tab offers, and name the best.

``resviz eval --clusters`` and ``resviz bench`` use this: each embedding (raw pixels,
latent means, reconstructions) x each clustering (k-means, Gaussian mixture), on
the embedding itself or on its 2-D t-SNE or UMAP map; and N2D's recipe (``n2d.py``,
its own 10-D UMAP, then a Gaussian mixture) on each embedding, alone and then
self-labelled (``self_label.py``: a CNN taught N2D's clusters). The picture alone
(PCA, t-SNE or UMAP) does not change clusters found on the embedding, so those
recipes are scored once. Each embedding and each map is computed once and shared.

"Best" is by ACC against the true labels: an evaluation, which the clustering
itself never sees: ``best`` is chosen with the labels, while each recipe's own
clusters (``clusters.methods``) are found without them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .cluster_methods import CLUSTERINGS, MAKES_ITS_OWN_MAP, check_cancelled
from .clusters import SOURCES, ClusterRecipe, cluster_digits, embed
from .projections import MIN_POINTS, project

MAP_PROJECTIONS = ("tsne", "umap")  # the pictures one may also cluster on

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class SurveyRow:
    recipe: ClusterRecipe
    metrics: dict  # acc, nmi, ari
    seconds: float  # this recipe's own clustering, plus its map when it made one


def offered_recipes(with_model: bool = True, points: int | None = None) -> list[ClusterRecipe]:
    """The recipes that give different clusters; without a model only raw pixels; no maps
    when there are too few points for t-SNE or UMAP."""
    embeddings = SOURCES if with_model else ("pixels",)
    maps = MAP_PROJECTIONS if points is None or points >= MIN_POINTS else ()
    recipes = []
    for embedding in embeddings:
        for clustering in CLUSTERINGS:
            if clustering in MAKES_ITS_OWN_MAP:  # on the embedding only (and with enough points for UMAP)
                # and self-labelled: the best clustering is the one worth a CNN's few seconds
                recipes.extend([ClusterRecipe(embedding, "pca", clustering),
                                ClusterRecipe(embedding, "pca", clustering, self_label=True)] if maps else [])
                continue
            recipes.append(ClusterRecipe(embedding, "pca", clustering))
            recipes.extend(ClusterRecipe(embedding, projection, clustering, on_projection=True)
                           for projection in maps)
    return recipes


def survey(images, labels, model=None, recipes: list[ClusterRecipe] | None = None, seed: int = 0,
           progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> list[SurveyRow]:
    """Every recipe's agreement with the labels, in ``recipes`` order. A self-labelled recipe starts from
    its first clusters' row when that came earlier, and its seconds count both."""
    recipes = recipes or offered_recipes(model is not None, len(labels))
    report = progress or (lambda message, fraction: None)
    embedded, projected, rows, found = {}, {}, [], {}
    for index, recipe in enumerate(recipes):
        check_cancelled(cancelled)
        done = index / len(recipes)
        report(f"{recipe.title()} ({index + 1} of {len(recipes)})", done)
        started = time.perf_counter()
        if recipe.embedding not in embedded:
            embedded[recipe.embedding] = embed(recipe.embedding, images, model, cancelled=cancelled)
        features = embedded[recipe.embedding]
        view = (recipe.embedding, recipe.projection)
        if view not in projected:
            projected[view] = project(features.features, recipe.projection, seed=seed, cancelled=cancelled)
        first = found.get(recipe.clusters_first) if recipe.self_label else None
        result = cluster_digits(recipe, images, labels, model, seed=seed, cancelled=cancelled,
                                embedded=features, projected=projected[view],
                                clustered=first[0] if first else None)
        seconds = time.perf_counter() - started + (first[1] if first else 0.0)
        found[recipe] = result.assignments, seconds  # not the whole result: it holds every digit's image
        rows.append(SurveyRow(recipe, result.metrics, seconds))
    report("Done", 1.0)
    return rows


def best(rows: list[SurveyRow]) -> SurveyRow:
    return max(rows, key=lambda row: row.metrics["acc"])
