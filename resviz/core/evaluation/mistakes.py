"""Which test images to look at: a confusion cell's, the most confident mistakes, top guesses."""

from __future__ import annotations

import numpy as np

from .predictions import Predictions


def confusion_cell(predictions: Predictions, true_class: int, predicted_class: int) -> np.ndarray:
    """Indices of the test images of ``true_class`` predicted as ``predicted_class``, most confident first."""
    hits = np.flatnonzero((predictions.labels == true_class) & (predictions.predicted == predicted_class))
    return hits[np.argsort(-predictions.confidence[hits], kind="stable")]


def confident_mistakes(predictions: Predictions, count: int = 24) -> np.ndarray:
    """Indices of up to ``count`` wrongly classified test images, the most confident first."""
    wrong = np.flatnonzero(~predictions.correct)
    return wrong[np.argsort(-predictions.confidence[wrong], kind="stable")][:count]


def top_classes(predictions: Predictions, index: int, k: int = 3) -> list[tuple[int, float]]:
    """The ``k`` most probable classes for test image ``index``, as (class, probability)."""
    row = predictions.probabilities[index]
    best = np.argsort(-row, kind="stable")[:k]
    return [(int(c), float(row[c])) for c in best]
