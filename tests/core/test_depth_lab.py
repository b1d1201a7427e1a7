"""The Depth lab's core: configurations, recipes, the results row, and the claims the presets rest on."""

import math
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from resviz.core.data import Dataset
from resviz.core.depth_lab import (
    MAX_DEPTH,
    PRESETS,
    QUICK_PRESET,
    DepthLabError,
    DepthRun,
    Recipe,
    preset,
    steps_to_target,
    tail_mean,
    train_preset,
    train_runs,
)
from resviz.core.events import Step

TINY = Recipe(steps=8, train_subset=128, test_subset=64, batch_size=32, record_every=4)


@pytest.fixture(autouse=True)
def _one_thread():
    """These nets are small: a second thread buys little, and on a busy machine two spinning
    threads make a 10-second test take minutes."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _digits_like(n_train=256, n_test=64) -> Dataset:
    """Ten classes, each a fixed random 28x28 pattern under noise: learnable, and no files needed."""
    g = torch.Generator().manual_seed(0)
    patterns = torch.randint(0, 256, (10, 1, 28, 28), generator=g)

    def split(n):
        labels = torch.arange(n) % 10
        noise = torch.randint(0, 60, (n, 1, 28, 28), generator=g)
        return (patterns[labels] * 0.8 + noise).clamp(0, 255).to(torch.uint8), labels

    (x, y), (tx, ty) = split(n_train), split(n_test)
    return Dataset("patterns", "patterns", tuple(str(i) for i in range(10)), x, y, tx, ty, "generated")


@pytest.mark.parametrize("field, value", [("depth", 0), ("depth", 10_000), ("width", 0), ("variant", "wide"),
                                          ("activation", "gelu")])
def test_absurd_configurations_are_refused_with_the_setting_named(field, value):
    with pytest.raises(DepthLabError, match=field):
        DepthRun(**{field: value})


def test_labels_and_model_config():
    run = DepthRun("residual", 30, batchnorm=True, activation="tanh")
    assert run.label == "residual 30, BN, tanh"
    assert DepthRun("plain", 6, width=32).label == "plain 6, no BN, ReLU, width 32"
    assert DepthRun.from_model_config({**run.model_config(), "in_channels": 1}) == run


def test_recipe_becomes_a_train_config_with_a_step_event_per_batch():
    recipe = Recipe(steps=100, train_subset=2000, batch_size=64)
    assert recipe.steps_per_epoch == 31 and recipe.epochs == 4 and recipe.total_steps == 124
    config = recipe.train_config(DepthRun("plain", 12), record=("grad_norms", "activations"))
    assert config.model == "deepnet" and config.model_config["depth"] == 12
    assert config.log_every == 1 and config.record == ("grad_norms", "activations")
    assert config.schedule == "constant" and config.train_subset == 2000
    with pytest.raises(DepthLabError, match="steps"):
        Recipe(steps=0)


def test_every_preset_names_a_claim_and_fits_the_lab():
    assert QUICK_PRESET in PRESETS and PRESETS[QUICK_PRESET].quick is not None
    for key, p in PRESETS.items():
        assert p.key == key and p.title and len(p.sentence) > 80
        assert 2 <= len(p.runs) <= 4 and all(r.depth <= MAX_DEPTH for r in p.runs)
        assert p.recipe.total_steps <= 700  # what was measured to fit in 3 minutes on 2 cores
    degradation = PRESETS["degradation"].runs
    assert {(r.variant, r.batchnorm) for r in degradation} == {("plain", False), ("residual", False)}
    assert {r.batchnorm for r in PRESETS["batchnorm"].runs} == {False, True}
    assert {r.activation for r in PRESETS["relu-vs-tanh"].runs} == {"relu", "tanh"}
    with pytest.raises(DepthLabError, match="choose one of"):
        preset("deeper")


def test_tail_mean_and_steps_to_target_by_hand():
    assert tail_mean(np.arange(1.0, 21.0)) == 19.5  # the last 10% of 20 steps: 19 and 20
    assert tail_mean(np.array([3.0])) == 3.0 and tail_mean(np.array([])) is None
    steps = np.arange(1, 6)
    assert steps_to_target(steps, np.array([1.0, 1.0, 0.0, 0.0, 0.0]), 0.85) == 4  # 1, 1, .9, .81
    assert steps_to_target(steps, np.ones(5), 0.5) is None


def test_rows_come_from_the_runs_events():
    seen = []
    rows = train_runs([DepthRun("plain", 4), DepthRun("dense", 5, batchnorm=True)], TINY, device="cpu",
                      dataset=_digits_like(), target_loss=5.0,
                      progress=lambda i, run, event: seen.append((i, event)))
    assert [r["variant"] for r in rows] == ["plain", "dense"]
    first = rows[0]
    assert set(first) >= {"variant", "depth", "batchnorm", "activation", "train_loss", "test_accuracy",
                          "grad_ratio", "seconds", "parameters", "steps_to_target"}
    assert first["status"] == "done" and first["steps"] == TINY.total_steps == 8
    losses = [e.loss for i, e in seen if i == 0 and isinstance(e, Step)]
    assert len(losses) == 8  # one Step per batch
    assert first["train_loss"] == pytest.approx(np.mean(losses[-1:]))  # the last 10% of 8 steps: one
    assert 0 <= first["test_accuracy"] <= 1 and first["grad_ratio"] > 0 and first["parameters"] > 0
    assert first["steps_to_target"] == 1  # a loss of ~2.3 is below 5 from the first step
    assert rows[1]["batchnorm"] is True and rows[1]["depth"] == 5


def test_should_stop_ends_the_run_and_skips_the_rest():
    calls = []

    def stop_after_a_few():
        calls.append(1)
        return len(calls) > 6

    rows = train_runs([DepthRun("plain", 4), DepthRun("plain", 5)], replace(TINY, steps=40), device="cpu",
                      dataset=_digits_like(), should_stop=stop_after_a_few)
    assert len(rows) == 1 and rows[0]["status"] == "stopped" and rows[0]["steps"] < 40


def test_plain_gradients_vanish_on_the_way_down_and_residual_ones_do_not():
    """The degradation preset's heatmap claim at its root: at the first step, before any learning,
    a deep plain stack without BatchNorm passes almost no gradient to its first layer."""
    rows = train_runs([DepthRun("plain", 20), DepthRun("residual", 20)], replace(TINY, steps=1), device="cpu",
                      dataset=_digits_like())
    plain, residual = (r["grad_ratio"] for r in rows)
    assert plain < 1e-5 < 1e-2 < residual
    assert math.log10(residual / plain) > 4  # four orders of magnitude apart, at least


def test_train_preset_tags_rows_and_uses_the_quick_recipe(monkeypatch):
    tiny = replace(PRESETS["relu-vs-tanh"], recipe=replace(TINY, steps=4), quick=replace(TINY, steps=2))
    rows = train_preset(tiny, quick=True, device="cpu", dataset=_digits_like())
    assert [r["preset"] for r in rows] == ["relu-vs-tanh"] * 2
    assert [r["activation"] for r in rows] == ["relu", "tanh"] and rows[0]["steps"] == 4  # 2 rounded up to a pass
    assert rows[0]["target_loss"] == 0.5


def _mnist():
    folder = os.environ.get("RESVIZ_DATA")
    if not folder or not (Path(folder) / "MNIST" / "raw").is_dir():
        pytest.skip("needs MNIST in $RESVIZ_DATA")
    from resviz.core.data import load_dataset
    return load_dataset("mnist", folder)


def test_a_deep_plain_stack_trains_worse_than_a_residual_one_of_the_same_depth():
    """The degradation claim, small: 128 Adam steps on 1,024 digits (about 7 s of CPU). The plain
    stack of 20 convs is still at chance (ln 10 = 2.30); the residual one has learned."""
    recipe = Recipe(steps=128, train_subset=1024, test_subset=256, batch_size=32, lr=3e-3)
    plain, residual = train_runs([DepthRun("plain", 20), DepthRun("residual", 20)], recipe, device="cpu",
                                 dataset=_mnist())
    assert plain["train_loss"] > 2.2 and residual["train_loss"] < 1.9
    assert plain["test_accuracy"] < residual["test_accuracy"]
    assert plain["grad_ratio"] < 1e-6 < 1e-2 < residual["grad_ratio"]
