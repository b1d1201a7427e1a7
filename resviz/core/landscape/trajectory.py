"""The training trajectory on the plane that shows it best (Li et al. 2018, section 7).

Random directions are nearly orthogonal to the path training took (in a space of 10^5
weights two random vectors are), so a trajectory projected onto them is a dot. The paper
instead takes the vectors from the final weights to each snapshot, (theta_i - theta_final),
and finds their first two principal directions (PCA): the plane in which the path moved
most. Each snapshot's coordinates are its (theta_i - theta_final) projected onto the two
unit directions, so the final weights sit at (0, 0); ``explained`` is the share of the
vectors' variance the plane holds (the paper's axis labels: often 80-95 %). A landscape
evaluated along the same two directions (``plane_directions``) puts the path over its
contours. As for random directions, only the weights move: biases and BatchNorm's
parameters are left out of the vectors (they are zero in the directions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .directions import Direction, moves
from .settings import LandscapeError

StateDict = Mapping[str, np.ndarray | torch.Tensor]
MIN_SNAPSHOTS = 3  # two directions need at least two vectors besides the final weights


@dataclass(frozen=True)
class Trajectory:
    coordinates: np.ndarray  # [snapshots, 2]: each snapshot on the plane, the final weights at (0, 0)
    ratios: tuple[float, float]  # the share of variance each direction explains
    components: np.ndarray = field(repr=False)  # [2, weights]: the two unit directions, flattened
    names: tuple[str, ...] = ()  # the moved parameters, in the order they are flattened
    shapes: tuple[tuple[int, ...], ...] = ()

    @property
    def explained(self) -> float:
        """The share of (theta_i - theta_final)'s variance the two directions hold together."""
        return float(sum(self.ratios))

    def direction(self, index: int, model: nn.Module) -> Direction:
        """Component ``index`` as a direction over ``model``'s parameters (zero where nothing moves)."""
        direction, offset = {}, 0
        flat = torch.as_tensor(self.components[index], dtype=torch.float32)
        moved = dict(zip(self.names, self.shapes))
        for name, p in model.named_parameters():
            if name in moved:
                size = int(np.prod(moved[name]))
                direction[name] = flat[offset:offset + size].reshape(moved[name]).clone()
                offset += size
            else:
                direction[name] = torch.zeros(p.shape, dtype=torch.float32)
        return direction

    def plane_directions(self, model: nn.Module) -> tuple[Direction, Direction]:
        return self.direction(0, model), self.direction(1, model)

    def span(self, margin: float = 1.25) -> float:
        """How far a grid must reach to hold the whole path (with a margin around it)."""
        reach = float(np.abs(self.coordinates).max()) if len(self.coordinates) else 0.0
        return margin * reach if reach > 0 else 1.0


def _flat(state: StateDict, names: Sequence[str]) -> np.ndarray:
    return np.concatenate([np.asarray(state[name], dtype=np.float64).reshape(-1) for name in names])


def trajectory(model: nn.Module, snapshots: Sequence[StateDict], final: StateDict) -> Trajectory:
    """PCA of (snapshot - final) over the moved weights of ``model``; ``LandscapeError`` if too few."""
    names = tuple(name for name, p in model.named_parameters() if moves(p))
    shapes = tuple(tuple(p.shape) for name, p in model.named_parameters() if moves(p))
    missing = [name for name in names if name not in final or any(name not in s for s in snapshots)]
    if missing:
        raise LandscapeError(f"the snapshots do not hold the model's weights ({missing[0]} is missing)")
    end = _flat(final, names)
    vectors = np.stack([_flat(s, names) - end for s in snapshots]) if snapshots else np.zeros((0, len(end)))
    moving = vectors[np.linalg.norm(vectors, axis=1) > 0]
    if len(moving) < MIN_SNAPSHOTS - 1:
        raise LandscapeError(f"a trajectory needs at least {MIN_SNAPSHOTS} snapshots that differ "
                             f"(here {len(moving) + 1})")
    centred = vectors - vectors.mean(axis=0)
    _, singular, rows = np.linalg.svd(centred, full_matrices=False)
    variance = singular ** 2
    components = rows[:2].copy()
    coordinates = vectors @ components.T
    # a sign of a principal direction is arbitrary: choose the one that puts the start of training at + , +
    signs = np.where(coordinates[0] < 0, -1.0, 1.0)
    components *= signs[:, None]
    coordinates *= signs
    ratios = tuple(float(v / variance.sum()) if variance.sum() > 0 else 0.0 for v in variance[:2])
    return Trajectory(coordinates, ratios, components, names, shapes)
