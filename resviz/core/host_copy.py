"""Detached host copies of a model's weights: what a Snapshot carries to other threads."""

from __future__ import annotations

import numpy as np
import torch


def state_to_numpy(model: torch.nn.Module, reuse: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """A detached CPU copy of the weights and buffers (safe to hand to another thread).

    ``reuse``: earlier copies handed on as they are, for tensors that cannot have changed
    (a frozen backbone's), so a snapshot of a transfer model copies only what trains.
    """
    reuse = reuse or {}
    full = model.state_dict()
    state = {name: tensor.detach() for name, tensor in full.items() if name not in reuse}
    if state and next(iter(state.values())).device.type != "cpu":
        copied = copy_to_host_grouped(state)
    else:
        copied = {name: t.clone(memory_format=torch.contiguous_format).numpy() for name, t in state.items()}
    return {name: reuse[name] if name in reuse else copied[name] for name in full}


def copy_to_host_grouped(state: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """Copy tensors to host numpy arrays with one transfer per dtype.

    Each ``.cpu()`` on a GPU tensor waits for the GPU; a model has dozens of tensors.
    Flattening all tensors of one dtype into one buffer makes a snapshot cost one or
    two waits instead. The arrays are views of that buffer, in logical (NCHW) order.
    """
    by_dtype: dict[torch.dtype, list[str]] = {}
    for name, tensor in state.items():
        by_dtype.setdefault(tensor.dtype, []).append(name)
    arrays = {}
    for names in by_dtype.values():
        flat = torch.cat([state[n].reshape(-1) for n in names]).cpu().numpy()
        offset = 0
        for n in names:
            size = state[n].numel()
            arrays[n] = flat[offset:offset + size].reshape(tuple(state[n].shape))
            offset += size
    return {name: arrays[name] for name in state}  # in the state dict's order
