"""The MNIST-1D tab: seed 004's 1-D CNN against a same-sized MLP (panel.py), and its plots."""

from .panel import Mnist1DPanel

__all__ = ["Mnist1DPanel"]
