"""Round numbers for ends of axes and colour scales that should not move with every update.

A scale that follows its data exactly changes with every stroke or step, and each change
re-renders its numbers; rounded outward to 1, 1.5, 2, 3, 4, 5, 6 or 8 × 10^k it changes only
when the data crosses a step, and reads better (the data fills 60–100 % of it).
"""

from __future__ import annotations

import math

STEPS = (1, 1.5, 2, 3, 4, 5, 6, 8, 10)


def round_up(value: float) -> float:
    """The nearest of STEPS × 10^k at or above ``value`` > 0 (1 for anything else)."""
    if not value > 0 or math.isinf(value):
        return 1.0 if not value > 0 else value
    power = 10 ** math.floor(math.log10(value))
    return _clean(next(step * power for step in STEPS if step * power >= value * (1 - 1e-12)))


def round_down(value: float) -> float:
    """The nearest of STEPS × 10^k at or below ``value`` > 0."""
    if not value > 0 or math.isinf(value):
        return 0.0 if not value > 0 else value
    power = 10 ** math.floor(math.log10(value))
    return _clean(next(step * power for step in reversed(STEPS) if step * power <= value * (1 + 1e-12)))


def _clean(value: float) -> float:
    """0.30000000000000004 -> 0.3: the product of a step and a power of ten, as it is written."""
    return float(f"{value:.6g}")


def outward(low: float, high: float) -> tuple[float, float]:
    """(low, high) widened to round numbers: low rounded towards −∞, high towards +∞; 0 stays 0."""
    def up(x: float) -> float:
        return round_up(x) if x > 0 else -round_down(-x)

    def down(x: float) -> float:
        return round_down(x) if x > 0 else -round_up(-x) if x < 0 else 0.0

    return down(low), up(high)
