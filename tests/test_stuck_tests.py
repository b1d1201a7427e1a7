"""The suite's own safety net: a stuck test fails, the next one still runs; no test reaches the network."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _pytest(folder: Path, timeout: str = "4") -> subprocess.CompletedProcess:
    """Run pytest on ``folder`` with this suite's own configuration (conftest, guards, watchdog)."""
    for name in ("conftest.py", "stuck_tests.py"):
        shutil.copy(TESTS / name, folder / name)
    shutil.copytree(TESTS / "network_guard", folder / "network_guard", ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, RESVIZ_TEST_TIMEOUT=timeout)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=240)


def test_a_modal_box_left_open_fails_its_test_and_the_run_goes_on(tmp_path):
    (tmp_path / "test_modal.py").write_text(
        "from PySide6.QtWidgets import QMessageBox\n"
        "def test_forgot_to_patch_the_box(qtbot):\n"
        "    QMessageBox(QMessageBox.Icon.Warning, 'title', 'a box nobody closes').exec()\n"
        "def test_after_it():\n"
        "    assert True\n")
    result = _pytest(tmp_path)
    assert "1 failed, 1 passed" in result.stdout, result.stdout + result.stderr
    assert "test_forgot_to_patch_the_box got stuck" in result.stdout
    assert "every thread's stack" in result.stdout + result.stderr


def test_a_busy_loop_fails_its_test_and_the_run_goes_on(tmp_path):
    (tmp_path / "test_loop.py").write_text(
        "def test_forever():\n"
        "    while True:\n"
        "        pass\n"
        "def test_after_it():\n"
        "    assert True\n")
    result = _pytest(tmp_path)
    assert "1 failed, 1 passed" in result.stdout, result.stdout + result.stderr


def test_a_test_that_reaches_the_network_fails_with_its_name(tmp_path):
    (tmp_path / "test_net.py").write_text(
        "import socket, subprocess, sys, pytest\n"
        "def test_here():\n"
        "    with pytest.raises(OSError):\n"
        "        socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
        "def test_in_a_child():\n"
        "    subprocess.run([sys.executable, '-c', \"import urllib.request as u; u.urlopen('http://example.com', timeout=1)\"])\n"
        "def test_loopback_is_fine():\n"
        "    server = socket.create_server(('127.0.0.1', 0)); socket.create_connection(server.getsockname()).close()\n")
    result = _pytest(tmp_path, timeout="60")
    assert "2 failed, 1 passed" in result.stdout, result.stdout + result.stderr
    assert "test_here tried to reach the network: 192.0.2.1:80" in result.stdout
    assert "test_in_a_child tried to reach the network: example.com:80" in result.stdout


def test_a_test_slow_by_nature_gets_the_time_its_marker_allows(tmp_path):
    (tmp_path / "test_slow.py").write_text(
        "import time, pytest\n"
        "@pytest.mark.watchdog(30)\n"
        "def test_compiles_for_a_while():\n"
        "    time.sleep(6)\n"
        "def test_stuck():\n"
        "    time.sleep(60)\n")
    result = _pytest(tmp_path)
    assert "1 failed, 1 passed" in result.stdout, result.stdout + result.stderr
    assert "TestStuck" in result.stdout


def test_a_background_job_that_never_ends_cannot_hang_the_run_at_exit(tmp_path, monkeypatch):
    (tmp_path / "test_job.py").write_text(
        "import threading\n"
        "from PySide6.QtCore import QRunnable, QThreadPool\n"
        "class Forever(QRunnable):\n"
        "    def run(self):\n"
        "        threading.Event().wait()\n"
        "def test_leaves_a_job_behind(qtbot):\n"
        "    QThreadPool.globalInstance().start(Forever())\n")
    monkeypatch.setenv("RESVIZ_POOL_WAIT", "2")  # seconds the run waits for background jobs at its end
    result = _pytest(tmp_path, timeout="60")
    assert "1 passed" in result.stdout and result.returncode == 1, result.stdout + result.stderr
    assert "A background job never finished" in result.stderr
