"""What each layer of a network computes for one input: feature maps via forward hooks.

``conv_layers`` finds the convolutions by walking the module tree, so it works for
any model with ``nn.Conv2d`` layers (or ``nn.Conv1d``: ``dims=1``). Inputs are images
[C, H, W] or, for models that take signals (MNIST-1D), [C, L]; a 1-D layer's record is
then [C, L], its channels by positions. ``ActivationCapture`` is a context manager that
hooks every conv, BatchNorm, activation and pooling module and every residual block,
records what they output during the forward passes run inside it, and removes every
hook on exit, even when the forward pass raises. Records are plain numpy copies.

At a residual block the record labelled "residual add" is the sum of the block's
last branch output and its skip connection (the input of the block's final ReLU,
caught with a pre-hook); the ReLU after it is recorded as usual. A block whose output
is not followed by an activation gets its output recorded as the addition.

Hooks fire in the thread that opened the capture only: a replica may be shared by
several panels, and another thread's forward pass must not leak into this record.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .. import models

_ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Hardswish)
_POOLS = (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd,
          nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd)
# Residual blocks by class name: ours (ResidualBlock) and torchvision's (BasicBlock, Bottleneck).
_RESIDUAL_NAME = re.compile(r"Residual|BasicBlock|Bottleneck")

KINDS = ("conv", "bn", "relu", "pool", "residual add")


@dataclass(frozen=True)
class Activation:
    name: str  # module path, e.g. "features.1.residual.conv2"; "<block>.add" for an addition
    kind: str  # one of KINDS ("relu" stands for any activation function)
    array: np.ndarray  # one input: [C, H, W] (or [C, L]); a batch keeps its leading N
    conv: str | None  # the conv whose kernels made these channels (channel-wise layers since)

    @property
    def shape_text(self) -> str:
        """'16×28×28' (C×H×W) or '15×19' (C×L), for writing on the grid."""
        return "×".join(str(s) for s in self.array.shape[-3:])


def conv_layers(model: nn.Module, dims: int = 2) -> list[tuple[str, nn.Conv2d]]:
    """Every convolution with ``dims`` spatial dimensions, in module-tree order, by name."""
    return [(name, module) for name, module in model.named_modules()
            if isinstance(module, nn.modules.conv._ConvNd) and module.weight.ndim == dims + 2]


def kernel_of(model: nn.Module, conv_name: str, channel: int) -> np.ndarray:
    """The kernel that made output ``channel`` of conv ``conv_name``: [in_channels/groups, k, k] (or [.., k])."""
    conv = model.get_submodule(conv_name)
    return conv.weight[channel].detach().cpu().float().numpy().copy()


def kind_of(module: nn.Module) -> str | None:
    if isinstance(module, nn.modules.conv._ConvNd):
        return "conv"
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return "bn"
    if isinstance(module, _ACTIVATIONS):
        return "relu"
    if isinstance(module, _POOLS):
        return "pool"
    if is_residual_block(module):
        return "residual add"
    return None


def is_residual_block(module: nn.Module) -> bool:
    return bool(_RESIDUAL_NAME.search(type(module).__name__))


_plans: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def hook_plan(model: nn.Module) -> tuple[tuple[str, nn.Module, str, str | None], ...]:
    """(name, module, kind, residual block) for every module a capture hooks, in tree order; the
    block is set for an activation inside a residual block (its input is the block's addition).

    Worked out once per model: walking the tree was a third of a ResNet's capture, and
    Feature maps captures on every stroke. A model's modules are fixed once it is built.
    """
    plan = _plans.get(model)
    if plan is None:
        blocks = [name for name, m in model.named_modules() if name and is_residual_block(m)]
        entries = []
        for name, module in model.named_modules():
            kind = kind_of(module) if name else None
            if kind is not None:
                block = next((b for b in reversed(blocks) if name.startswith(b + ".")), None) if kind == "relu" else None
                entries.append((name, module, kind, block))
        plan = _plans[model] = tuple(entries)
    return plan


class ActivationCapture:
    """``with ActivationCapture(model) as capture: model(x)`` -> ``capture.records``."""

    def __init__(self, model: nn.Module, layers: Iterable[str] | None = None,
                 kinds: Iterable[str] | None = None):
        self.model = model
        self.only_layers = set(layers) if layers is not None else None
        self.only_kinds = set(kinds) if kinds is not None else None
        self.records: list[Activation] = []
        self._handles: list[torch.utils.hooks.RemovableHandle] = []
        self._thread = threading.get_ident()
        self._last_conv: tuple[str, int] | None = None  # (name, out_channels) of the latest conv
        self._block_inputs: dict[str, torch.Tensor] = {}  # block name -> input of its latest activation

    # --- which modules ---------------------------------------------------------------
    def _wanted(self, name: str, kind: str) -> bool:
        if self.only_kinds is not None and kind not in self.only_kinds:
            return False
        return self.only_layers is None or name in self.only_layers

    def __enter__(self) -> ActivationCapture:
        try:
            for name, module, kind, block in hook_plan(self.model):
                if block is not None:
                    self._handles.append(module.register_forward_pre_hook(self._pre_activation(block)))
                self._handles.append(module.register_forward_hook(self._recorder(name, kind)))
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._block_inputs.clear()

    # --- the hooks -------------------------------------------------------------------
    def _pre_activation(self, block: str):
        def hook(module, inputs):
            if threading.get_ident() == self._thread and inputs and torch.is_tensor(inputs[0]):
                self._block_inputs[block] = inputs[0].detach().clone()  # before an in-place ReLU changes it
        return hook

    def _recorder(self, name: str, kind: str):
        def hook(module, inputs, output):
            if threading.get_ident() != self._thread or not torch.is_tensor(output) or output.ndim < 3:
                return
            if kind == "conv":
                self._last_conv = (name, output.shape[1])
            if kind == "residual add":
                self._record_addition(name, output)
            elif self._wanted(name, kind):
                self._append(name, kind, output)
        return hook

    def _record_addition(self, block: str, output: torch.Tensor) -> None:
        if not self._wanted(block, "residual add"):
            return
        summed = self._block_inputs.pop(block, None)
        last = self.records[-1] if self.records else None
        ends_in_activation = (summed is not None and summed.shape == output.shape and last is not None
                              and last.kind == "relu" and last.name.startswith(block + "."))
        if ends_in_activation:  # the addition happened just before that final activation
            self.records.insert(len(self.records) - 1, self._make(block + ".add", "residual add", summed))
        else:
            self._append(block + ".add", "residual add", output)

    def _make(self, name: str, kind: str, tensor: torch.Tensor) -> Activation:
        array = tensor.detach().to("cpu", torch.float32).numpy().copy()
        if array.shape[0] == 1:
            array = array[0]
        conv = self._last_conv[0] if self._last_conv and self._last_conv[1] == tensor.shape[1] else None
        return Activation(name, kind, array, conv)

    def _append(self, name: str, kind: str, tensor: torch.Tensor) -> None:
        self.records.append(self._make(name, kind, tensor))


def as_batch(image, rank: int = 3) -> torch.Tensor:
    """One example or a batch (numpy or tensor) -> float tensor [N, *example].

    ``rank`` is an example's: 3 for images (a grey [H, W] or [C, H, W]), 2 for signals
    (a one-channel [L] or [C, L]). Missing leading axes are added.
    """
    x = torch.as_tensor(np.asarray(image, dtype=np.float32) if not torch.is_tensor(image) else image).float()
    while x.ndim < rank + 1:
        x = x.unsqueeze(0)
    return x


@contextmanager
def eval_mode(model: nn.Module):
    """Run in eval mode; a model that was training is put back after. A replica (already in
    eval mode) is not touched at all, so other threads may use it meanwhile."""
    was_training = model.training
    if was_training:
        model.eval()
    try:
        yield model
    finally:
        if was_training:
            model.train()


def capture_activations(model: nn.Module, image, layers: Iterable[str] | None = None,
                        kinds: Iterable[str] | None = None) -> list[Activation]:
    """Run ``model`` once on ``image`` (eval mode, no gradients); every captured layer's output in forward order.

    ``image`` is one example the model takes (an image, or a signal for a 1-D model) or a batch of them.
    """
    rank = len(models.input_shape_of(model))
    with eval_mode(model), torch.no_grad(), ActivationCapture(model, layers, kinds) as capture:
        model(as_batch(image, rank))
    return capture.records
