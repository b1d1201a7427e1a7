"""What one unit of a classifier answers to an input: a conv channel's or a class logit's mean activation.

A *unit* is one channel of a layer's output: for a convolution, the channel's feature
map averaged over its positions (Olah et al. 2017's "channel objective"); for a linear
layer, one output feature (for the last one, a class logit). The layer is named by its
module path (``features.2.conv``, ``fc``), as ``visualisable_layers`` lists them.

Interpretation: a conv's channel is read *after the activation that follows it*
(conv -> BatchNorm -> ReLU: the ReLU's output; in a residual block's last conv, the
ReLU after the addition), as Olah et al. read a layer's channels after its ReLU. The
conv's raw output is linear in what it sees, so for the first layer its mean is
maximised by a flat white or black image, which shows nothing; after the ReLU only
the positions where the pattern is present count, and the picture shows the pattern.
A layer with no activation after it before the next conv or linear layer (the class
logits) is read as it is. ``LayerInfo.readout`` names the module read.

``unit_activations`` runs the model only as far as the layer: a forward hook records
the layer's output and stops the pass, so the layers after it cost nothing (a first
layer's 16 visualisations need one conv per step, not the whole net).

``best_test_activations`` answers "how strongly does anything real excite this unit?": the highest
mean activation any of N test images reaches, and which image, per unit (a CLI row's ``test_max``).
A visualisation is judged against it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .. import models
from ..datasets.dataset import to_model_input
from .features import kind_of

LOGITS = "logits"  # the kind of the model's last linear layer: its units are the classes


@dataclass(frozen=True)
class LayerInfo:
    name: str  # module path
    kind: str  # "conv", "linear" or LOGITS
    units: int  # output channels or features
    readout: str  # the module whose output is measured: the activation after the layer, or the layer

    @property
    def title(self) -> str:
        what = {"conv": "channels", "linear": "features", LOGITS: "class logits"}[self.kind]
        after = f", read after {self.readout.rsplit('.', 1)[-1]}" if self.readout != self.name else ""
        return f"{self.name} ({self.units} {what}{after})"


def visualisable_layers(model: nn.Module, input_shape: Sequence[int] | None = None) -> list[LayerInfo]:
    """Every 2-D convolution and linear layer, in the order the input meets them; the last linear one
    is the logits. Found by one probe forward pass of zeros (``input_shape``: the model's own)."""
    calls = _call_order(model, tuple(input_shape or models.input_shape_of(model)))
    layers = []
    for index, (name, module, channels) in enumerate(calls):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            kind = "conv" if isinstance(module, nn.Conv2d) else "linear"
            layers.append(LayerInfo(name, kind, channels, _activation_after(calls, index, channels) or name))
    linear = [i for i, layer in enumerate(layers) if layer.kind == "linear"]
    if linear:
        last = layers[linear[-1]]
        layers[linear[-1]] = LayerInfo(last.name, LOGITS, last.units, last.name)
    return layers


def _call_order(model: nn.Module, input_shape: tuple[int, ...]) -> list[tuple[str, nn.Module, int]]:
    """(name, module, output channels) of every leaf module, in the order one forward pass calls them."""
    calls: list[tuple[str, nn.Module, int]] = []
    thread = threading.get_ident()
    names = {module: name for name, module in model.named_modules()}

    def hook(module, _inputs, output):
        if threading.get_ident() == thread and torch.is_tensor(output) and output.ndim >= 2:
            calls.append((names[module], module, int(output.shape[1])))

    leaves = [m for m in model.modules() if not any(True for _ in m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        device = next(model.parameters()).device
        with torch.no_grad():
            was_training = model.training
            model.eval()
            try:
                model(torch.zeros((1, *input_shape), device=device))
            finally:
                model.train(was_training)
    finally:
        for handle in handles:
            handle.remove()
    return calls


def _activation_after(calls, index: int, channels: int) -> str | None:
    """The first activation after call ``index`` with the same channels, before the next conv or linear."""
    for name, module, out in calls[index + 1:]:
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            return None
        if kind_of(module) == "relu" and out == channels:
            return name
    return None


def find_layer(model: nn.Module, name: str, input_shape: Sequence[int] | None = None) -> LayerInfo:
    """The layer called ``name``; a KeyError that lists the valid names otherwise."""
    layers = visualisable_layers(model, input_shape)
    for layer in layers:
        if layer.name == name:
            return layer
    raise KeyError(f"no layer {name!r}; choose one of: {', '.join(layer.name for layer in layers)}")


def logits_layer(model: nn.Module, input_shape: Sequence[int] | None = None) -> LayerInfo | None:
    return next((layer for layer in visualisable_layers(model, input_shape) if layer.kind == LOGITS), None)


class _Reached(Exception):
    """Raised by the hook once the read-out module has its input: the rest of the pass is not needed."""


def unit_activations(model: nn.Module, layer: str, inputs: torch.Tensor, leak: float = 0.0) -> torch.Tensor:
    """[N, units]: each unit's mean activation for each input (gradients flow if ``inputs`` has them).

    ``layer`` is the module read (a ``LayerInfo.readout``): its output is what is measured.
    With ``leak`` > 0 a share of the module's *input* is added (for gradient ascent only): a
    channel whose ReLU is zero everywhere has no gradient, and without it would stay dead.
    """
    module = model.get_submodule(layer)
    caught: list[torch.Tensor] = []
    thread = threading.get_ident()

    def hook(_module, module_inputs):
        if threading.get_ident() == thread:  # a replica may be run by another thread meanwhile
            caught.append(module_inputs[0])
            raise _Reached  # before the module runs: an in-place ReLU would change what we hold

    handle = module.register_forward_pre_hook(hook)
    try:
        model(inputs)
    except _Reached:
        pass
    finally:
        handle.remove()
    if not caught:
        raise RuntimeError(f"layer {layer!r} was not reached by the forward pass")
    before = caught[0]
    output = module(before.clone())
    if leak and output.shape == before.shape:  # an activation; a layer read as it is (the logits) needs none
        output = output + leak * before
    return output.flatten(2).mean(2) if output.ndim > 2 else output


@dataclass(frozen=True)
class PeakActivations:
    values: np.ndarray  # [units]: the highest mean activation over the test images
    images: np.ndarray  # [units]: the index of the test image that reached it
    count: int  # test images looked at


def best_test_activations(model: nn.Module, layer: LayerInfo, test_inputs: torch.Tensor,
                          units: Sequence[int] | None = None, count: int = 1000, batch: int = 500) -> PeakActivations:
    """Per unit, the highest mean activation any of the first ``count`` test inputs (uint8 or float) reaches."""
    test_inputs = test_inputs[:count]
    device = next(model.parameters()).device
    chunks = []
    with torch.no_grad():
        for start in range(0, len(test_inputs), batch):
            x = to_model_input(test_inputs[start:start + batch]).to(device)
            chunks.append(unit_activations(model, layer.readout, x).float().cpu())
    activations = torch.cat(chunks)
    if units is not None:
        activations = activations[:, list(units)]
    best, where = activations.max(0)
    return PeakActivations(best.numpy(), where.numpy(), len(test_inputs))
