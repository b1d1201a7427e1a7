"""The test images behind a confusion cell, and the most confident mistakes, with the model's top guesses."""

from __future__ import annotations

import numpy as np
import torch

from ....core.data import to_model_input
from ....core.evaluation import Evaluation, confident_mistakes, confusion_cell, top_classes
from ...widgets.example_gallery import ExampleGallery
from .confusion_view import short_name

SHOWN = 60  # images drawn at most per gallery (the heading gives the full count)


def fit_one_row(gallery: ExampleGallery) -> ExampleGallery:
    """Never shorter than one whole row (thumbnail and caption): a small window scrolls the rows,
    it does not cut them to captions."""
    frame = 2 * gallery.frameWidth()
    gallery.setMinimumHeight(gallery.gridSize().height() + 2 * gallery.spacing() + frame)
    return gallery


def _images(test_inputs, indices: np.ndarray) -> np.ndarray:
    """The test images at ``indices`` as floats in [0, 1]: [N, H, W] grey, [N, 3, H, W] colour."""
    if len(indices) == 0:
        return np.zeros((0, 1, 1), np.float32)
    images = to_model_input(test_inputs[torch.as_tensor(indices)]).numpy()
    return images[:, 0] if images.ndim == 4 and images.shape[1] == 1 else images


def _guesses(evaluation: Evaluation, index: int, k: int) -> list[tuple[str, float]]:
    return [(evaluation.classes[c], p) for c, p in top_classes(evaluation.predictions, index, k)]


def _tooltip(evaluation: Evaluation, index: int) -> str:
    true = evaluation.classes[evaluation.predictions.labels[index]]
    guesses = ", ".join(f"{name} {100 * p:.1f}%" for name, p in _guesses(evaluation, index, 3))
    return f"test image #{index} · true class {true}\nmodel: {guesses}"


def show_cell(gallery: ExampleGallery, evaluation: Evaluation, test_images, true_class: int,
              predicted_class: int) -> str:
    """Fill ``gallery`` with the cell's images (most confident first); return its heading."""
    indices = confusion_cell(evaluation.predictions, true_class, predicted_class)
    shown = indices[:SHOWN]
    captions = ["\n".join(f"{short_name(name)} {100 * p:.0f}%" for name, p in _guesses(evaluation, i, 2)) for i in shown]
    gallery.set_examples(_images(test_images, shown), shown, captions,
                         [_tooltip(evaluation, i) for i in shown])
    true, predicted = evaluation.classes[true_class], evaluation.classes[predicted_class]
    what = (f"{true} classified correctly" if true_class == predicted_class
            else f"{true} taken for {predicted}")
    more = f" (the {SHOWN} most confident shown)" if len(indices) > SHOWN else ""
    return f"{what}: {len(indices):,} test images{more}. Under each: the model's top two guesses."


def show_mistakes(gallery: ExampleGallery, evaluation: Evaluation, test_images) -> str:
    indices = confident_mistakes(evaluation.predictions, SHOWN)
    predictions = evaluation.predictions
    names = [short_name(c) for c in evaluation.classes]
    captions = [f"{names[predictions.labels[i]]}\n→ {names[predictions.predicted[i]]} {100 * predictions.confidence[i]:.0f}%"
                for i in indices]
    gallery.set_examples(_images(test_images, indices), indices, captions,
                         [_tooltip(evaluation, i) for i in indices])
    wrong = int((~predictions.correct).sum())
    return (f"The {len(indices)} most confident of {wrong:,} mistakes: true class, then → what the model said "
            f"and how sure it was. Some are labelling errors; many are honest look-alikes.")
