"""The Depth lab (seeds 000, 001, 002, 004): why depth needs residual connections and BatchNorm.

Plain, residual, highway and dense stacks of 3x3 convs (``models/deepnet.py``) train
side by side with per-layer gradient norms recorded; the presets reproduce the seeds'
claims in minutes. Qt-free: the tab (``qt/panels/depth_lab.py``) and ``resviz depth``
both build on it.
"""

from .presets import PRESETS, QUICK_PRESET, Preset, preset
from .results import first_step_ratio, run_row, steps_to_target, tail_mean
from .runner import train_preset, train_runs
from .runs import MAX_DEPTH, MAX_WIDTH, MIN_DEPTH, MIN_WIDTH, DepthLabError, DepthRun, Recipe

__all__ = ["DepthLabError", "DepthRun", "MAX_DEPTH", "MAX_WIDTH", "MIN_DEPTH", "MIN_WIDTH", "PRESETS",
           "Preset", "QUICK_PRESET", "Recipe", "first_step_ratio", "preset", "run_row", "steps_to_target",
           "tail_mean", "train_preset", "train_runs"]
