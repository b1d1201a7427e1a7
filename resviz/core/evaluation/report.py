"""Confusion matrix and per-class precision, recall, F1 and support (seed 001's metrics).

The numbers are scikit-learn's ``classification_report`` with ``labels=range(K)``
and ``zero_division=0``: a class the model never predicts has precision 0, a class
absent from the test set has recall 0, and both still count in the macro average.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """[K, K] counts: row = true class, column = predicted class."""
    flat = np.asarray(labels, np.int64) * num_classes + np.asarray(predicted, np.int64)
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (scikit-learn's zero_division=0)."""
    out = np.zeros(len(numerator), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


@dataclass(frozen=True)
class ClassificationReport:
    confusion: np.ndarray  # [K, K] int, row = true, column = predicted
    precision: np.ndarray  # [K] of the images predicted as k, the share that are k
    recall: np.ndarray  # [K] of the images that are k, the share predicted as k
    f1: np.ndarray  # [K] harmonic mean of precision and recall
    support: np.ndarray  # [K] test images of each class

    @property
    def accuracy(self) -> float:
        total = self.confusion.sum()
        return float(np.trace(self.confusion) / total) if total else 0.0

    def average(self, how: str) -> dict[str, float]:
        """'macro': every class counts the same; 'weighted': each class by its support."""
        if how == "macro":
            weights = np.full(len(self.support), 1.0 / max(len(self.support), 1))
        elif how == "weighted":
            weights = self.support / max(self.support.sum(), 1)
        else:
            raise ValueError(f"Unknown average {how!r}; use macro or weighted.")
        return {name: float(np.dot(weights, getattr(self, name))) for name in ("precision", "recall", "f1")}

    def per_class(self, names: tuple[str, ...] | list[str]) -> list[dict]:
        """One plain dict per class, as ``resviz eval`` prints them."""
        return [
            {"class": k, "name": names[k] if k < len(names) else str(k), "precision": float(self.precision[k]),
             "recall": float(self.recall[k]), "f1": float(self.f1[k]), "support": int(self.support[k])}
            for k in range(len(self.support))
        ]


def classification_report(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> ClassificationReport:
    confusion = confusion_matrix(labels, predicted, num_classes)
    true_positive = np.diag(confusion).astype(np.float64)
    predicted_count = confusion.sum(0)
    support = confusion.sum(1)
    precision = _ratio(true_positive, predicted_count)
    recall = _ratio(true_positive, support)
    # 2tp / (2tp + fp + fn) is the harmonic mean of precision and recall, and 0 where both are 0
    f1 = _ratio(2 * true_positive, predicted_count + support)
    return ClassificationReport(confusion, precision, recall, f1, support)
