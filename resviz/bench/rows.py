"""One line of the benchmark table, and the small statistics the benchmarks share."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import asdict, dataclass

_COMPARE = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}


@dataclass
class Row:
    name: str
    value: float | None  # the median where repeats were taken; None when not measured
    unit: str
    target: str | None = None  # e.g. "<= 1.05"; None where no target applies
    met: bool | None = None  # None where no target applies or nothing was measured
    p99: float | None = None  # where a latency distribution was measured
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def target_row(name: str, value: float | None, unit: str, target: str | None, *,
               p99: float | None = None, note: str = "", judge: float | None = None) -> Row:
    """A row whose ``met`` is decided by comparing ``judge`` (default: the value) with the target.

    ``target`` reads like "<= 1.05"; ``judge`` lets a row show its median but be
    judged on its p99, as the latency targets are.
    """
    judged = value if judge is None else judge
    met = None
    if target is not None and judged is not None and math.isfinite(judged):
        op, threshold = target.split()
        met = bool(_COMPARE[op](judged, float(threshold)))
    return Row(name, value, unit, target, met, p99, note)


def unavailable(name: str, unit: str, why: str, target: str | None = None) -> Row:
    return Row(name, None, unit, target, None, None, f"not available: {why}")


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return math.nan
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without needing numpy here."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan
