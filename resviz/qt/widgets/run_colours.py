"""One colour per run, the same in the Runs list, the curves and every legend."""

from __future__ import annotations

TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def run_colour(run_id: str) -> str:
    """Runs are numbered in the order they were made (``run7``): the colours cycle through tab10."""
    digits = "".join(c for c in run_id if c.isdigit())
    return TAB10[(int(digits) - 1) % len(TAB10)] if digits else TAB10[0]
