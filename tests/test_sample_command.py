"""``resviz sample``: digits from a VAE checkpoint as .npy or .png; same seed, same digits; clear errors."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

from resviz.cli import main
from resviz.core import models
from resviz.core.analysis import latent
from resviz.core.checkpoints import save_checkpoint


@pytest.fixture(scope="module")
def vae_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = models.build("cvae2d").eval()
    path = tmp_path_factory.mktemp("ck") / "cvae2d.pt"
    save_checkpoint(path, model="cvae2d", model_config=models.model_config(model), state_dict=model.state_dict(),
                    objective="vae", dataset="mnist")
    return path, model


def _sample(capsys, *args) -> tuple[int, dict]:
    # z from N(0, I), as these tests compute it; tests/test_sample_prior.py covers the fitted mixture
    code = main(["sample", "--prior", "normal", *map(str, args)])
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_npy_holds_the_decoders_means_as_uint8(vae_checkpoint, tmp_path, capsys):
    path, model = vae_checkpoint
    out = tmp_path / "digits.npy"
    code, summary = _sample(capsys, "--checkpoint", path, "--n", 7, "--seed", 3, "--out", out)
    assert code == 0 and summary["shape"] == [7, 28, 28] and summary["model"] == "cvae2d"
    digits = np.load(out)
    assert digits.dtype == np.uint8 and digits.shape == (7, 28, 28)
    # the means (probabilities x 255), not 0/255 Bernoulli draws: the z are numpy's N(0, I) for seed 3
    z = np.random.default_rng(3).standard_normal((7, 2)).astype(np.float32)
    expected = np.rint(latent.decode(model, z) * 255).astype(np.uint8)
    np.testing.assert_array_equal(digits, expected)
    assert len(np.unique(digits)) > 2


def test_same_seed_same_digits_other_seed_other_digits(vae_checkpoint, tmp_path, capsys):
    path, _ = vae_checkpoint
    runs = {}
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        assert _sample(capsys, "--checkpoint", path, "--n", 5, "--seed", seed, "--out", tmp_path / f"{name}.npy")[0] == 0
        runs[name] = np.load(tmp_path / f"{name}.npy")
    np.testing.assert_array_equal(runs["a"], runs["b"])
    assert not np.array_equal(runs["a"], runs["c"])


def test_png_is_a_grid_of_the_same_digits(vae_checkpoint, tmp_path, capsys):
    from PIL import Image

    path, _ = vae_checkpoint
    assert _sample(capsys, "--checkpoint", path, "--n", 6, "--out", tmp_path / "d.npy")[0] == 0
    code, summary = _sample(capsys, "--checkpoint", path, "--n", 6, "--out", tmp_path / "d.png")
    assert code == 0 and summary["format"] == "png"
    image = np.asarray(Image.open(tmp_path / "d.png"))
    # 6 digits: 3 columns x 2 rows of 28 pixels with 2-pixel gutters
    assert image.shape == (2 * 28 + 2, 3 * 28 + 2 * 2) == tuple(summary["shape"])
    digits = np.load(tmp_path / "d.npy")
    np.testing.assert_array_equal(image[:28, 30:58], digits[1])  # row 0, column 1
    np.testing.assert_array_equal(image[30:58, 60:88], digits[5])


def test_bad_requests_exit_2_naming_the_flag(vae_checkpoint, tmp_path, capsys):
    path, _ = vae_checkpoint
    classifier = models.build("cnn")
    cnn = save_checkpoint(tmp_path / "cnn.pt", model="cnn", model_config=models.model_config(classifier),
                          state_dict=classifier.state_dict(), objective="classifier", dataset="mnist")
    cases = [
        (["--checkpoint", cnn, "--n", 3, "--out", tmp_path / "x.npy"], "--checkpoint: sampling needs a VAE"),
        (["--checkpoint", tmp_path / "missing.pt", "--n", 3, "--out", tmp_path / "x.npy"], "--checkpoint: No such file"),
        (["--checkpoint", path, "--n", 0, "--out", tmp_path / "x.npy"], "--n must be between 1 and 100,000"),
        (["--checkpoint", path, "--n", 10 ** 9, "--out", tmp_path / "x.npy"], "--n must be between"),
        (["--checkpoint", path, "--n", 20_000, "--out", tmp_path / "x.png"], "--n must be between 1 and 10,000"),
        (["--checkpoint", path, "--n", 3, "--out", tmp_path / "x.jpg"], "--out must end in .npy or .png"),
        (["--checkpoint", path, "--n", 3, "--out", tmp_path / "no" / "x.npy"], "--out: the folder"),
    ]
    for args, message in cases:
        code, summary = _sample(capsys, *args)
        assert code == 2 and summary["error"].startswith(message), (args, summary)
    assert not (tmp_path / "x.npy").exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_an_unwritable_folder_exits_2(vae_checkpoint, capsys):
    path, _ = vae_checkpoint
    # /proc takes no new files, not even from root (as CI runs)
    code, summary = _sample(capsys, "--checkpoint", path, "--n", 3, "--out", "/proc/digits.npy")
    assert code == 2 and summary["error"].startswith("--out") and "cannot write" in summary["error"], summary
