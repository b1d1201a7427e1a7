"""SIGKILL at any moment of `resviz train` never leaves an unreadable file at --out.

Checkpoints are written to a temporary file in the same folder and renamed over the
old one, so the name always points at a whole checkpoint: the old one until the
rename, the new one after. A real `resviz train` writing over an existing checkpoint
is killed while starting, while training, half-way through writing its checkpoint
and just before the rename; the old checkpoint must still open each time.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resviz.core import models
from resviz.core.checkpoints import load_checkpoint, save_checkpoint

ROOT = Path(__file__).resolve().parents[1]

# Runs the real command; for the two save moments it pauses (and says so) at that
# point of the real save_checkpoint, so the kill lands exactly there.
CHILD = r"""
import os, sys, time
moment, out = sys.argv[1], sys.argv[2]

def say(word):
    print(word, flush=True)
    time.sleep(120)  # killed here

if moment == "writing":
    real_fdopen = os.fdopen
    class HalfWritten:
        def __init__(self, f):
            self.f, self.written = f, 0
        def write(self, data):
            n = self.f.write(data)
            self.written += n
            if self.written > 8192:
                self.f.flush()
                os.fsync(self.f.fileno())
                say("WRITING")
            return n
        def __getattr__(self, name):
            return getattr(self.f, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.f.__exit__(*exc)
    def fdopen(fd, *args, **kwargs):
        f = real_fdopen(fd, *args, **kwargs)
        return HalfWritten(f) if os.readlink(f"/proc/self/fd/{fd}").endswith(".tmp") else f
    os.fdopen = fdopen
elif moment == "renaming":
    real_replace = os.replace
    def replace(src, dst, *args, **kwargs):
        if str(dst) == out:
            say("RENAMING")
        return real_replace(src, dst, *args, **kwargs)
    os.replace = replace

from resviz.cli import main
epochs = "200" if moment == "training" else "1"
sys.exit(main(["train", "--model", "cnn", "--device", "cpu", "--epochs", epochs, "--batch-size", "64",
               "--train-subset", "256", "--test-subset", "64", "--out", out]))
"""


def _wait_for(proc, words, timeout=120.0) -> str:
    """Read the child's output until a line holds one of ``words``; return that line."""
    deadline, buffer = time.monotonic() + timeout, b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buffer += chunk
            for line in buffer.decode(errors="replace").splitlines():
                if any(word in line for word in words):
                    return line
    raise AssertionError(f"the child never printed {words}: {buffer.decode(errors='replace')[-2000:]}")


@pytest.fixture
def previous(tmp_path):
    """A valid checkpoint already at --out, recognisable by its step."""
    model = models.build("cnn")
    return save_checkpoint(tmp_path / "model.pt", model="cnn", model_config={}, state_dict=model.state_dict(),
                           objective="classifier", dataset="mnist", step=424242)


@pytest.mark.parametrize("moment, signal_word", [
    ("starting", None),
    ("training", "step "),
    ("writing", "WRITING"),
    ("renaming", "RENAMING"),
])
def test_sigkill_leaves_the_previous_checkpoint_readable(previous, moment, signal_word):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, moment, str(previous)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        if signal_word is None:
            time.sleep(0.3)  # still importing torch
        else:
            _wait_for(proc, [signal_word])
        if moment in ("writing", "renaming"):  # really mid-save: the temporary file is there
            partial = list(previous.parent.glob(".model.pt.*.tmp"))
            assert partial and partial[0].stat().st_size > 8192
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert load_checkpoint(previous).meta["step"] == 424242  # the old checkpoint, whole

