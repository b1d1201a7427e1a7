"""A run that trains in a process of its own, seen from the process that started it (the window).

``ProcessRun(config, checkpoint, run_dir)`` hands the run to a worker process
(``run_child.py``) and ``events()`` yields its training events as ``Trainer.fit()``
would, in the caller's thread; ``pause()``, ``resume()`` and ``stop()`` reach it within
one optimizer step. The window's GIL, its panels and its frames are then never shared
with the optimizer: a small machine stays responsive, and a run that crashes or is
killed (out of memory, ``kill -9``) takes only its own process with it — ``events()``
ends with a ``ChildDied`` (a ``Failed``) that says how it ended.

Workers are started ahead (``WorkerPool``): each imports torch as soon as it starts,
so taking a warm one for Train skips that wait (about 7 s on a busy 2-core machine). A
tab that starts two runs at once asks for two warm ones ahead (``warm_up(2)``; a waiting
worker holds about 0.5 GB, torch and the preloaded MNIST): with one, the second run's
process was still importing torch while the first trained (the MNIST-1D pair started 6 s
apart, the CNN done before the MLP began; with two, 0.0 s apart). A worker trains one run and exits, so
whatever a run leaves behind in memory goes with its process. Nothing here imports Qt
or torch.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from .events import Failed, Snapshot
from .run_child import receive, send

SPARE_WORKERS = 1  # warm workers kept waiting for the next run
EXIT_WAIT_S = 5.0  # after its last event a worker has this long to exit before it is killed


@dataclass(frozen=True)
class ChildDied(Failed):
    """The training process ended without its last event: killed, crashed, out of memory."""

    exit_code: int | None = None  # negative: the signal that ended it


def describe_exit(code: int | None) -> str:
    """How a process ended, for a person: 'killed by signal 9 (SIGKILL)', 'exited with status 3'."""
    if code is None:
        return "is still running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "unknown"
        why = {signal.SIGKILL: " — the system may have run out of memory, or it was killed",
               signal.SIGSEGV: " — a crash in native code"}.get(-code, "")
        return f"was killed by signal {-code} ({name}){why}"
    return f"exited with status {code}"


def child_environment() -> dict:
    """This process's environment, with this very resviz importable however it was started (source tree, install)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH")]))
    return env


