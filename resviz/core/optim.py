"""Optimizers with parameter groups and frozen modules, learning-rate schedules, precision.

``freeze`` names module prefixes whose parameters are not trained (a transfer model's
backbone): their ``requires_grad`` is switched off and their BatchNorm layers stay in
eval mode, so the pretrained statistics are kept. ``lr_scales`` gives a module prefix
its own parameter group with a multiple of the learning rate (fine-tuning a last stage
ten times slower than a new head, say). Everything else is one group.
"""

from __future__ import annotations

import torch
from torch import nn


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def freeze_modules(model: nn.Module, prefixes) -> None:
    """Stop training the parameters under ``prefixes`` (raises if a prefix names nothing)."""
    names = [n for n, _ in model.named_modules()]
    for prefix in prefixes:
        if not any(_under(n, prefix) for n in names):
            raise ValueError(f"Cannot freeze {prefix!r}: the model has no module of that name.")
    for name, parameter in model.named_parameters():
        if any(_under(name, p) for p in prefixes):
            parameter.requires_grad_(False)


def frozen_state_names(model: nn.Module, prefixes) -> set[str]:
    """State-dict entries under ``prefixes``: weights and BatchNorm statistics that cannot change."""
    return {name for name in model.state_dict() if any(_under(name, p) for p in prefixes)}


def set_training_mode(model: nn.Module, frozen_prefixes=()) -> None:
    """model.train(), except frozen modules, which keep eval mode (BatchNorm keeps its statistics)."""
    model.train()
    for name, module in model.named_modules():
        if name and any(_under(name, p) for p in frozen_prefixes):
            module.eval()


def parameter_counts(model: nn.Module) -> tuple[int, int]:
    """(trainable, frozen) parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in model.parameters()) - trainable


def parameter_groups(model: nn.Module, base_lr: float, lr_scales: dict[str, float]) -> list[dict]:
    """One group per ``lr_scales`` prefix (in its order) and one for the rest; frozen ones left out."""
    groups = [{"params": [], "lr": base_lr * scale, "prefix": prefix} for prefix, scale in lr_scales.items()]
    rest = {"params": [], "lr": base_lr, "prefix": ""}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        group = next((g for g in groups if _under(name, g["prefix"])), rest)
        group["params"].append(parameter)
    return [g for g in [*groups, rest] if g["params"]]


def fused_adam_works(parameter: torch.Tensor) -> bool:
    """Whether torch has a fused Adam kernel for this parameter's device and dtype."""
    return parameter.device.type in ("cuda", "cpu") and parameter.dtype in (
        torch.float32, torch.float64, torch.float16, torch.bfloat16)


def make_optimizer(cfg, model: nn.Module, capturable: bool = False) -> torch.optim.Optimizer:
    groups = parameter_groups(model, cfg.lr, dict(cfg.lr_scales))
    if not groups:
        raise ValueError("Every parameter is frozen: there is nothing to train.")
    first = groups[0]["params"][0]
    # One fused kernel for the whole update: on a GPU launches dominate small models, and on a
    # CPU the per-tensor loop of the default Adam was a third of a cvae step (21 -> 13 ms, 2 cores).
    fused = {"fused": True} if fused_adam_works(first) else {}
    if capturable:  # a CUDA graph reads the learning rate from a tensor the scheduler fills
        fused["capturable"] = True
        for group in groups:
            group["lr"] = torch.tensor(group["lr"], device=first.device)
    for group in groups:
        group.pop("prefix")
    betas = tuple(cfg.betas)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(groups, lr=cfg.lr, betas=betas, weight_decay=cfg.weight_decay, **fused)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=cfg.lr, betas=betas, weight_decay=cfg.weight_decay, **fused)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=0.9, nesterov=True, weight_decay=cfg.weight_decay)
    raise ValueError(f"Unknown optimizer {cfg.optimizer!r}; use adam, adamw or sgd.")


def make_scheduler(cfg, optimizer, total_steps: int):
    if cfg.schedule == "onecycle":
        peaks = [float(g["lr"]) for g in optimizer.param_groups]
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=peaks, total_steps=total_steps,
                                                   cycle_momentum=cfg.momentum_cycle)
    if cfg.schedule == "constant":
        return None
    raise ValueError(f"Unknown schedule {cfg.schedule!r}; use onecycle or constant.")


def cpu_has_fast_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 / AMX): there it is faster than fp32."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(choice: str, device: torch.device) -> str:
    """'auto' is bf16 where it is fast (a GPU with tensor cores, a CPU with native bf16), fp32 elsewhere."""
    if choice == "auto":
        fast = torch.cuda.is_bf16_supported() if device.type == "cuda" else cpu_has_fast_bf16()
        return "bf16" if fast else "fp32"
    if choice not in ("fp32", "bf16"):
        raise ValueError(f"Unknown precision {choice!r}; use fp32, bf16 or auto.")
    return choice
