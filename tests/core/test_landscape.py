"""The loss landscape's core: filter normalisation, the grid's centre, the trajectory's plane, roughness."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from trained_digits import one_thread, trained_cnn

from resviz.core import models
from resviz.core.landscape import (
    LandscapeCancelled,
    LandscapeError,
    LandscapeSettings,
    random_directions,
    random_plane,
    roughness,
    trajectory,
)
from resviz.core.objectives import ClassificationObjective


def test_each_direction_filter_has_the_norm_of_the_weights_filter():
    model = models.build("resnet", seed=0)
    d1, d2 = random_directions(model, seed=3)
    for name, p in model.named_parameters():
        for d in (d1, d2):
            if p.dim() > 1:  # conv [out, in, k, k] and linear [out, in]: one norm per output unit
                assert torch.allclose(d[name].flatten(1).norm(dim=1), p.detach().flatten(1).norm(dim=1), rtol=1e-4)
            else:  # biases and BatchNorm's scale and shift are not moved
                assert torch.count_nonzero(d[name]) == 0, name
    assert not torch.allclose(d1["fc.weight"], d2["fc.weight"])  # two directions, not one twice


def test_directions_are_fixed_by_the_seed():
    model = models.build("cnn", seed=0)
    a, b = random_directions(model, seed=7), random_directions(model, seed=7)
    c = random_directions(model, seed=8)
    assert all(torch.equal(a[0][k], b[0][k]) for k in a[0])
    assert not torch.equal(a[0]["fc.weight"] if "fc.weight" in a[0] else next(iter(a[0].values())),
                           c[0]["fc.weight"] if "fc.weight" in c[0] else next(iter(c[0].values())))


def test_the_centre_is_the_models_own_loss_on_the_same_images():
    model, data = trained_cnn()
    settings = LandscapeSettings(grid=3, span=0.5, subset=300, seed=1)
    with one_thread():
        grid = random_plane(model, data, settings)
    # the oracle: the objective the trainer tests with, on the same 300 images the seed picks
    chosen = torch.randperm(len(data.train_labels), generator=torch.Generator().manual_seed(1))[:300].sort().values
    expected = ClassificationObjective().evaluate(model, data.train_inputs[chosen], data.train_labels[chosen])
    assert grid.center_loss == pytest.approx(expected["test_loss"], rel=1e-5)
    assert grid.loss[1, 1] == pytest.approx(grid.center_loss, rel=1e-6)  # the grid's middle point is the centre
    assert grid.loss.shape == (3, 3) and np.isfinite(grid.loss).all()
    assert grid.loss[0, 0] > grid.center_loss  # moved away from a trained minimum, the loss rises
    # the model itself was not moved by the evaluation
    assert ClassificationObjective().evaluate(model, data.train_inputs[chosen], data.train_labels[chosen]) == expected


def test_a_point_off_centre_is_the_loss_of_the_moved_weights():
    model, data = trained_cnn()
    settings = LandscapeSettings(grid=3, span=0.4, subset=100, seed=2)
    with one_thread():
        grid = random_plane(model, data, settings)
    d1, d2 = random_directions(model, seed=2)
    moved = models.build("cnn", seed=0)
    moved.load_state_dict(model.state_dict())
    with torch.no_grad():
        for name, p in moved.named_parameters():
            p.add_(d1[name] * 0.4 - d2[name] * 0.4)  # alphas[2] = +0.4, betas[0] = -0.4
    chosen = torch.randperm(len(data.train_labels), generator=torch.Generator().manual_seed(2))[:100].sort().values
    x = data.train_inputs[chosen].float() / 255
    with torch.no_grad():
        expected = F.cross_entropy(moved.eval()(x), data.train_labels[chosen]).item()
    assert grid.loss[2, 0] == pytest.approx(expected, rel=1e-4)


def test_cancel_stops_the_grid():
    model, data = trained_cnn()
    asked = []

    def cancelled():
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(LandscapeCancelled):
        random_plane(model, data, LandscapeSettings(grid=5, subset=50), cancelled=cancelled)
    assert len(asked) == 4  # it stopped at the first check that said yes, not at the end


def test_settings_refuse_absurd_values():
    for bad in (dict(grid=1), dict(grid=1000), dict(span=0), dict(span=-1), dict(subset=0)):
        with pytest.raises(LandscapeError):
            LandscapeSettings(**bad)


def _known_plane(steps: np.ndarray, width: float):
    """Snapshots theta_final + a_i u + b_i v for orthonormal u, v in a small net's weights."""
    model = nn.Sequential(nn.Linear(20, 30), nn.Linear(30, 10))
    final = {k: v.detach().clone() for k, v in model.state_dict().items()}
    g = torch.Generator().manual_seed(0)
    size = sum(p.numel() for p in model.parameters() if p.dim() > 1)
    u, v = torch.linalg.qr(torch.randn(size, 2, generator=g, dtype=torch.float64))[0].T
    a = steps
    b = width * np.sin(steps * 3)
    snapshots = []
    for ai, bi in zip(a, b):
        flat = (ai * u + bi * v).float()
        state, offset = dict(final), 0
        for name, p in model.named_parameters():
            if p.dim() > 1:
                state[name] = final[name] + flat[offset:offset + p.numel()].reshape(p.shape)
                offset += p.numel()
            else:
                state[name] = final[name] + 1.0  # biases move too, but are left out of the plane
        snapshots.append(state)
    return model, snapshots, final, np.stack([a, b], 1)


