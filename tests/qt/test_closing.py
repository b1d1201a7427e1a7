"""Closing the window whatever is going on: it stops, saves, waits, and the process exits 0.

Each case runs in a fresh process, because what goes wrong here goes wrong at exit:
Qt aborting on a QThread destroyed while running, or a pool thread failing at interpreter
shutdown ("can't register atexit after shutdown").
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from resviz.core.checkpoints import load_checkpoint

SCRIPT = Path(__file__).with_name("closing_script.py")
SLOW_STEP = Path(__file__).with_name("slow_step")


def run_script(mode: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RESVIZ_CHECKPOINTS": str(tmp_path / "checkpoints"),
           "XDG_CONFIG_HOME": str(tmp_path)}
    # the repository, and the slow step for the training processes (the tests' network guard stays behind it)
    paths = [str(Path(__file__).resolve().parents[2]), str(SLOW_STEP), os.environ.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    if mode == "slow-step":
        env["RESVIZ_TEST_SLOW_STEP"] = "4"  # the untrained look is call 1: step 3 is the slow one
    return subprocess.run([sys.executable, str(SCRIPT), mode], capture_output=True, text=True, timeout=180, env=env)


def _clean(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    for bad in ("QThread: Destroyed", "Traceback", "RuntimeError", "can't register atexit"):
        assert bad not in result.stderr, result.stderr


def test_closing_during_an_8_second_step_waits_for_it_and_saves(tmp_path):
    result = run_script("slow-step", tmp_path)
    _clean(result)
    seconds = float(result.stdout.split("after ")[1].split(" s")[0])
    assert seconds >= 8.0  # it waited for the step instead of aborting
    status, checkpoint = result.stdout.split("status ")[1].split(" checkpoint ")
    assert status == "stopped"
    assert load_checkpoint(checkpoint.strip()).meta["step"] == 3  # the slow step (loss call 4: call 1 is the untrained look) was kept


def test_closing_during_kmeans_cancels_and_waits(tmp_path):
    result = run_script("kmeans", tmp_path)
    _clean(result)
    assert float(result.stdout.split("after ")[1].split(" s")[0]) < 60
