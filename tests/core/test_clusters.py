"""Cluster agreement against hand-computed cases, and the k-means pipeline on real digits."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from resviz.core import models
from resviz.core.analysis.clusters import (
    ClusteringCancelled,
    agreement,
    cluster_test_images,
    clustering_accuracy,
    kmeans,
)
from resviz.core.data import load_dataset


def test_a_perfect_clustering_under_permuted_labels_scores_one():
    labels = np.repeat(np.arange(10), 7)
    permutation = np.random.default_rng(0).permutation(10)
    assignments = permutation[labels]  # the same groups, named differently
    scores = agreement(labels, assignments)
    assert scores["acc"] == 1.0
    assert scores["nmi"] == pytest.approx(1.0)
    assert scores["ari"] == pytest.approx(1.0)
    _, mapping = clustering_accuracy(labels, assignments)
    assert np.array_equal(mapping[permutation], np.arange(10))  # cluster permutation[d] is digit d


def test_an_imperfect_clustering_by_hand():
    labels = np.array([0, 0, 0, 1, 1, 1])
    assignments = np.array([0, 0, 1, 1, 1, 1])  # one 0 put with the 1s
    scores = agreement(labels, assignments)
    # ACC: cluster 0 -> label 0 (2 right), cluster 1 -> label 1 (3 right)
    assert scores["acc"] == pytest.approx(5 / 6)
    # ARI from the contingency table [[2, 0], [1, 3]]: index = sum C(n_ij, 2) = 1 + 3 = 4;
    # clusters have 2 and 4 members (1 + 6 = 7 pairs), labels 3 and 3 (3 + 3 = 6 pairs), C(6, 2) = 15
    expected_index = 7 * 6 / 15
    ari = (4 - expected_index) / ((7 + 6) / 2 - expected_index)
    assert scores["ari"] == pytest.approx(ari)  # 0.3243
    # NMI = I(labels; clusters) / mean(H(labels), H(clusters)), natural logs
    h_labels = math.log(2)
    h_clusters = -(2 / 6 * math.log(2 / 6) + 4 / 6 * math.log(4 / 6))
    mutual = 2 / 6 * math.log(2) + 1 / 6 * math.log(0.5) + 3 / 6 * math.log(1.5)
    assert scores["nmi"] == pytest.approx(mutual / ((h_labels + h_clusters) / 2))  # 0.4787


def test_more_clusters_than_labels_leave_some_unmatched():
    labels = np.array([0, 0, 1, 1])
    assignments = np.array([0, 1, 2, 2])
    acc, mapping = clustering_accuracy(labels, assignments)
    assert acc == pytest.approx(3 / 4)
    assert sorted(mapping.tolist()) == [-1, 0, 1]


def test_kmeans_finds_well_separated_blobs_and_can_be_cancelled():
    rng = np.random.default_rng(0)
    centres = np.eye(3) * 10
    points = np.concatenate([c + rng.normal(0, 0.1, (20, 3)) for c in centres])
    truth = np.repeat(np.arange(3), 20)
    assignments, found = kmeans(points, k=3, restarts=2)
    assert agreement(truth, assignments)["acc"] == 1.0 and found.shape == (3, 3)
    with pytest.raises(ClusteringCancelled):
        kmeans(points, k=3, cancelled=lambda: True)


@pytest.fixture(scope="module")
def digits():
    data = load_dataset("mnist")
    return data.test_images[:300], data.test_labels[:300].numpy()


def test_pixels_clustering_on_real_digits(digits):
    images, labels = digits
    progress = []
    result = cluster_test_images("pixels", images, labels, restarts=2,
                                 progress=lambda message, f: progress.append(f))
    assert result.assignments.shape == (300,) and result.projection.shape == (300, 2)
    assert result.centres.shape == (10, 28, 28) and result.images.shape == (300, 28, 28)
    # a pixel-space centre is the mean image of its cluster
    members = result.images[result.assignments == 0]
    np.testing.assert_allclose(result.centres[0], members.mean(axis=0), atol=1e-4)
    assert 0.3 < result.metrics["acc"] <= 1.0  # far above the 0.1 of chance
    assert progress[-1] == 1.0 and progress == sorted(progress)


@pytest.mark.parametrize("source", ["latent", "reconstruction"])
def test_vae_sources_use_the_model(digits, source):
    torch.manual_seed(0)
    model = models.build("vae", latent_dim=4).eval()
    images, labels = digits
    result = cluster_test_images(source, images, labels, model=model, restarts=1)
    assert result.centres.shape == (10, 28, 28)
    assert 0 <= result.centres.min() and result.centres.max() <= 1
    assert set(result.metrics) == {"acc", "nmi", "ari"}
    if source == "reconstruction":  # what each point shows is what was clustered
        assert not np.allclose(result.images, images.numpy() / 255.0)


def test_clear_messages_for_bad_requests(digits):
    images, labels = digits
    with pytest.raises(ValueError, match="needs a trained VAE"):
        cluster_test_images("latent", images, labels)
    with pytest.raises(ValueError, match="Unknown source"):
        cluster_test_images("colours", images, labels)


def test_cli_trains_a_vae_then_evaluates_its_clusters(tmp_path, capsys):
    from resviz.cli import main

    checkpoint = tmp_path / "vae.pt"
    assert main(["train", "--model", "vae", "--epochs", "1", "--device", "cpu", "--train-subset", "200",
                 "--test-subset", "100", "--out", str(checkpoint)]) == 0
    trained = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert trained["model"] == "vae" and trained["checkpoint"] == str(checkpoint)
    assert trained["test_loss"] == pytest.approx(trained["test_recon"] + trained["test_kl"])

    assert main(["eval", "--checkpoint", str(checkpoint), "--clusters", "--test-subset", "200"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["test_size"] == 200 and {"test_loss", "test_recon", "test_kl"} <= set(result)
    clusters = result["clusters"]
    assert set(clusters) == {"latent", "reconstruction", "pixels", "methods", "best"}
    for source in ("latent", "reconstruction", "pixels"):  # the seed's k-means on each
        assert set(clusters[source]) == {"acc", "nmi", "ari"}
        assert 0.1 <= clusters[source]["acc"] <= 1 and -1 <= clusters[source]["ari"] <= 1
        assert clusters[source] == {k: v for k, v in clusters["methods"][f"kmeans({source})"].items() if k != "seconds"}
    assert len(clusters["methods"]) == 24 and {"gmm(umap(latent))", "n2d(latent)", "n2d(latent)+cnn"} <= set(clusters["methods"])
    best = clusters["best"]
    assert set(best) == {"method", "title", "acc", "nmi", "ari", "n"} and best["n"] == 200
    assert best["acc"] == max(scores["acc"] for scores in clusters["methods"].values())
    assert clusters["methods"][best["method"]]["acc"] == best["acc"]


def test_cli_clusters_need_a_vae(tmp_path, capsys):
    from resviz.cli import main
    from resviz.core.checkpoints import save_checkpoint

    classifier = models.build("cnn")
    path = save_checkpoint(tmp_path / "cnn.pt", model="cnn", model_config=models.model_config(classifier),
                           state_dict=classifier.state_dict(), objective="classifier", dataset="mnist")
    assert main(["eval", "--checkpoint", str(path), "--clusters", "--test-subset", "10"]) == 2
    assert "needs a VAE" in json.loads(capsys.readouterr().out.strip().splitlines()[-1])["error"]


def test_cli_clusters_need_ten_digits(tmp_path, capsys):
    from resviz.cli import main
    from resviz.core.checkpoints import save_checkpoint

    vae = models.build("cvae")
    path = save_checkpoint(tmp_path / "cvae.pt", model="cvae", model_config=models.model_config(vae),
                           state_dict=vae.state_dict(), objective="vae", dataset="mnist")
    assert main(["eval", "--checkpoint", str(path), "--clusters", "--test-subset", "5"]) == 2
    error = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["error"]
    assert error.startswith("--clusters needs at least 10 test digits")
