"""Self-labelling: a CNN taught a clustering's confident members groups the digits again, better."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from resviz.core.analysis import cluster_survey, clusters, latent
from resviz.core.analysis.cluster_survey import survey
from resviz.core.analysis.clusters import ClusterRecipe, agreement
from resviz.core.analysis.self_label import confident, self_label
from resviz.core.data import load_dataset


def digits(count: int = 1000):
    data = load_dataset("mnist")
    return latent.as_image_batch(data.test_images[:count])[:, 0].numpy(), data.test_labels[:count].numpy()


def flawed_clusters(labels, share: float, seed: int = 0):
    """The true digits with ``share`` of them put in a wrong cluster: a clustering's mistakes."""
    rng = np.random.default_rng(seed)
    wrong = rng.random(len(labels)) < share
    return np.where(wrong, (labels + rng.integers(1, 10, len(labels))) % 10, labels)


def test_only_digits_among_their_own_cluster_teach_and_no_cluster_is_left_out():
    space = np.concatenate([np.zeros((50, 2)), np.full((50, 2), 10.0)]) + np.random.default_rng(0).normal(size=(100, 2))
    assignments = np.repeat([0, 1], 50)
    assignments[[3, 60]] = [1, 0]  # one stray in each blob
    teach = confident(space, assignments, 2)
    assert not teach[3] and not teach[60] and teach.sum() >= 90
    lonely = np.concatenate([assignments, [2, 2, 2, 2]])  # a cluster of strays in the other blobs
    teach = confident(np.concatenate([space, space[[0, 1, 70, 71]]]), lonely, 3)
    assert teach[-4:].sum() >= 2  # still teaches: its most-agreeing half


def test_a_cnn_taught_flawed_clusters_groups_the_digits_better_than_they_were():
    images, labels = digits()
    flawed = flawed_clusters(labels, 0.2)
    before = agreement(labels, flawed)["acc"]
    # the pixels' neighbours (on 1,000 digits a poor space: they decide who teaches, not the answer)
    after = self_label(images, images.reshape(len(images), -1), flawed, seed=0)
    assert agreement(labels, after)["acc"] > before + 0.1  # measured on the 1,000 offline digits: 0.81 -> 0.97
    np.testing.assert_array_equal(after, self_label(images, images.reshape(len(images), -1), flawed, seed=0))


def test_too_few_digits_to_teach_leave_the_clusters_as_they_are():
    images, labels = digits(12)
    assert np.array_equal(self_label(images, images.reshape(12, -1), labels, seed=0), labels)


def test_a_self_labelled_recipe_in_the_survey_starts_from_its_first_clusters(monkeypatch):
    images, labels = digits(300)
    calls = []
    original = clusters.cluster
    monkeypatch.setattr(clusters, "cluster", lambda *a, **k: calls.append(a[0]) or original(*a, **k))
    first = ClusterRecipe("pixels", "pca", "kmeans")
    labelled = ClusterRecipe("pixels", "pca", "kmeans", self_label=True)
    assert labelled.key == "kmeans(pixels)+cnn" and labelled.clusters_first == first
    assert labelled.title() == "k-means on raw pixels, then a CNN taught its clusters"
    rows = survey(images, labels, recipes=[first, labelled])
    assert calls == ["kmeans"]  # k-means ran once; the CNN started from its clusters
    assert rows[1].seconds > rows[0].seconds
    assert 0.3 < rows[1].metrics["acc"] <= 1


@pytest.mark.parametrize("recipe", [ClusterRecipe("pixels", "pca", "kmeans", self_label=True)])
def test_cluster_digits_self_labels_on_its_own(recipe):
    images, labels = digits(300)
    result = cluster_survey.cluster_digits(recipe, images, labels, seed=0)
    assert result.recipe.self_label and result.assignments.shape == (300,) and result.centres.shape == (10, 28, 28)


def test_self_labelling_leaves_torchs_own_random_numbers_alone():
    images, labels = digits(300)
    before = torch.random.get_rng_state()
    self_label(images, images.reshape(300, -1), labels, seed=3)
    assert torch.equal(torch.random.get_rng_state(), before)
