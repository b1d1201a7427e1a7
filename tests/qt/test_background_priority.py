"""Background work shares the cores with a training run at its priority; stroke work keeps the window's."""

import os
import sys
import threading

import pytest

from resviz.core.run_child import niceness
from resviz.qt.background import BackgroundRunner, input_pool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")


def thread_niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def run_in(qtbot, runner) -> int:
    results = []
    runner.submit(thread_niceness, on_result=results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    return results[0]


def test_a_panels_background_job_runs_at_the_training_processes_priority(qtbot):
    window = os.getpriority(os.PRIO_PROCESS, 0)
    assert run_in(qtbot, BackgroundRunner()) == min(19, window + niceness())


def test_work_a_stroke_waits_on_keeps_the_windows_priority(qtbot):
    window = os.getpriority(os.PRIO_PROCESS, 0)
    assert run_in(qtbot, BackgroundRunner(pool=input_pool())) == window
