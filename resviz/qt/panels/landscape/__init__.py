"""The Landscape tab (``panel.py``), its plot (``plot.py``) and its background work (``jobs.py``)."""

from .panel import LandscapePanel

__all__ = ["LandscapePanel"]
