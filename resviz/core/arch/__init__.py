"""Architecture tables: per-layer shapes, parameters, multiply-adds and receptive fields, without weights.

``catalog`` names the architectures (torchvision's classics, a U-Net, a highway net,
resviz's own models); ``summary`` tabulates any model; ``report`` words the numbers;
``blocks`` sets ResNet's BasicBlock beside its Bottleneck.
"""

from .catalog import Architecture, ArchitectureError, architectures, get, parse_input_size, summarize_architecture
from .summary import LayerRow, Summary, summarize

__all__ = [
    "Architecture", "ArchitectureError", "LayerRow", "Summary", "architectures", "get", "parse_input_size",
    "summarize", "summarize_architecture",
]
