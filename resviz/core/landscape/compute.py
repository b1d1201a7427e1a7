"""A landscape from a model and its dataset in one call: the random plane, or the trajectory's plane."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from ..data import Dataset
from .directions import random_directions
from .grid import Landscape, Progress, evaluate_grid, grid_axis
from .settings import LandscapeSettings
from .subset import fixed_subset
from .trajectory import StateDict, Trajectory, trajectory

DEFAULT = LandscapeSettings()  # 21 x 21, span ±1, 1,000 images, seed 0


def random_plane(model: nn.Module, dataset: Dataset, settings: LandscapeSettings = DEFAULT,
                 device: torch.device | str = "cpu", progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None) -> Landscape:
    """The loss around ``model``'s weights along two random filter-normalised directions."""
    inputs, labels = fixed_subset(dataset, settings.subset, settings.seed)
    d1, d2 = random_directions(model, settings.seed)
    axis = grid_axis(settings.grid, settings.span)
    return evaluate_grid(model, d1, d2, inputs, labels, axis, axis, seed=settings.seed,
                         batch_size=settings.batch_size, device=device, progress=progress, cancelled=cancelled)


def trajectory_plane(model: nn.Module, snapshots: Sequence[StateDict], final: StateDict, dataset: Dataset,
                     settings: LandscapeSettings = DEFAULT, device: torch.device | str = "cpu",
                     progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                     ) -> tuple[Landscape, Trajectory]:
    """The loss on the plane of the training path's two principal directions, and the path on it.

    The grid reaches a little past the farthest snapshot (``Trajectory.span``); ``settings.span``
    is not used, as the path, not the weights' scale, sets the distances here.
    """
    path = trajectory(model, snapshots, final)
    inputs, labels = fixed_subset(dataset, settings.subset, settings.seed)
    d1, d2 = path.plane_directions(model)
    axis = grid_axis(settings.grid, path.span())
    grid = evaluate_grid(model, d1, d2, inputs, labels, axis, axis, seed=settings.seed,
                         batch_size=settings.batch_size, device=device, progress=progress, cancelled=cancelled,
                         directions="PCA of the trajectory")
    return grid, path
