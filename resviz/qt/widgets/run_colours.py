"""One colour per run, the same in the Runs list, the curves and every legend.

Runs take the Okabe–Ito palette in turn (Okabe & Ito, "Color Universal Design", 2008):
eight colours that stay apart for people with red-green (deuteranopia, protanopia) or
blue-yellow colour blindness too (simulated, every two are more than 15 CIELAB units
apart). The order (blue, orange, green, black, pink, yellow, sky blue, vermillion) is the
one whose neighbours, the last and first included, are furthest apart for all those eyes
(more than 38 units): two runs made one after the other never look alike.
"""

from __future__ import annotations

RUN_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#000000", "#CC79A7", "#F0E442", "#56B4E9", "#D55E00")

# ten classes (MNIST-1D's digits) in matplotlib's tab10, as such plots usually are
TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def run_colour(run_id: str) -> str:
    """Runs are numbered in the order they were made (``run7``): the colours cycle through ``RUN_COLOURS``."""
    digits = "".join(c for c in run_id if c.isdigit())
    return RUN_COLOURS[(int(digits) - 1) % len(RUN_COLOURS)] if digits else RUN_COLOURS[0]