class Worker:
    """One training process and the window's end of its socket."""

    def __init__(self):
        mine, theirs = socket.socketpair()
        env = child_environment()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "resviz.core.run_child", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL)
        finally:
            theirs.close()
        self.conn = Connection(mine.detach())
        self.started = time.monotonic()
        self._send_lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def ready(self) -> bool:
        """Idle and warm: it said "ready" (torch imported), so a job handed to it starts at once.
        Asked of idle workers only: once a run reads its socket, ``ProcessRun.starting`` says it."""
        return self.alive() and self.conn.poll(0)

    def send(self, message) -> bool:
        with self._send_lock:
            return send(self.conn, message)

    def close(self, wait_s: float = EXIT_WAIT_S) -> int | None:
        """Close the socket (an idle worker then exits; a training one stops and saves), wait, then kill."""
        try:
            self.conn.close()
        except OSError:
            pass
        try:
            return self.process.wait(wait_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


class WorkerPool:
    """Training processes started ahead of need: ``take()`` gives a warm one and starts the next."""

    def __init__(self, spare: int = SPARE_WORKERS):
        self.spare = spare
        self._idle: list[Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def warm_up(self, count: int | None = None) -> None:
        """Start workers until ``count`` (default ``spare``) wait idle; they import torch meanwhile.
        Runs that should start together ask for as many as they are before they start."""
        with self._lock:
            self._idle = [w for w in self._idle if w.alive()]
            while not self._closed and len(self._idle) < (self.spare if count is None else count):
                self._idle.append(Worker())

    def ready_count(self) -> int:
        """Idle workers that have imported torch already."""
        with self._lock:
            return sum(worker.ready() for worker in self._idle)

    def take(self) -> Worker:
        with self._lock:
            worker = None
            while self._idle and worker is None:
                candidate = self._idle.pop(0)
                worker = candidate if candidate.alive() else None
            if worker is None:
                worker = Worker()
        self.warm_up()  # the next Train finds one waiting too
        return worker

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close(wait_s=1.0)


_default_pool: WorkerPool | None = None


def default_pool() -> WorkerPool:
    """The process's pool (closed at exit: idle workers end with it)."""
    global _default_pool
    if _default_pool is None:
        _default_pool = WorkerPool()
        atexit.register(_default_pool.close)
    return _default_pool


class ProcessRun:
    """One run training in a worker process; iterate ``events()`` in one thread, control from any."""

    can_pause = True

    def __init__(self, config, checkpoint_path=None, run_dir=None, pool: WorkerPool | None = None,
                 snapshot_interval: float | None = None, name: str = ""):
        self.run_dir = str(run_dir) if run_dir else None
        self._worker = (pool or default_pool()).take()
        self._ready = self._worker.ready()  # its process has imported torch: a warm one's "ready" waits unread
        self._paused = False
        self._stopped = False
        self._detached = False
        job = {"config": asdict(config), "checkpoint": str(checkpoint_path) if checkpoint_path else None,
               "run_dir": self.run_dir, "environ": dict(os.environ), "cwd": os.getcwd(), "name": name}
        if snapshot_interval is not None:
            job["snapshot_interval"] = snapshot_interval
        self._worker.send(("run", job))  # a worker that died already shows as ChildDied in events()

    @property
    def pid(self) -> int:
        return self._worker.pid

    # --- control, from any thread -----------------------------------------------------------
    def stop(self) -> None:
        self._stopped = True
        self._worker.send("stop")

    def pause(self) -> None:
        self._paused = True
        self._worker.send("pause")

    def resume(self) -> None:
        self._paused = False
        self._worker.send("resume")

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopped(self) -> bool:
        return self._stopped

    @property
    def starting(self) -> bool:
        """Its process is still importing torch: it was not warm when the run was handed to it."""
        return not self._ready and self._worker.alive()

    @property
    def can_detach(self) -> bool:
        """Only a run that writes a run folder can train on unwatched: the folder is how it is found again."""
        return self.run_dir is not None

    def detach(self) -> None:
        """Let the process train on after the window is gone, writing its run folder (``resviz DIR``
        follows it); ``events()`` ends at once, without a last event, and the process is left alone."""
        if not self.can_detach:
            raise ValueError("a run without a run folder cannot train on unwatched")
        self._detached = True
        self._paused = False
        self._worker.send("detach")
        try:  # the reader's receive() ends (EOF) once "detach" is on its way: the stream keeps their order
            with socket.socket(fileno=os.dup(self._worker.conn.fileno())) as ours:
                ours.shutdown(socket.SHUT_RDWR)
        except OSError:  # the process ended already
            pass

    @property
    def detached(self) -> bool:
        return self._detached

    def kill(self) -> None:
        """End the process at once (no checkpoint is saved): for a run that will not stop."""
        if self._worker.alive():
            self._worker.process.kill()

    def wait(self, seconds: float) -> bool:
        """True once the process has ended (within ``seconds``)."""
        try:
            self._worker.process.wait(seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    # --- the events ---------------------------------------------------------------------------
    def events(self) -> Iterator:
        """The run's events, as ``Trainer.fit()`` yields them; the last is a Done or a Failed."""
        ended = False
        try:
            while True:
                try:
                    message = receive(self._worker.conn)
                except (EOFError, OSError):
                    break
                kind = message[0]
                if kind == "end":
                    ended = True
                    break
                if kind == "ready":
                    self._ready = True
                elif kind == "event":
                    yield message[1]
                elif kind == "snapshot":
                    snapshot = _load_snapshot(*message[1:])
                    if snapshot is not None:
                        yield snapshot
            if not ended and not self._detached:
                yield self._died()
        finally:
            if self._detached:
                self._worker.conn.close()  # and nothing more: the process trains on without the window
            else:
                self._worker.close(EXIT_WAIT_S if ended else 0.5)

    def _died(self) -> ChildDied:
        try:
            code = self._worker.process.wait(EXIT_WAIT_S)
        except subprocess.TimeoutExpired:  # the socket closed, yet it runs: it cannot report any more
            self._worker.process.kill()
            code = self._worker.process.wait()
        how = describe_exit(code)
        return ChildDied(f"The training process (pid {self.pid}) {how}. The window and other runs go on.",
                         detail=f"exit status {code}", exit_code=code)


def _load_snapshot(step: int, epoch: int, model: str, model_config: dict, path: str) -> Snapshot | None:
    """The weights the worker wrote for this snapshot; None when a newer one already replaced the file."""
    from .run_folder import load_snapshot_weights

    state = load_snapshot_weights(Path(path))
    return None if state is None else Snapshot(step, epoch, model, model_config, state)
