"""The survey of clustering recipes behind ``resviz eval --clusters``' ``clusters.best``."""

from __future__ import annotations

import pytest

from resviz.core.analysis import cluster_survey, clusters
from resviz.core.analysis.cluster_survey import best, offered_recipes, survey
from resviz.core.analysis.clusters import ClusterRecipe
from resviz.core.data import load_dataset


def test_the_recipes_offered():
    recipes = offered_recipes()
    # 3 embeddings x 2 clusterings, each on the embedding or on its t-SNE or UMAP map; and N2D on each,
    # alone and self-labelled
    assert len(recipes) == 24 and len(set(recipes)) == 24
    assert {r.key for r in recipes if r.clustering == "n2d"} == {
        "n2d(latent)", "n2d(reconstruction)", "n2d(pixels)", "n2d(latent)+cnn", "n2d(reconstruction)+cnn",
        "n2d(pixels)+cnn"}
    assert all(r.clusters_first in recipes[:recipes.index(r)] for r in recipes if r.self_label)  # theirs came first
    assert not any(r.on_projection for r in recipes if r.clustering == "n2d")  # it makes its own map
    assert ClusterRecipe("latent", "pca", "n2d").title() == "N2D (UMAP + mixture) on latent means"
    assert ClusterRecipe("reconstruction", "pca", "kmeans") in recipes  # the seed's
    assert ClusterRecipe("latent", "umap", "gmm", on_projection=True) in recipes  # N2D's
    assert {r.embedding for r in offered_recipes(with_model=False)} == {"pixels"}
    assert all(not r.on_projection for r in offered_recipes(points=20))  # too few for t-SNE / UMAP
    assert all(r.clustering != "n2d" for r in offered_recipes(points=20))  # and for N2D's UMAP
    assert ClusterRecipe("latent", "umap", "gmm", on_projection=True).key == "gmm(umap(latent))"
    assert ClusterRecipe("pixels").title() == "k-means on raw pixels"
    assert ClusterRecipe("latent", "tsne", "gmm", True).title() == "Gaussian mixture on the t-SNE of latent means"
    with pytest.raises(ValueError, match="Unknown projection 'mds'"):
        ClusterRecipe("pixels", "mds")


def test_survey_shares_each_embedding_and_map_and_names_the_best(monkeypatch):
    data = load_dataset("mnist")
    images, labels = data.test_images[:300], data.test_labels[:300].numpy()
    calls = {"embed": 0, "project": 0}
    for name, module in (("embed", cluster_survey), ("project", cluster_survey)):
        original = getattr(module, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    recipes = [ClusterRecipe("pixels", "pca", "kmeans"), ClusterRecipe("pixels", "pca", "gmm"),
               ClusterRecipe("pixels", "umap", "kmeans", True), ClusterRecipe("pixels", "umap", "gmm", True)]
    progress = []
    rows = survey(images, labels, recipes=recipes, progress=lambda message, f: progress.append(f))
    assert [row.recipe for row in rows] == recipes
    assert calls == {"embed": 1, "project": 2}  # one embedding; one PCA picture and one UMAP
    for row in rows:
        assert 0.3 < row.metrics["acc"] <= 1 and row.seconds >= 0
    assert best(rows).metrics["acc"] == max(row.metrics["acc"] for row in rows)
    # on real digits, clustering a UMAP map beats k-means on raw pixels (measured: ~0.8 vs ~0.55)
    assert best(rows).recipe.on_projection
    assert progress[-1] == 1.0 and progress == sorted(progress)
    with pytest.raises(clusters.ClusteringCancelled):
        survey(images, labels, recipes=recipes, cancelled=lambda: True)
