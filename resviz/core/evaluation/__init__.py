"""Judging a trained classifier on its test set (seed 001's accuracy, precision, recall, F1, and more).

``evaluate_classifier`` runs the model once over the test set; everything else is
computed from its ``Predictions`` with numpy: the confusion matrix and per-class
report (``report.py``, equal to scikit-learn's ``classification_report``), the
reliability diagram and expected calibration error (``calibration.py``), and the
test images behind a confusion cell or among the most confident mistakes
(``mistakes.py``). Nothing here imports Qt: the CLI and the Evaluation tab share it.
"""

from .calibration import Reliability, reliability
from .mistakes import confident_mistakes, confusion_cell, top_classes
from .predictions import Predictions, predict
from .report import ClassificationReport, classification_report, confusion_matrix
from .summary import Evaluation, evaluate_classifier

__all__ = [
    "ClassificationReport", "Evaluation", "Predictions", "Reliability", "classification_report",
    "confident_mistakes", "confusion_cell", "confusion_matrix", "evaluate_classifier", "predict",
    "reliability", "top_classes",
]
