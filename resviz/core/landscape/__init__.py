"""Loss landscapes (Li, Xu, Taylor, Studer & Goldstein, "Visualizing the Loss Landscape of Neural
Nets", NeurIPS 2018, https://arxiv.org/abs/1712.09913): why residual connections make deep nets trainable.

The loss of a trained net is measured on a 2-D slice of weight space through its weights
theta: ``loss(theta + alpha * d1 + beta * d2)`` on an N x N grid of (alpha, beta), on a
fixed subset of training images.

- ``directions``: d1, d2 are Gaussian and *filter-normalised* (each filter rescaled to
  the norm of the same filter of the weights), so nets of different scale compare;
  biases and BatchNorm parameters are not moved.
- ``grid``: one model copy, its weights rewritten in place per point; no_grad, eval mode.
  BatchNorm uses its running statistics (``settings.BATCHNORM``), as the paper's code.
- ``trajectory``: the snapshots of a run on the plane of the first two principal
  directions of (snapshot - final weights), and the share of variance they explain.
- ``roughness``: one number, larger for a sharper, less bowl-like landscape (see its module).

Qt-free: ``resviz landscape``, the Landscape tab and the bench all call ``compute``.
"""

from .compute import random_plane, trajectory_plane
from .directions import filter_normalise, moved_parameters, random_directions
from .grid import Landscape, LandscapeCancelled, evaluate_grid, grid_axis
from .roughness import roughness
from .settings import BATCHNORM, LandscapeError, LandscapeSettings
from .subset import fixed_subset
from .trajectory import MIN_SNAPSHOTS, Trajectory, trajectory

__all__ = ["BATCHNORM", "Landscape", "LandscapeCancelled", "LandscapeError", "LandscapeSettings", "MIN_SNAPSHOTS",
           "Trajectory", "evaluate_grid", "filter_normalise", "fixed_subset", "grid_axis", "moved_parameters",
           "random_directions", "random_plane", "roughness", "trajectory", "trajectory_plane"]
