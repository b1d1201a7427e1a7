"""Start ``gui_child`` measurements from the benchmark process, and say when Qt is missing."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

from .context import BenchContext


def qt_missing() -> str | None:
    """Why the GUI benchmarks cannot run here, or None when they can."""
    for module in ("PySide6", "pyqtgraph"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed"
    return None


def run_child(mode: str, *options: str, timeout: float = 600) -> tuple[dict, float]:
    """Run ``python -m resviz.bench.gui_child MODE OPTIONS``; returns (its JSON, seconds to that line)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "resviz.bench.gui_child", mode, *options]
    seconds = None
    with tempfile.TemporaryFile("w+") as errors:  # a file, not a pipe: a chatty child never blocks
        start = time.perf_counter()
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env) as child:
            lines = []
            for line in child.stdout:  # read as it comes, so the time is when the line arrived
                lines.append(line)
                if line.startswith("{"):
                    seconds = time.perf_counter() - start
                    break
            try:
                child.wait(timeout=max(1.0, timeout - (time.perf_counter() - start)))
            except subprocess.TimeoutExpired:
                child.kill()
        errors.seek(0)
        stderr = errors.read()
    if seconds is None:
        tail = (stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"gui_child {mode} failed: {tail}")
    return json.loads(lines[-1]), seconds


def watch_result(ctx: BenchContext) -> dict:
    """The headless-vs-watched training run, done once and shared by two benchmarks."""
    cached = ctx.cache.get("watch")
    if cached is None:
        # one epoch of MNIST, ~30 s of training on two cores: what a run's start costs the tabs once (each
        # draws the new run: Evaluation's 10,000 test images, Filters' pictures) is then a part of it, not
        # most of it as in a 3 s run; a person watches for minutes
        images = "2048" if ctx.quick else "60000"
        repeats = "1" if ctx.quick else "2"
        cached, _ = run_child("watch", "--device", ctx.device.type, "--images", images, "--repeats", repeats)
        ctx.cache["watch"] = cached
    return cached


def cycles_result(ctx: BenchContext) -> dict:
    """The Train -> 3 s -> Stop cycles in the real window, done once and shared by two benchmarks."""
    cached = ctx.cache.get("cycles")
    if cached is None:
        cycles = 10 if ctx.quick else 50
        cached, _ = run_child("cycles", "--device", ctx.device.type, "--repeats", str(cycles), "--seconds", "3",
                              timeout=60 * cycles)
        ctx.cache["cycles"] = cached
    return cached
