"""Why did the network say that? Class activation maps and gradient saliency for one image.

Three views of the same question, all from the class logit (not its probability):

- Grad-CAM (Selvaraju et al. 2017, https://arxiv.org/abs/1610.02391): weight each
  channel of a deep feature map by the *average* gradient of the score over it, sum
  the channels, keep the positive part, upsample to the input.
- HiResCAM (Draper et al. 2020, https://arxiv.org/abs/2011.08891): multiply gradient
  and feature map *element-wise* before summing the channels. Both seed models end in
  flatten -> fully connected, where the weight of every position is different; then
  HiResCAM is exactly how much each position adds to the logit, while Grad-CAM's
  average can point at the background (we measured it: on 40 test digits, a CNN
  trained one epoch gets Grad-CAM maps brighter off the ink than on it, HiResCAM maps
  twice as bright on it). So HiResCAM is the default and Grad-CAM is offered beside it.
- Gradient saliency (Simonyan et al. 2014, https://arxiv.org/abs/1312.6034):
  |d score / d pixel|, which pixels would change the score most.

Interpretation: the maps default to the deepest feature map whose spatial extent is
still larger than 1x1, i.e. the output of the last conv stage (the CNN's 7x7 after
its second pool, the ResNet's 4x4 after its last residual block), as Grad-CAM uses
the last conv block of a ResNet. Pass ``layer`` to look at another module.

The model is left as it was: gradients are taken with ``torch.autograd.grad`` (so no
parameter's ``.grad`` is written), ``requires_grad`` flags are not touched, and the
one temporary hook is removed even on error.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .features import as_batch, eval_mode, kind_of


@dataclass(frozen=True)
class Explanation:
    heatmap: np.ndarray  # [H, W] float32 in [0, 1], the input's size
    target: int  # the class explained
    probabilities: np.ndarray  # [classes], the model's answer for this image
    method: str  # "hirescam", "gradcam" or "gradient"
    layer: str | None = None  # Grad-CAM's feature map
    coarse: np.ndarray | None = None  # Grad-CAM before upsampling, [h, w]


def _scale_to_unit(values: torch.Tensor) -> np.ndarray:
    peak = float(values.max())
    scaled = values / peak if peak > 0 else torch.zeros_like(values)
    return scaled.detach().float().numpy().astype(np.float32)


_default_layers: weakref.WeakKeyDictionary[nn.Module, dict] = weakref.WeakKeyDictionary()


def default_cam_layer(model: nn.Module, input_shape=(1, 28, 28)) -> str:
    """The last module (in forward order) with a feature-map output larger than 1x1.

    Found with one probe forward pass, remembered per model and input size (a replica's
    architecture never changes, and this runs on every stroke while drawing).
    """
    known = _default_layers.setdefault(model, {})
    key = tuple(input_shape)
    if key not in known:
        known[key] = _find_default_cam_layer(model, key)
    return known[key]


def _find_default_cam_layer(model: nn.Module, input_shape: tuple) -> str:
    shapes: list[tuple[str, tuple]] = []
    thread = threading.get_ident()

    def note_shape(name):
        def hook(module, inputs, output):
            if threading.get_ident() == thread and torch.is_tensor(output):
                shapes.append((name, tuple(output.shape)))
        return hook

    handles = []
    try:
        for name, module in model.named_modules():
            if name and kind_of(module) is not None:
                handles.append(module.register_forward_hook(note_shape(name)))
        with eval_mode(model), torch.no_grad():  # a probe must not move BatchNorm's running statistics
            model(torch.zeros(1, *input_shape))
    finally:
        for handle in handles:
            handle.remove()
    spatial = [name for name, shape in shapes if len(shape) == 4 and shape[-1] * shape[-2] > 1]
    if not spatial:
        raise ValueError("This model has no feature map larger than 1x1 to explain with Grad-CAM.")
    return spatial[-1]


def _forward(model: nn.Module, image) -> tuple[torch.Tensor, torch.Tensor]:
    x = as_batch(image)[:1].clone().requires_grad_(True)
    return x, model(x)


CAM_METHODS = ("hirescam", "gradcam")


def grad_cam(model: nn.Module, image, target: int | None = None, layer: str | None = None) -> Explanation:
    """Grad-CAM (channel-averaged gradients) for class ``target`` (default: the predicted class)."""
    return class_activation_map(model, image, target, layer, method="gradcam")


def hires_cam(model: nn.Module, image, target: int | None = None, layer: str | None = None) -> Explanation:
    """HiResCAM (element-wise gradient x activation) for class ``target`` (default: the predicted class)."""
    return class_activation_map(model, image, target, layer, method="hirescam")


def class_activation_map(model: nn.Module, image, target: int | None = None, layer: str | None = None,
                         method: str = "hirescam") -> Explanation:
    """A class activation map by ``method`` ('hirescam' or 'gradcam'); see the module docstring."""
    if method not in CAM_METHODS:
        raise ValueError(f"Unknown method {method!r}; use one of {', '.join(CAM_METHODS)}.")
    layer = layer or default_cam_layer(model, tuple(as_batch(image).shape[1:]))
    module = model.get_submodule(layer)
    thread = threading.get_ident()
    captured: list[torch.Tensor] = []

    def keep_output(m, inputs, output):
        if threading.get_ident() != thread:
            return None
        captured.append(output)
        return output.clone()  # later in-place ops (ReLU) change the clone, not the map we keep

    handle = module.register_forward_hook(keep_output)
    try:
        with eval_mode(model), torch.enable_grad():
            x, logits = _forward(model, image)
            probabilities = torch.softmax(logits.detach()[0].float(), 0).numpy()
            target = int(probabilities.argmax()) if target is None else int(target)
            (grads,) = torch.autograd.grad(logits[0, target], captured[-1])
        feature_map, grads = captured[-1].detach()[0], grads[0]
        weights = grads.mean(dim=(1, 2))[:, None, None] if method == "gradcam" else grads
        cam = F.relu((weights * feature_map).sum(0))
        upsampled = F.interpolate(cam[None, None], size=tuple(x.shape[-2:]), mode="bilinear",
                                  align_corners=False)[0, 0]
        return Explanation(_scale_to_unit(upsampled.clamp_min(0)), target, probabilities, method,
                           layer, _scale_to_unit(cam))
    finally:
        handle.remove()


def gradient_saliency(model: nn.Module, image, target: int | None = None) -> Explanation:
    """|d logit[target] / d pixel|, scaled to [0, 1]."""
    with eval_mode(model), torch.enable_grad():
        x, logits = _forward(model, image)
        probabilities = torch.softmax(logits.detach()[0].float(), 0).numpy()
        target = int(probabilities.argmax()) if target is None else int(target)
        (grads,) = torch.autograd.grad(logits[0, target], x)
    return Explanation(_scale_to_unit(grads[0].abs().amax(0)), target, probabilities, "gradient")
