"""What each unit wants to see: the input that excites it most, found by gradient ascent.

Feature visualisation (Erhan et al. 2009; Olah, Mordvintsev & Schubert, "Feature
Visualization", Distill 2017, https://distill.pub/2017/feature-visualization/): start
from faint noise and change the pixels, step by step, in the direction that raises one
unit's mean activation (``unit_activation.py``). With the regularisers of
``feature_vis_regularisers.py`` (Yosinski et al. 2015's regularised optimisation) the
result is a picture a person can read: the strokes a channel looks for, the digit a
class logit is most sure of.

All units of a layer are optimised at once, as one batch: image i is pushed towards
unit i alone, and in eval mode (BatchNorm's running statistics) the images of a batch
never see each other. The model is a frozen copy (every parameter's ``requires_grad``
off): only the pixels get gradients, and the model the panels share is never touched.

Pixels stay in the model's input range (``to_model_input``: [0, 1], black background,
white ink). The L2 decay pulls every pixel back towards 0, the background, so only what
the unit needs is drawn.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..cancelling import Cancelled
from .feature_vis_regularisers import blur, jitter, total_variation
from .unit_activation import LayerInfo, PeakActivations, best_test_activations, unit_activations

Progress = Callable[[str, float], None]  # (message, fraction 0..1)


@dataclass(frozen=True)
class FeatureVisSettings:
    steps: int = 200  # gradient-ascent steps
    learning_rate: float = 0.05  # Adam's step on the pixels (the range is 0..1)
    jitter: int = 1  # shift the image by up to this many pixels before each step (0: off)
    blur_every: int = 4  # blur the image every this many steps (0: never)
    blur_sigma: float = 0.5  # the blur's Gaussian, in pixels
    tv_weight: float = 0.0  # total-variation penalty, per unit of activation scale (0: off)
    decay: float = 0.002  # L2 decay: each step the pixels shrink by this fraction towards black
    pixel_min: float = 0.0  # the clamp: the model's input range (to_model_input gives 0..1)
    pixel_max: float = 1.0
    start_level: float = 0.5  # the faint noise it starts from: mid-grey (from near-black, a unit that black
    # already excites everywhere is at a local maximum: every single bright pixel lowers its mean) ...
    start_noise: float = 0.1  # ... and this standard deviation
    seed: int = 0
    leak: float = 0.1  # during the ascent, this share of the pre-ReLU value is added, so a dead unit wakes up
    polish_steps: int = 20  # the last steps without jitter or blur, so the image is sharp where it is shown

    def clamped(self) -> FeatureVisSettings:
        """The same settings with every value in a range that works (a UI or CLI value may be anything)."""
        low, high = sorted((float(self.pixel_min), float(self.pixel_max)))
        steps = int(np.clip(self.steps, 1, 10_000))
        return FeatureVisSettings(
            steps=steps, learning_rate=float(np.clip(self.learning_rate, 1e-4, 1.0)),
            jitter=int(np.clip(self.jitter, 0, 8)), blur_every=int(np.clip(self.blur_every, 0, 1000)),
            blur_sigma=float(np.clip(self.blur_sigma, 0.0, 3.0)), tv_weight=float(max(self.tv_weight, 0.0)),
            decay=float(np.clip(self.decay, 0.0, 0.5)), pixel_min=low, pixel_max=high if high > low else low + 1.0,
            start_level=float(self.start_level), start_noise=float(max(self.start_noise, 0.0)), seed=int(self.seed),
            leak=float(np.clip(self.leak, 0.0, 1.0)), polish_steps=int(np.clip(self.polish_steps, 0, steps)))


@dataclass(frozen=True)
class Visualisation:
    layer: str
    units: tuple[int, ...]
    images: np.ndarray  # [units, C, H, W] float32, in the model's input range
    activations: np.ndarray  # [units]: the mean activation each image reaches (no jitter)
    start_activations: np.ndarray  # [units]: the same for the noise it started from
    seconds: float
    settings: FeatureVisSettings


def frozen_copy(model: nn.Module) -> nn.Module:
    """The model in eval mode with no parameter asking for a gradient (a copy: the original is shared)."""
    clone = copy.deepcopy(model).eval()
    clone.requires_grad_(False)
    for module in clone.modules():  # hooks another thread's capture left on the original are not ours
        module._forward_hooks.clear()
        module._forward_pre_hooks.clear()
    return clone


def visualise(model: nn.Module, layer: LayerInfo, units: Sequence[int], input_shape: Sequence[int],
              settings: FeatureVisSettings | None = None, progress: Progress | None = None,
              cancelled: Callable[[], bool] | None = None) -> Visualisation:
    """For each unit in ``units`` of ``layer``, the input [C, H, W] that raises its mean activation most."""
    settings = (settings or FeatureVisSettings()).clamped()
    units = tuple(int(u) for u in units)
    started = time.perf_counter()
    net = frozen_copy(model)
    device = next(net.parameters()).device
    generator = torch.Generator().manual_seed(settings.seed)
    noise = torch.randn((len(units), *input_shape), generator=generator)
    x = (settings.start_level + settings.start_noise * noise).clamp(settings.pixel_min, settings.pixel_max)
    x = x.to(device).requires_grad_(True)
    pick = torch.tensor(units, device=device)
    rows = torch.arange(len(units), device=device)

    def reached(images: torch.Tensor, leak: float = 0.0) -> torch.Tensor:
        return unit_activations(net, layer.readout, images, leak)[rows, pick]

    with torch.no_grad():
        start = reached(x)
    # the penalty is weighed against the units' own scale, so one weight suits every layer
    scale = start.abs().mean().clamp_min(1e-3)
    optimiser = torch.optim.Adam([x], lr=settings.learning_rate)
    free_steps = settings.steps - settings.polish_steps
    for step in range(settings.steps):
        if cancelled is not None and cancelled():
            raise Cancelled("Feature visualisation was cancelled.")
        shaken = jitter(x, settings.jitter, generator) if step < free_steps else x
        objective = reached(shaken, settings.leak).sum()
        if settings.tv_weight:
            objective = objective - settings.tv_weight * scale * total_variation(x).sum()
        optimiser.zero_grad(set_to_none=True)
        (-objective).backward()
        optimiser.step()
        with torch.no_grad():
            if settings.decay:
                x.mul_(1.0 - settings.decay)
            if settings.blur_every and step < free_steps and (step + 1) % settings.blur_every == 0:
                x.copy_(blur(x, settings.blur_sigma))
            x.clamp_(settings.pixel_min, settings.pixel_max)
        if progress is not None and (step % 10 == 9 or step == settings.steps - 1):
            progress(f"{layer.name}: step {step + 1} of {settings.steps}", (step + 1) / settings.steps)
    with torch.no_grad():
        final = reached(x)
    return Visualisation(layer.name, units, x.detach().float().cpu().numpy(), final.float().cpu().numpy(),
                         start.float().cpu().numpy(), time.perf_counter() - started, settings)


@dataclass(frozen=True)
class LayerPictures:
    """A layer's visualisations with, where a test set was at hand, each unit's best test activation."""

    visualisation: Visualisation
    peak: PeakActivations | None  # None: no test set could be loaded


def visualise_layer(model: nn.Module, layer: LayerInfo, input_shape: Sequence[int], settings: FeatureVisSettings,
                    test_inputs: Callable[[], torch.Tensor | None], units: Sequence[int] | None = None,
                    test_count: int = 1000, progress: Progress | None = None,
                    cancelled: Callable[[], bool] | None = None) -> LayerPictures:
    """All of ``layer``'s units (or ``units``) as the window shows them: the test set's best first
    (``test_inputs`` loads it, or gives None), then the ascent, with progress and cancel throughout."""
    units = tuple(range(layer.units)) if units is None else tuple(units)
    if progress is not None:
        progress(f"{layer.name}: the test images' best activations", 0.0)
    inputs = test_inputs()
    if cancelled is not None and cancelled():
        raise Cancelled("Feature visualisation was cancelled.")
    peak = None if inputs is None else best_test_activations(frozen_copy(model), layer, inputs, units, test_count)
    result = visualise(model, layer, units, input_shape, settings, progress, cancelled)
    return LayerPictures(result, peak)
