"""Is the model's 99% really 99%? The reliability diagram and expected calibration error.

Confidences are split into ``bins`` equal-width bins ((i-1)/M, i/M] (Guo et al.,
"On Calibration of Modern Neural Networks", 2017, https://arxiv.org/abs/1706.04599);
in each, the mean confidence is compared with the accuracy. ECE is the
support-weighted mean gap: sum over bins of |B|/n * |accuracy(B) - confidence(B)|.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Reliability:
    edges: np.ndarray  # [M + 1] bin edges, 0 to 1
    counts: np.ndarray  # [M] examples whose confidence falls in each bin
    confidence: np.ndarray  # [M] their mean confidence (NaN for an empty bin)
    accuracy: np.ndarray  # [M] the share of them the model got right (NaN for an empty bin)
    ece: float  # expected calibration error, 0 = perfectly calibrated

    @property
    def centers(self) -> np.ndarray:
        return (self.edges[:-1] + self.edges[1:]) / 2


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> Reliability:
    confidence = np.asarray(confidence, np.float64)
    correct = np.asarray(correct, np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    # bin i holds (i/M, (i+1)/M]; a confidence of exactly 0 goes to the first bin
    index = np.clip(np.ceil(confidence * bins).astype(np.int64) - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(index, confidence, bins) / counts
        accuracy = np.bincount(index, correct, bins) / counts
    filled = counts > 0
    gaps = np.abs(accuracy[filled] - mean_confidence[filled])
    ece = float(np.dot(counts[filled], gaps) / counts.sum()) if counts.sum() else 0.0
    return Reliability(edges, counts, mean_confidence, accuracy, ece)
