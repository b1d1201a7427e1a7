"""The Evaluation tab (see ``panel.py``)."""

from .panel import EvaluationPanel

__all__ = ["EvaluationPanel"]
