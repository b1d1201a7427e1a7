"""A run the window trains in several processes at once, through torch.distributed's own launcher.

``DistributedRun(config, processes, checkpoint, run_dir)`` starts
``python -m resviz torchrun --nproc-per-node N --stop-with-parent train --config FILE
--run-dir DIR --out CHECKPOINT`` (gloo on CPUs, NCCL on GPUs: ``core/distributed.py``)
and ``events()`` yields the run's events by following the run folder rank 0 writes,
exactly as a run on another machine is followed — so it shows as one run. ``stop()``
sends SIGTERM to the launcher, which passes it on: every process stops at the same step
and rank 0 saves. There is no pause (the processes agree on stopping only). If the
launcher ends without the run's last event, ``events()`` ends with a ``ChildDied`` that
says how, with the last line the launcher printed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .config_file import save_train_config
from .events import Done, Failed
from .process_run import ChildDied, child_environment, describe_exit
from .run_folder import RunFolderReader

POLL_S = 0.25  # how often the run folder is read
EXIT_WAIT_S = 10.0  # after its last event, the launcher has this long to end before it is killed


class DistributedRun:
    can_pause = False

    def __init__(self, config, processes: int, checkpoint_path, run_dir):
        if processes < 2:
            raise ValueError(f"a distributed run needs 2 or more processes, not {processes}")
        self.processes = processes
        self.run_dir = Path(run_dir)
        self._stopped = False
        handle, config_file = tempfile.mkstemp(prefix="resviz-config-", suffix=".json")
        os.close(handle)
        self._config_file = Path(config_file)
        save_train_config(self._config_file, config)
        self._log = tempfile.TemporaryFile("w+")  # the launcher's messages: the last one says why it failed
        env = child_environment()
        command = [sys.executable, "-m", "resviz", "torchrun", "--nproc-per-node", str(processes),
                   "--stop-with-parent", "train", "--config", str(self._config_file),
                   "--run-dir", str(self.run_dir), "--out", str(checkpoint_path)]
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=self._log, start_new_session=True)  # Ctrl-C in a terminal is the window's

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self._stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def pause(self) -> None:
        """Not available: the processes only agree on stopping."""

    resume = pause

    @property
    def paused(self) -> bool:
        return False

    @property
    def stopped(self) -> bool:
        return self._stopped

    def kill(self) -> None:
        """End the launcher and every process it started, at once (their group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)

    def wait(self, seconds: float) -> bool:
        try:
            self.process.wait(seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    def events(self) -> Iterator:
        reader = None
        try:
            while True:
                ended = self.process.poll() is not None
                if reader is None and (self.run_dir / "run.json").is_file():
                    reader = RunFolderReader(self.run_dir)
                for event in reader.poll() if reader is not None else ():
                    yield event
                    if isinstance(event, (Done, Failed)):
                        self._finish()
                        return
                if ended:  # read once more after it ended: its last lines may have come just before
                    yield self._stopped_early() if self._stopped else self._died()
                    return
                time.sleep(POLL_S)
        finally:
            self._config_file.unlink(missing_ok=True)
            self._log.close()

    def _finish(self) -> None:
        if not self.wait(EXIT_WAIT_S):
            self.kill()
            self.process.wait()

    def _stopped_early(self) -> Done:
        return Done(True, 0, 0, {}, 0.0, None, message="Stopped before training began.")

    def _died(self) -> ChildDied:
        code = self.process.returncode
        self._log.seek(0)
        lines = [line.strip() for line in self._log.read().splitlines() if line.strip()]
        said = f" It said: {lines[-1]}" if lines else ""
        return ChildDied(f"The {self.processes}-process training job (launcher pid {self.pid}) {describe_exit(code)} "
                         f"before the run ended.{said}", detail="\n".join(lines[-20:]), exit_code=code)
