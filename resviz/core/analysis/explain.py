"""One input through a classifier: its class probabilities and a map of why.

Plain functions that run in any thread on a frozen replica: the Draw & classify tab
calls ``analyse_input`` for every stroke (or picked test item) off the GUI thread.
The input is what the model takes — a grey [H, W] image for a one-channel model, or
[C, H, W] — and the map explains one class: HiResCAM or Grad-CAM (where the evidence
is in the last feature map) or the input gradient (which pixels matter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..replica import ModelReplica
from .saliency import class_activation_map, gradient_saliency

METHODS = ("hirescam", "gradcam", "gradient", "off")


@dataclass(frozen=True)
class InputAnalysis:
    image: np.ndarray | None  # the model's input ([H, W] grey or [C, H, W]); None when there is none
    probabilities: np.ndarray | None  # [classes], None without a model
    heatmap: np.ndarray | None  # [H, W] in [0, 1]
    target: int | None  # the class the heat map explains
    step: int | None  # the replica's training step


def analyse_input(image: np.ndarray | None, replica: ModelReplica | None, method: str = "hirescam",
                  target: int | None = None) -> InputAnalysis:
    """Probabilities for ``image`` (and, unless ``method`` is 'off', a heat map for ``target``)."""
    if image is None or replica is None:
        return InputAnalysis(image, None, None, None, None)
    if method == "off":
        return InputAnalysis(image, replica.predict_proba(image), None, None, replica.step)
    if method == "gradient":
        explanation = gradient_saliency(replica.model, image, target)
    else:
        explanation = class_activation_map(replica.model, image, target, method=method)
    return InputAnalysis(image, explanation.probabilities, explanation.heatmap, explanation.target, replica.step)


def fits(image: np.ndarray | None, input_shape: tuple[int, ...]) -> bool:
    """Whether ``image`` is one input of that shape (a one-channel shape may drop its channel)."""
    if image is None:
        return False
    shape = tuple(np.shape(image))
    return shape == tuple(input_shape) or (input_shape[0] == 1 and shape == tuple(input_shape[1:]))