def test_snapshots_on_a_known_plane_project_to_their_coordinates():
    steps = np.linspace(3.0, 0.0, 8)  # the last snapshot is the final weights
    model, snapshots, final, known = _known_plane(steps, width=0.3)
    path = trajectory(model, snapshots, final)
    assert path.explained == pytest.approx(1.0, abs=1e-4)
    assert path.ratios[0] > path.ratios[1] > 0
    # the plane is u, v up to a rotation within it (PCA picks its own axes in the plane): coordinates = known @ R
    rotation, *_ = np.linalg.lstsq(known, path.coordinates, rcond=None)
    np.testing.assert_allclose(known @ rotation, path.coordinates, atol=1e-4)
    np.testing.assert_allclose(rotation.T @ rotation, np.eye(2), atol=1e-4)
    assert path.coordinates[0, 0] > 0 and np.allclose(path.coordinates[-1], 0, atol=1e-5)
    d1, d2 = path.plane_directions(model)
    assert torch.count_nonzero(d1["0.bias"]) == 0
    assert sum(float((d1[k] * d2[k]).sum()) for k in d1) == pytest.approx(0, abs=1e-5)  # orthogonal
    assert sum(float((d1[k] ** 2).sum()) for k in d1) == pytest.approx(1, abs=1e-4)  # unit length


def test_a_trajectory_needs_three_snapshots():
    model, snapshots, final, _ = _known_plane(np.array([1.0, 0.0]), width=0.1)
    with pytest.raises(LandscapeError, match="at least 3"):
        trajectory(model, snapshots, final)


def test_roughness_is_larger_for_a_rough_function_than_for_a_bowl():
    axis = np.linspace(-1, 1, 21)
    a, b = np.meshgrid(axis, axis, indexing="ij")
    bowl = 0.1 + a ** 2 + b ** 2
    rough = bowl + 0.5 * (1 - np.cos(9 * a) * np.cos(7 * b))  # the same minimum, ridges and pits around it
    sharp = 0.1 + 8 * (a ** 2 + b ** 2)  # the same minimum in a narrower pit
    assert rough[10, 10] == sharp[10, 10] == bowl[10, 10] == 0.1
    assert roughness(axis, axis, rough, 0.1) > roughness(axis, axis, bowl, 0.1)
    assert roughness(axis, axis, sharp, 0.1) > roughness(axis, axis, bowl, 0.1)
    # the ring at half the span (radius 0.5 ± 0.05): the bowl rises by about 0.25 there, 2.5 times its centre
    assert roughness(axis, axis, bowl, 0.1) == pytest.approx(2.5, rel=0.1)


def test_folding_batchnorm_changes_no_loss():
    from resviz.core.landscape import evaluate_grid, fixed_subset, grid_axis
    from resviz.core.landscape.folding import batchnorm_pairs

    model = models.build("resnet", seed=0).eval()
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():  # statistics and affine maps far from the identity, so a wrong fold would show
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.normal_(0, 0.5, generator=g)
                module.running_var.uniform_(0.2, 3.0, generator=g)
                module.weight.uniform_(0.5, 2.0, generator=g)
                module.bias.normal_(0, 0.3, generator=g)
    assert len(batchnorm_pairs(model)) == 13  # 5 layers' convs and 4 blocks' two each
    _, data = trained_cnn()
    inputs, labels = fixed_subset(data, 60, seed=0)
    d1, d2 = random_directions(model, seed=0)
    axis = grid_axis(3, 0.5)
    with one_thread():
        folded = evaluate_grid(model, d1, d2, inputs, labels, axis, axis)
        plain = evaluate_grid(model, d1, d2, inputs, labels, axis, axis, fold=False)
    np.testing.assert_allclose(folded.loss, plain.loss, rtol=1e-4)
    assert folded.center_loss == pytest.approx(plain.center_loss, rel=1e-5)


def test_the_bench_row_times_a_grid_and_leaves_the_threads_as_they_were():
    from resviz.bench import landscape as bench
    from resviz.bench.context import BenchContext

    _, data = trained_cnn()
    ctx = BenchContext(torch.device("cpu"), quick=True, _data=data)
    threads = torch.get_num_threads()
    [row] = bench.run(ctx)
    assert row.name.startswith("landscape 7×7, seed ResNet") and row.unit == "s" and row.value > 0
    assert torch.get_num_threads() == threads
