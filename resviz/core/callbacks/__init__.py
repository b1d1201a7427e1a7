"""Training callbacks. The built-in ones run in every training run; the recorders
(``RECORDERS``) are named, so a config, the CLI or a panel can ask for them by name."""

from .activations import ActivationStats
from .base import Callback, CallbackList, CallbackOrderError, order_callbacks
from .checkpointing import Checkpointer, RunRecord, Saved
from .context import RunContext
from .evaluation import Evaluator
from .gradients import GradientNorms
from .progress import DIVERGED_FACTOR, ProgressReporter
from .snapshots import Snapshotter

RECORDERS = {  # name -> class taking ``every`` (steps between records)
    GradientNorms.name: GradientNorms,
    ActivationStats.name: ActivationStats,
}

__all__ = ["ActivationStats", "Callback", "CallbackList", "CallbackOrderError", "Checkpointer", "DIVERGED_FACTOR",
           "Evaluator", "GradientNorms", "ProgressReporter", "RECORDERS", "RunContext", "RunRecord", "Saved",
           "Snapshotter", "order_callbacks"]
