"""Closing the window whatever is going on: it stops, saves, waits, and the process exits 0.

Each case runs in a fresh process, because what goes wrong here goes wrong at exit:
Qt aborting on a QThread destroyed while running, or a pool thread failing at interpreter
shutdown ("can't register atexit after shutdown").
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from resviz.core.checkpoints import load_checkpoint
from resviz.core.events import Done, Step
from resviz.core.run_folder import RunFolderReader, is_run_folder

SCRIPT = Path(__file__).with_name("closing_script.py")
SLOW_STEP = Path(__file__).with_name("slow_step")


def run_script(mode: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RESVIZ_CHECKPOINTS": str(tmp_path / "checkpoints"),
           "XDG_CONFIG_HOME": str(tmp_path), "RESVIZ_RUNS": str(tmp_path / "runs")}
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


def test_keep_training_when_i_close_leaves_the_run_training_in_its_folder(tmp_path):
    """File ▸ Keep training when I close: the window exits at once, the run's process trains on
    and writes its run folder (followed again with resviz DIR); kill PID stops it, and it saves."""
    result = run_script("keep", tmp_path)
    _clean(result)
    assert "keep training after the window closed" in result.stderr
    folder = Path(result.stderr.split("  resviz ")[1].split()[0])
    assert is_run_folder(folder)
    pid = int(json.loads((folder / "run.json").read_text())["pid"])
    try:
        assert _alive(pid), "the run's process ended with the window"
        reader, events = RunFolderReader(folder), []
        _poll_until(reader, events, lambda: any(isinstance(e, Step) and e.step > 5 for e in events), 60)
        assert max(e.step for e in events if isinstance(e, Step)) > 5  # it trained on after the window (closed at step 2)
        os.kill(pid, signal.SIGTERM)  # how a person ends it: it stops at its next step and saves
        _poll_until(reader, events, lambda: any(isinstance(e, Done) for e in events), 60)
        done = [e for e in events if isinstance(e, Done)]
        assert done and done[0].stopped, "SIGTERM did not stop the run"
        assert load_checkpoint(done[0].checkpoint).meta["step"] > 5
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z" if Path(f"/proc/{pid}").exists() else True


def _poll_until(reader, events: list, enough, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not enough():
        events.extend(reader.poll())
        time.sleep(0.2)
