"""``resviz sample --temperature`` and ``--score``: T scales z, the same seed gives the same digits and numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from resviz.cli import main
from resviz.core import models
from resviz.core.analysis import latent
from resviz.core.checkpoints import save_checkpoint
from resviz.core.data import load_dataset
from resviz.core.evaluation.digit_judge import train_judge


@pytest.fixture(scope="module")
def vae(tmp_path_factory):
    torch.manual_seed(0)
    model = models.build("cvae2d").eval()
    path = tmp_path_factory.mktemp("ck") / "cvae2d.pt"
    save_checkpoint(path, model="cvae2d", model_config=models.model_config(model), state_dict=model.state_dict(),
                    objective="vae", dataset="mnist")
    return path, model


@pytest.fixture(scope="module")
def judge(tmp_path_factory):
    data = load_dataset("mnist").subset(1000, 500)
    return train_judge(tmp_path_factory.mktemp("judge") / "judge.pt", data, epochs=1, batch_size=32)


def _sample(capsys, *args) -> tuple[int, dict]:
    # z from N(0, I), as these tests compute it; tests/test_sample_prior.py covers the fitted mixture
    code = main(["sample", "--prior", "normal", *map(str, args)])
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_temperature_scales_the_prior_and_the_same_seed_gives_the_same_digits(vae, tmp_path, capsys):
    path, model = vae
    runs = {}
    for name, seed, temperature in (("a", 5, 0.7), ("b", 5, 0.7), ("c", 5, 1.0), ("zero", 9, 0.0)):
        code, summary = _sample(capsys, "--checkpoint", path, "--n", 6, "--seed", seed,
                                "--temperature", temperature, "--out", tmp_path / f"{name}.npy")
        assert code == 0 and summary["temperature"] == temperature
        runs[name] = np.load(tmp_path / f"{name}.npy")
    np.testing.assert_array_equal(runs["a"], runs["b"])
    assert not np.array_equal(runs["a"], runs["c"])
    z = 0.7 * np.random.default_rng(5).standard_normal((6, 2)).astype(np.float32)
    np.testing.assert_array_equal(runs["a"], np.rint(latent.decode(model, z) * 255).astype(np.uint8))
    # T = 0: every digit is the decode of z = 0, the prior's mean
    centre = np.rint(latent.decode(model, np.zeros(2, np.float32)) * 255).astype(np.uint8)
    assert all(np.array_equal(digit, runs["zero"][0]) for digit in runs["zero"])
    assert np.abs(runs["zero"][0].astype(int) - centre).max() <= 1  # rounding of a last-bit difference at most


def test_score_adds_the_judges_numbers_and_the_real_digits(vae, judge, tmp_path, capsys):
    path, _ = vae
    args = ("--checkpoint", path, "--score", "--judge", judge.path, "--n", 300, "--seed", 2)
    code, first = _sample(capsys, *args, "--out", tmp_path / "s.npy")
    assert code == 0, first
    assert 0.1 <= first["belief"] <= 1 and 0 <= first["min_digit_share"] <= 0.1 and first["diversity"] >= 0
    assert len(first["digit_shares"]) == 10 and sum(first["digit_shares"]) == pytest.approx(1, abs=1e-3)
    reference = first["reference"]
    assert reference["n"] == 300 and reference["min_digit_share"] > 0.02 and reference["diversity"] > 5
    assert first["judge"] == judge.description and first["judge_checkpoint"] == str(judge.path)
    # an untrained decoder draws one grey blur: less believed, less varied than real digits
    assert first["belief"] < reference["belief"] and first["diversity"] < reference["diversity"] / 2
    code, again = _sample(capsys, *args)  # no --out: only the numbers, the same for the same seed
    assert code == 0 and "out" not in again
    assert {k: again[k] for k in first if k not in ("out", "format", "shape")} == \
        {k: first[k] for k in first if k not in ("out", "format", "shape")}


def test_score_refusals_name_the_flag(vae, tmp_path, capsys):
    path, _ = vae
    cases = [
        (["--checkpoint", path, "--n", 3], "--out is required"),
        (["--checkpoint", path, "--out", tmp_path / "x.npy"], "--n is required"),
        (["--checkpoint", path, "--n", 3, "--out", tmp_path / "x.npy", "--judge", path], "--judge is for --score"),
        (["--checkpoint", path, "--score", "--judge", path], "--judge: "),
    ]
    for args, message in cases:
        code, summary = _sample(capsys, *args)
        assert code == 2 and summary["error"].startswith(message), (args, summary)
    code, summary = _sample(capsys, "--checkpoint", path, "--n", 3, "--out", tmp_path / "x.npy", "--temperature", -1)
    assert code == 2 and summary["error"].startswith("argument --temperature: must be a finite number ≥ 0")


def test_help_states_the_default_temperature(capsys):
    assert main(["sample", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "default 1.0" in text and "Glow" in text and "--score" in text
