"""The Convolution lab (issue 5): one tab, four views, each in its own small file."""

from .panel import ConvLabPanel

__all__ = ["ConvLabPanel"]
