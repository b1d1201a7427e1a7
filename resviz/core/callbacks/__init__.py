"""Training callbacks. The built-in ones run in every training run; the recorders
(``RECORDERS``) are named, so a config, the CLI or a panel can ask for them by name."""

from .activations import ActivationStats
from .base import Callback, CallbackList
from .checkpointing import Checkpointer
from .evaluation import Evaluator
from .frozen_features import FrozenFeatures
from .gradients import GradientNorms
from .progress import DIVERGED_FACTOR, ProgressReporter
from .snapshots import Snapshotter

RECORDERS = {  # name -> class taking ``every`` (steps between records)
    GradientNorms.name: GradientNorms,
    ActivationStats.name: ActivationStats,
}

__all__ = ["ActivationStats", "Callback", "CallbackList", "Checkpointer", "DIVERGED_FACTOR", "Evaluator",
           "FrozenFeatures", "GradientNorms", "ProgressReporter", "RECORDERS", "Snapshotter"]
