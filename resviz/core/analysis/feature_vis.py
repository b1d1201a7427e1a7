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
    retries: int = 3  # at most this many rounds of fresh starts for units below their target (0: none) ...
    restarts: int = 4  # ... each round this many starts per such unit, all in one batch ...
    restart_noise: float = 0.3  # ... from noisier noise ...
    restart_speedup: float = 4.0  # ... and a larger step (learning_rate times this), to leave a local maximum

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
            leak=float(np.clip(self.leak, 0.0, 1.0)), polish_steps=int(np.clip(self.polish_steps, 0, steps)),
            retries=int(np.clip(self.retries, 0, 20)), restarts=int(np.clip(self.restarts, 1, 32)),
            restart_noise=float(max(self.restart_noise, 0.0)),
            restart_speedup=float(np.clip(self.restart_speedup, 0.1, 100.0)))


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
              cancelled: Callable[[], bool] | None = None, targets: np.ndarray | None = None) -> Visualisation:
    """For each unit in ``units`` of ``layer``, the input [C, H, W] that raises its mean activation most.

    With ``targets`` (an activation per unit to reach, e.g. the test set's best) the units still
    below theirs after the ascent climb again from fresh noise (see ``_restart_short_units``).
    """
    settings = (settings or FeatureVisSettings()).clamped()
    units = tuple(int(u) for u in units)
    started = time.perf_counter()
    net = frozen_copy(model)
    device = next(net.parameters()).device
    generator = torch.Generator().manual_seed(settings.seed)
    noise = torch.randn((len(units), *input_shape), generator=generator)
    x = (settings.start_level + settings.start_noise * noise).clamp(settings.pixel_min, settings.pixel_max).to(device)
    with torch.no_grad():
        start = _reached(net, layer, x, units)
    # the penalty is weighed against the units' own scale, so one weight suits every layer
    scale = start.abs().mean().clamp_min(1e-3)
    climb = _Climb(net, layer, settings, scale, generator, progress, cancelled)
    images, final = climb(x, units, settings.learning_rate, f"{layer.name}: step {{step}} of {settings.steps}")
    if targets is not None:
        images, final = _restart_short_units(climb, images, final, units, np.asarray(targets, np.float32), input_shape)
    return Visualisation(layer.name, units, images.float().cpu().numpy(), final.float().cpu().numpy(),
                         start.float().cpu().numpy(), time.perf_counter() - started, settings)


def _reached(net: nn.Module, layer: LayerInfo, images: torch.Tensor, units: Sequence[int],
             leak: float = 0.0) -> torch.Tensor:
    """[N]: image i's mean activation of unit ``units[i]``."""
    rows = torch.arange(len(units), device=images.device)
    return unit_activations(net, layer.readout, images, leak)[rows, torch.tensor(units, device=images.device)]


@dataclass
class _Climb:
    """The regularised gradient ascent itself: ``climb(x, units, lr, message)`` -> (images, activations)."""

    net: nn.Module
    layer: LayerInfo
    settings: FeatureVisSettings
    scale: torch.Tensor
    generator: torch.Generator
    progress: Progress | None
    cancelled: Callable[[], bool] | None

    def __call__(self, start: torch.Tensor, units: Sequence[int], learning_rate: float,
                 message: str) -> tuple[torch.Tensor, torch.Tensor]:
        settings = self.settings
        x = start.clone().requires_grad_(True)
        optimiser = torch.optim.Adam([x], lr=learning_rate)
        free_steps = settings.steps - settings.polish_steps
        for step in range(settings.steps):
            if self.cancelled is not None and self.cancelled():
                raise Cancelled("Feature visualisation was cancelled.")
            shaken = jitter(x, settings.jitter, self.generator) if step < free_steps else x
            objective = _reached(self.net, self.layer, shaken, units, settings.leak).sum()
            if settings.tv_weight:
                objective = objective - settings.tv_weight * self.scale * total_variation(x).sum()
            optimiser.zero_grad(set_to_none=True)
            (-objective).backward()
            optimiser.step()
            with torch.no_grad():
                if settings.decay:
                    x.mul_(1.0 - settings.decay)
                if settings.blur_every and step < free_steps and (step + 1) % settings.blur_every == 0:
                    x.copy_(blur(x, settings.blur_sigma))
                x.clamp_(settings.pixel_min, settings.pixel_max)
            if self.progress is not None and (step % 10 == 9 or step == settings.steps - 1):
                self.progress(message.format(step=step + 1), (step + 1) / settings.steps)
        with torch.no_grad():
            return x.detach(), _reached(self.net, self.layer, x, units)


def _restart_short_units(climb: _Climb, images: torch.Tensor, reached: torch.Tensor, units: tuple[int, ...],
                         targets: np.ndarray, input_shape: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Units still below their target climb again, ``restarts`` times each from fresh, noisier starts, with a
    larger step; each keeps its best picture. At most ``retries`` rounds, fewer once every unit is there.

    Why restarts and not more steps: a unit short of its target is stuck on a local maximum of
    its mean activation, and more steps from there (measured on the seed ResNet's last block:
    200, 400, 800 steps all end at 0.55 of the target) stay on it; the same ascent from other
    noise with a 4x larger first step leaves it (5 of 8 starts reach 2x the target).
    """
    settings = climb.settings
    want = torch.as_tensor(targets, dtype=reached.dtype, device=reached.device)
    images, reached = images.clone(), reached.clone()
    for round_ in range(settings.retries):
        short = torch.nonzero(reached < want).flatten().tolist()
        if not short:
            break
        tries = [position for position in short for _ in range(settings.restarts)]
        noise = torch.randn((len(tries), *input_shape), generator=climb.generator)
        start = (settings.start_level + settings.restart_noise * noise).clamp(settings.pixel_min, settings.pixel_max)
        message = (f"{climb.layer.name}: {len(short)} below the best test image, fresh start {round_ + 1} of "
                   f"{settings.retries}, step {{step}} of {settings.steps}")
        found, values = climb(start.to(images.device), [units[p] for p in tries],
                              settings.learning_rate * settings.restart_speedup, message)
        for row, position in enumerate(tries):
            if values[row] > reached[position]:
                images[position], reached[position] = found[row], values[row]
    return images, reached


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
    result = visualise(model, layer, units, input_shape, settings, progress, cancelled,
                       targets=None if peak is None else peak.values)
    return LayerPictures(result, peak)
