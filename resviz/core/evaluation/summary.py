"""Everything the CLI and the Evaluation tab show about a classifier, from one pass over the test set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .calibration import Reliability, reliability
from .predictions import Predictions, predict
from .report import ClassificationReport, classification_report


@dataclass(frozen=True)
class Evaluation:
    predictions: Predictions
    report: ClassificationReport
    reliability: Reliability
    classes: tuple[str, ...]  # class names, for axes and tables

    @property
    def accuracy(self) -> float:
        return self.report.accuracy

    def to_json(self) -> dict:
        """The fields ``resviz eval`` adds to its JSON line."""
        return {
            "confusion": self.report.confusion.tolist(),
            "per_class": self.report.per_class(self.classes),
            "macro_f1": self.report.average("macro")["f1"],
            "weighted_f1": self.report.average("weighted")["f1"],
            "ece": self.reliability.ece,
        }


def evaluate_classifier(model: nn.Module, examples: torch.Tensor, labels: torch.Tensor,
                        classes: tuple[str, ...] | list[str], bins: int = 15,
                        stop: Callable[[], bool] = lambda: False) -> Evaluation | None:
    """Predict every test example once and derive all the metrics; None if ``stop()`` turned true."""
    predictions = predict(model, examples, labels, stop=stop)
    if predictions is None:
        return None
    report = classification_report(predictions.labels, predictions.predicted, predictions.num_classes)
    calibration = reliability(predictions.confidence, predictions.correct, bins)
    return Evaluation(predictions, report, calibration, tuple(classes))
