"""Choosing where training runs, and naming it for the status bar."""

from __future__ import annotations

import platform

import torch


class DeviceUnavailable(RuntimeError):
    pass


def resolve_device(choice: str = "auto") -> torch.device:
    """'auto' takes CUDA when present; asking for CUDA without one is a clear error."""
    choice = (choice or "auto").lower()
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceUnavailable("CUDA was requested but no CUDA GPU is available; use --device cpu or auto.")
    if choice not in ("cpu",) and not choice.startswith("cuda"):
        raise DeviceUnavailable(f"Unknown device {choice!r}; use auto, cpu or cuda.")
    return torch.device(choice)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({platform.processor() or platform.machine()}, {threads_text(torch.get_num_threads())})"


def threads_text(count: int, noun: str = "thread") -> str:
    """'1 thread', '4 threads' (or of another ``noun``: '1 torch thread')."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def available_devices() -> list[str]:
    return ["auto", "cpu"] + (["cuda"] if torch.cuda.is_available() else [])
