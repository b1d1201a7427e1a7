"""One optimizer step, eager or replayed as a CUDA graph.

Eager: gather the batch out of the on-device dataset, forward, backward, (let the
callbacks look at the gradients), step. On a GPU with ``cuda_graphs``, the first
``WARMUP`` steps run eagerly on a side stream (real steps; cuDNN picks its kernels
then), the next one is captured into a CUDA graph (following "whole network capture"
in PyTorch's CUDA semantics notes), and every step after copies its batch indices into
the graph's input and replays it: a small model's step is a few dozen kernel
launches, and replaying them as one is what makes the speed run fast there. If
capture fails, a warning says so and training goes on eagerly.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch

from .augment import Augmentation, augment, random_affine
from .data import to_model_input


def use_cuda_graphs(cfg, device: torch.device, needs_gradients: bool = False) -> bool:
    """Whether a run can replay its steps as a CUDA graph.

    The graph bakes in everything but tensors: the learning rate becomes a tensor the
    scheduler fills, so Adam's betas must not be cycled, augmentation's random draws
    stay eager, one parameter group only, and no callback may read the gradients.
    """
    return (cfg.cuda_graphs and device.type == "cuda" and cfg.optimizer in ("adam", "adamw")
            and not cfg.augments and not cfg.lr_scales and not needs_gradients
            and (cfg.schedule == "constant" or not cfg.momentum_cycle))


class TrainStep:
    """``step(index)`` trains on the examples at ``index``; returns the detached loss and its parts."""

    WARMUP = 3

    def __init__(self, objective, model, optimizer, data, memory_format, autocast, augment_generator,
                 graph_batch: int = 0, after_backward: Callable[[], None] | None = None,
                 augmentation: Augmentation | None = None):
        self.objective, self.model, self.optimizer, self.data = objective, model, optimizer, data
        self.memory_format, self.autocast, self.augment_generator = memory_format, autocast, augment_generator
        self.graph_batch = graph_batch
        self.after_backward = after_backward
        self.augmentation = augmentation  # None with a generator: the digits' random_affine
        self.graph: torch.cuda.CUDAGraph | None = None
        self.warm_steps = 0
        if graph_batch:
            self.static_index = torch.zeros(graph_batch, dtype=torch.long, device=data.train_inputs.device)
            self.side_stream = torch.cuda.Stream(data.train_inputs.device)

    def _forward_backward_step(self, index):
        x = to_model_input(self.data.train_inputs[index])
        y = self.data.train_labels[index]
        if self.augment_generator is not None and x.ndim == 4:
            if self.augmentation is not None:
                x = augment(x, self.augmentation, self.augment_generator)
            else:
                x = random_affine(x, generator=self.augment_generator)
        if x.ndim == 4:
            x = x.contiguous(memory_format=self.memory_format)
        with self.autocast:
            loss, parts = self.objective.loss(self.model, x, y)
        loss.backward()
        if self.after_backward is not None:
            self.after_backward()
        self.optimizer.step()
        return loss.detach(), {name: part.detach() for name, part in parts.items()}

    def __call__(self, index: torch.Tensor):
        if not self.graph_batch:
            self.optimizer.zero_grad(set_to_none=True)
            return self._forward_backward_step(index)
        self.static_index.copy_(index)
        if self.graph is not None:
            self.graph.replay()
            return self.static_out
        if self.warm_steps < self.WARMUP:
            current = torch.cuda.current_stream()
            self.side_stream.wait_stream(current)  # also: the side stream's memory is free to reuse
            with torch.cuda.stream(self.side_stream):
                self.optimizer.zero_grad(set_to_none=True)
                out = self._forward_backward_step(self.static_index)
            current.wait_stream(self.side_stream)
            self.warm_steps += 1
            return out
        try:
            graph = torch.cuda.CUDAGraph()
            self.optimizer.zero_grad(set_to_none=True)  # backward in the graph then writes fresh grads
            with torch.cuda.graph(graph, capture_error_mode="thread_local"):  # the GUI thread may use CUDA
                self.static_out = self._forward_backward_step(self.static_index)
        except Exception as error:  # noqa: BLE001 — slower, but the run goes on
            warnings.warn(f"CUDA graph capture failed, training on without it: {error}", RuntimeWarning, stacklevel=2)
            self.graph_batch = 0
            return self(index)
        self.graph = graph
        graph.replay()
        return self.static_out
