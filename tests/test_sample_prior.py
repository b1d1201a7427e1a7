"""``resviz sample --prior``: z from a mixture fitted to the training digits' latent means, or from N(0, I)."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import torch

from resviz.cli import main
from resviz.core import models
from resviz.core.analysis import latent
from resviz.core.analysis.latent_prior_store import load_prior, model_digest, prior_file
from resviz.core.checkpoints import save_checkpoint
from resviz.core.data import load_dataset

TRAIN, TEST = 300, 100


def _write_idx(path, array: np.ndarray, magic: int) -> None:
    header = magic.to_bytes(4, "big") + len(array).to_bytes(4, "big")
    if array.ndim == 3:
        header += array.shape[1].to_bytes(4, "big") + array.shape[2].to_bytes(4, "big")
    with gzip.open(path, "wb") as file:
        file.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def tiny_mnist(tmp_path_factory):
    """The first 300 training and 100 test digits of MNIST, in torchvision's layout: a fit in a moment."""
    data = load_dataset("mnist").subset(TRAIN, TEST)
    root = tmp_path_factory.mktemp("data")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, images, labels in (("train", data.train_images, data.train_labels),
                                   ("t10k", data.test_images, data.test_labels)):
        _write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", images.numpy(), 2051)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", labels.numpy(), 2049)
    return root


def _checkpoint(folder, name: str):
    torch.manual_seed(0)
    model = models.build(name).eval()
    path = folder / f"{name}.pt"
    save_checkpoint(path, model=name, model_config=models.model_config(model), state_dict=model.state_dict(),
                    objective="vae", dataset="mnist")
    return path, model


@pytest.fixture(scope="module")
def cvae2d(tmp_path_factory):
    return _checkpoint(tmp_path_factory.mktemp("ck"), "cvae2d")


def _sample(capsys, *args) -> tuple[int, dict]:
    code = main(["sample", *map(str, args)])
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_mixture_is_fitted_once_then_kept_and_gives_the_same_digits(cvae2d, tiny_mnist, tmp_path, capsys):
    path, model = cvae2d
    args = ("--checkpoint", path, "--n", 20, "--seed", 3, "--data-dir", tiny_mnist)
    code, first = _sample(capsys, *args, "--out", tmp_path / "a.npy")  # the default prior for a 2-D latent
    assert code == 0, first
    assert first["prior"] == "mixture" and first["prior_components"] == 30
    assert first["prior_fitted_on"] == f"{TRAIN} MNIST training images" and first["prior_file"].startswith("fitted in")
    code, again = _sample(capsys, *args, "--prior", "mixture", "--out", tmp_path / "b.npy")
    assert code == 0 and again["prior_file"].startswith("kept in")
    digits = np.load(tmp_path / "a.npy")
    np.testing.assert_array_equal(digits, np.load(tmp_path / "b.npy"))

    # the digits are decodes of the kept mixture's samples for seed 3, not of N(0, I)
    digest = model_digest(model)
    prior = load_prior(prior_file(digest), digest=digest, latent_dim=2, images=TRAIN)
    assert prior is not None and prior.data == "MNIST"
    expected = np.rint(latent.decode(model, prior.sample(20, seed=3)) * 255).astype(np.uint8)
    np.testing.assert_array_equal(digits, expected)
    code, normal = _sample(capsys, *args, "--prior", "normal", "--out", tmp_path / "c.npy")
    assert code == 0 and normal["prior"] == "normal" and "prior_components" not in normal
    assert not np.array_equal(digits, np.load(tmp_path / "c.npy"))


def test_a_corrupt_kept_prior_is_fitted_again(cvae2d, tiny_mnist, tmp_path, capsys):
    path, model = cvae2d
    args = ("--checkpoint", path, "--n", 8, "--prior", "mixture", "--data-dir", tiny_mnist)
    assert _sample(capsys, *args, "--out", tmp_path / "a.npy")[0] == 0
    kept = prior_file(model_digest(model))
    kept.write_bytes(b"PK\x03\x04 not a mixture")
    code, summary = _sample(capsys, *args, "--out", tmp_path / "b.npy")
    assert code == 0 and summary["prior_file"].startswith("fitted in")
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy"))


def test_a_large_latent_samples_from_the_normal_prior_and_refuses_a_mixture(tmp_path, tiny_mnist, capsys):
    path, _ = _checkpoint(tmp_path, "vae2")  # seed 000's Model 2: a 448-number latent
    code, summary = _sample(capsys, "--checkpoint", path, "--n", 2, "--out", tmp_path / "a.npy")
    assert code == 0 and summary["prior"] == "normal" and "448 numbers" in summary["prior_why"]
    code, summary = _sample(capsys, "--checkpoint", path, "--n", 2, "--prior", "mixture", "--out", tmp_path / "b.npy")
    assert code == 2 and summary["error"].startswith("--prior mixture") and "--prior normal" in summary["error"]
    assert not (tmp_path / "b.npy").exists()


def test_help_states_the_default_prior_and_why(capsys):
    assert main(["sample", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Default: mixture" in text and "0.97" in text and "0.86" in text and "N(0, I)" in text
