"""SIGTERM (a scheduler's, ``kill``'s) is Ctrl-C: the run stops at its next step, saves, and says so.

Before, SIGTERM ended ``resviz train`` with exit 143 and nothing saved.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from resviz.core.checkpoints import load_checkpoint


def start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "resviz", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "OMP_NUM_THREADS": "1"},
                            start_new_session=True)  # its own process group: a test may signal all of it


def wait_for(proc: subprocess.Popen, word: str, timeout: float = 180.0) -> str:
    """Read the child's stderr until ``word`` appears; what was read."""
    deadline, seen = time.monotonic() + timeout, b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 65536)
            if not chunk:
                break
            seen += chunk
            if word.encode() in seen:
                return seen.decode(errors="replace")
    proc.kill()
    raise AssertionError(f"never printed {word!r}: {seen.decode(errors='replace')[-2000:]}")


def finish(proc: subprocess.Popen, timeout: float = 120.0) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"still running {timeout} s after the signal: {err.decode()[-2000:]}") from None
    return proc.returncode, out.decode(), err.decode()


def test_sigterm_stops_train_at_the_next_step_and_saves(tmp_path):
    out = tmp_path / "m.pt"
    proc = start("train", "--model", "cnn", "--epochs", "200", "--device", "cpu", "--threads", "1",
                 "--train-subset", "512", "--test-subset", "64", "--batch-size", "64", "--out", str(out))
    wait_for(proc, " step ")
    proc.send_signal(signal.SIGTERM)
    code, stdout, stderr = finish(proc)
    assert code == 0, stderr[-2000:]
    assert "stopping… (SIGTERM" in stderr and "Traceback" not in stderr
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["stopped"] and result["checkpoint"] == str(out) and result["epochs"] < 200
    assert load_checkpoint(out).model_name == "cnn"


def test_sigterm_stops_depth_with_the_rows_so_far(tmp_path):
    rows_file = tmp_path / "rows.json"
    proc = start("depth", "--quick", "--device", "cpu", "--json", str(rows_file))
    wait_for(proc, "run 1/")
    proc.send_signal(signal.SIGTERM)
    code, stdout, stderr = finish(proc)
    assert code == 0 and "stopping… (SIGTERM" in stderr, stderr[-2000:]
    rows = json.loads(stdout.strip().splitlines()[-1])
    assert rows and rows[0]["status"] == "stopped" and json.loads(rows_file.read_text()) == rows


@pytest.mark.parametrize("value", ["0", "9", "nan", "86401"])
def test_dist_timeout_is_checked(capfd, value):
    from resviz import cli

    assert cli.main(["train", "--model", "cnn", "--dist-timeout", value]) == 2
    assert "argument --dist-timeout" in capfd.readouterr().err
