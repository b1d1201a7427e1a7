"""Run the benchmarks in order and turn their rows into a table or JSON.

A benchmark that raises still gives a row (its error as the note), so one broken
piece never hides the others' numbers.
"""

from __future__ import annotations

import datetime
import importlib
import math
import platform
from pathlib import Path

import torch

from ..core.json_file import write_json_file
from .context import BenchContext
from .rows import Row

# (short name used by --only, module with run(context) -> list[Row]), in table order
BENCHES: list[tuple[str, str]] = [
    ("overhead", "resviz.bench.overhead"),
    ("time-to-99", "resviz.bench.time_to_99"),
    ("seed-resnet", "resviz.bench.seed_accuracy"),
    ("watching", "resviz.bench.watching"),
    ("ui-latency", "resviz.bench.ui_latency"),
    ("interaction", "resviz.bench.interaction"),
    ("cold-start", "resviz.bench.cold_start"),
    ("memory", "resviz.bench.memory_cycles"),
    ("train-click", "resviz.bench.train_click"),
    ("processes", "resviz.bench.processes"),
    ("clusters", "resviz.bench.clustering"),
    ("feature-vis", "resviz.bench.feature_vis"),
    ("sample-belief", "resviz.bench.sample_belief"),
    ("landscape", "resviz.bench.landscape"),
]


def run_benches(ctx: BenchContext, only: list[str] | None = None) -> list[Row]:
    rows: list[Row] = []
    for short_name, module_name in BENCHES:
        if only and short_name not in only:
            continue
        ctx.log(f"[{short_name}]")
        try:
            rows.extend(importlib.import_module(module_name).run(ctx))
        except Exception as error:  # noqa: BLE001 — report it as a row and go on
            rows.append(Row(short_name, None, "", None, None, None,
                            f"failed: {type(error).__name__}: {error}"))
    return rows


def report(ctx: BenchContext, rows: list[Row]) -> dict:
    return {
        "device": ctx.device_name,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "quick": ctx.quick,
        "data": ctx.data_summary(),
        "rows": [row.as_dict() for row in rows],
    }


def write_json(result: dict, path: str | Path) -> None:
    write_json_file(result, path)


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.1f}"
    if magnitude >= 10:
        return f"{value:.2f}"
    return f"{value:.3f}"


def data_line(data: dict | None) -> str:
    """The table's second line: what the training rows ran on, and whether that is all of MNIST."""
    if not data:
        return "data: -"
    line = f"data: {data['title']}, {data['train']:,} train / {data['test']:,} test images"
    if data["full_mnist"]:
        return f"{line} (all of MNIST)"
    return (f"{line} — NOT all of MNIST: the accuracy targets do not apply"
            + (f"\n      {data['note']}" if data.get("note") else ""))


def format_table(result: dict) -> str:
    header = ("name", "median", "p99", "unit", "target", "met")
    lines = []
    for row in result["rows"]:
        met = {True: "yes", False: "NO", None: "-"}[row["met"]]
        lines.append((row["name"], _number(row["value"]), _number(row["p99"]), row["unit"],
                      row["target"] or "-", met, row["note"]))
    widths = [max(len(str(x)) for x in column) for column in zip(header, *[line[:6] for line in lines])]

    def fmt(cells):
        name, *rest = cells
        return "  ".join([f"{name:<{widths[0]}}"] + [f"{c:>{w}}" for c, w in zip(rest, widths[1:])])

    title = (f"resviz bench{' --quick' if result['quick'] else ''} · {result['device']} · "
             f"torch {result['torch']} · Python {result['python']} · {result['date']}")
    out = [title, data_line(result.get("data")), fmt(header), fmt(["-" * w for w in widths])]
    for line in lines:
        out.append(fmt(line[:6]))
        if line[6]:
            out.append(f"    {line[6]}")
    return "\n".join(out)
