"""The training process: ``python -m resviz.core.run_child FD`` trains one run for the window.

The window (``process_run.py``) starts it with one end of a socket pair as file
descriptor FD. It imports torch and the trainer at once, so a worker started early is
*warm*: when the first job arrives the run starts training without a second's import.
Then it waits for one job, trains it with the same ``Trainer`` as ``resviz train``, and
ends. What crosses the socket (pickled, both ways, between two processes of one user):

    window -> here   ("run", job)  once; then "pause" | "resume" | "stop" | "detach"
    here -> window   ("event", event)  every event but weight snapshots
                     ("snapshot", step, epoch, model, model_config, path)  the weights lie in the run folder
                     ("end",)  after the last event: the run folder is closed

Weight snapshots cross as files in the run's folder (``run_folder.py``), a few a second
at most, never pickled through the socket every step; when the folder cannot be
written they come through the socket instead, so the window still sees them. The
process runs at a lower CPU priority than the window (``os.nice``) and ignores Ctrl-C:
the window decides when it stops. When the window goes away (the socket closes) the
run stops as if Stop were pressed: it saves its checkpoint and ends.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
import threading
import time
from dataclasses import replace
from multiprocessing.connection import Connection

NICENESS = 5  # below the window: its frames come first on a small machine ($RESVIZ_TRAIN_NICE changes it)
SNAPSHOT_INTERVAL_S = 0.25  # at most four weight snapshots a second reach the window
SNAPSHOT_BYTES_PER_S = 50e6  # big models (a ResNet-50) send theirs less often
PRELOADED = ("mnist", None)  # (dataset, data dir) a warm worker loads while it waits: the Training form's default

log = logging.getLogger("resviz.run_child")


def niceness() -> int:
    """How much lower than the window's the training process's CPU priority is (0-19)."""
    try:
        return min(19, max(0, int(os.environ.get("RESVIZ_TRAIN_NICE", NICENESS))))
    except ValueError:
        return NICENESS


def send(conn: Connection, message) -> bool:
    """Pickle and send; False when the window has gone (the socket is closed)."""
    try:
        conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        return True
    except OSError:
        return False


def receive(conn: Connection):
    """The next message from the other end (raises EOFError once it has gone)."""
    return pickle.loads(conn.recv_bytes())


def training_threads() -> int:
    """Torch threads for training: every core but one, which the window keeps for drawing."""
    return max(1, (os.cpu_count() or 1) - 1)


class _Preload(threading.Thread):
    """Loads the default dataset while the worker waits for a job, so Train starts on data already read."""

    def __init__(self):
        super().__init__(name="resviz-preload", daemon=True)
        self.dataset = None

    def run(self):
        from .data import DatasetUnavailable, load_dataset

        try:
            self.dataset = load_dataset(*PRELOADED)
        except (DatasetUnavailable, OSError, ValueError) as error:  # the job loads (and reports) it itself
            log.debug("preloading %s failed: %s", PRELOADED[0], error)

    def for_job(self, config) -> object | None:
        """The preloaded dataset if the job trains on exactly it, else None."""
        wanted = (config.dataset, config.data_dir)
        if wanted != PRELOADED or config.dataset_options:
            return None
        self.join()
        return self.dataset


def snapshot_interval(state: dict, base: float = SNAPSHOT_INTERVAL_S) -> float:
    """Seconds between snapshots sent for weights of this size."""
    nbytes = sum(getattr(a, "nbytes", 0) for a in state.values())
    return max(base, nbytes / SNAPSHOT_BYTES_PER_S)


class _Listener(threading.Thread):
    """Reads the window's pause / resume / stop / detach; a closed socket stops the run (it still saves),
    unless the window said "detach" first: then it trains on, writing its run folder, for anyone to follow."""

    def __init__(self, conn: Connection, trainer, run_dir: str | None = None):
        super().__init__(name="resviz-run-control", daemon=True)
        self.conn, self.trainer, self.run_dir = conn, trainer, run_dir
        self.window_gone = threading.Event()
        self.detached = False

    def run(self):
        while True:
            try:
                command = receive(self.conn)
            except (EOFError, OSError):
                self.window_gone.set()
                if not self.detached:
                    self.trainer.stop()
                return
            if command == "detach":
                self._detach()
                continue
            action = {"pause": self.trainer.pause, "resume": self.trainer.resume,
                      "stop": self.trainer.stop}.get(command)
            if action is not None:
                action()

    def _detach(self) -> None:
        """Outlive the window: resume if paused (no one is left to press Resume), and leave its session
        so that closing its terminal (SIGHUP) does not end the run either; what it prints from now on
        goes to output.log in its run folder (the window's terminal may be gone)."""
        self.detached = True
        self.trainer.resume()
        if hasattr(os, "setsid"):
            try:
                os.setsid()
            except OSError:  # already a session leader: nothing to leave
                pass
        if self.run_dir:
            try:
                flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
                descriptor = os.open(os.path.join(self.run_dir, "output.log"), flags, 0o644)
            except OSError as error:
                log.warning("output.log could not be opened in %s (%s): output stays where it was", self.run_dir, error)
                return
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(descriptor, 1)
            os.dup2(descriptor, 2)
            os.close(descriptor)


class _Forwarder:
    """Sends a run's events: snapshots throttled (the newest held one goes before an Epoch or the end),
    written to the run folder first when there is one."""

    def __init__(self, conn: Connection, folder, interval: float):
        self.conn, self.folder, self.interval = conn, folder, interval
        self.held = None
        self.last_sent = 0.0
        self.connected = True

    def __call__(self, event) -> None:
        from .events import Done, Epoch, Failed, Snapshot

        if isinstance(event, Snapshot):
            if time.monotonic() - self.last_sent >= snapshot_interval(event.state, self.interval):
                self._send_snapshot(event)
            else:
                self.held = event
            return
        if self.held is not None and isinstance(event, (Epoch, Done, Failed)):
            self._send_snapshot(self.held)
        self._write(event)
        self._send(("event", _portable(event)))

    def _send_snapshot(self, snapshot) -> None:
        self.held, self.last_sent = None, time.monotonic()
        record = self._write(snapshot)
        if record is not None and record.get("state"):
            path = str(self.folder.folder / record["state"])
            self._send(("snapshot", snapshot.step, snapshot.epoch, snapshot.model, dict(snapshot.model_config), path))
        else:
            self._send(("event", snapshot))

    def _write(self, event) -> dict | None:
        """Log the event in the run folder; a folder that fails is let go (the run trains on)."""
        if self.folder is None:
            return None
        try:
            return self.folder.write(event)
        except (OSError, ValueError) as error:
            log.warning("the run folder %s could not be written (%s): it is no longer kept", self.folder.folder, error)
            self._close_folder()
            return None

    def _close_folder(self) -> None:
        folder, self.folder = self.folder, None
        try:
            folder.close()
        except OSError as error:
            log.warning("closing the run folder %s: %s", folder.folder, error)

    def _send(self, message) -> None:
        if self.connected:
            self.connected = send(self.conn, message)

    def finish(self) -> None:
        if self.folder is not None:
            self.folder.keep_only_newest_snapshot()
            self._close_folder()
        self._send(("end",))


def _portable(event):
    """The event as plain data: a checkpoint kept in memory carries numpy arrays, not tensors."""
    unsaved = getattr(event, "unsaved", None)
    if unsaved is None:
        return event
    state = {name: tensor.detach().cpu().numpy() for name, tensor in unsaved.state_dict.items()}
    return replace(event, unsaved=replace(unsaved, state_dict=state))


def _open_folder(path: str | None):
    from .run_folder import RunFolderWriter

    if not path:
        return None, ""
    try:
        return RunFolderWriter(path), ""
    except (OSError, ValueError) as error:
        return None, f"The run folder {path} could not be made ({error}); the run trains without one."


def train(conn: Connection, job: dict, preload: _Preload | None = None) -> None:
    """Train the job's run, sending its events; returns after the last one."""
    import torch

    from .events import Loading
    from .trainer import TrainConfig, Trainer

    torch.set_num_threads(job.get("threads") or training_threads())
    config = TrainConfig(**job["config"])
    dataset = preload.for_job(config) if preload is not None and job["environ"] == dict(os.environ) else None
    os.environ.clear()
    os.environ.update(job["environ"])  # the window's, as it is now: a warm worker was started earlier
    os.chdir(job["cwd"])
    trainer = Trainer(config, dataset, checkpoint_path=job.get("checkpoint"), name=job.get("name", ""))
    # SIGTERM (kill PID: how a run left training after the window closed is ended) stops and saves, as Stop does
    signal.signal(signal.SIGTERM, lambda _signal, _frame: trainer.stop())
    listener = _Listener(conn, trainer, job.get("run_dir"))
    listener.start()
    folder, note = _open_folder(job.get("run_dir"))
    forward = _Forwarder(conn, folder, job.get("snapshot_interval", SNAPSHOT_INTERVAL_S))
    if note:
        forward(Loading(note))
    for event in trainer.fit():
        forward(event)
    forward.finish()


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the window's terminal is the window's to handle
    if hasattr(os, "nice"):
        os.nice(niceness())
    conn = Connection(int(argv[0]))
    import torch
    import torch._dynamo  # noqa: F401 — every optimizer's constructor imports it the first time (1-2 s)

    from .denormals import flush_denormals

    flush_denormals()  # before the preload's first torch operation makes the worker threads

    from . import trainer  # noqa: F401

    send(conn, ("ready", os.getpid()))
    preload = _Preload()
    preload.start()
    try:
        command, job = receive(conn)
    except (EOFError, OSError):
        return 0  # a warm worker the window never used
    if command != "run":
        return 2
    try:
        train(conn, job, preload)
    except Exception as error:  # noqa: BLE001 — the window must hear why, not just see the process end
        import traceback

        from .events import Failed
        from .logs import log_failure

        text = traceback.format_exc()
        logged = log_failure(f"The training process failed: {error}", text)
        send(conn, ("event", Failed(f"Training stopped: {error}", f"{type(error).__name__}: {error}",
                                    traceback=text, log=str(logged) if logged else None)))
        send(conn, ("end",))
        return 1
    conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
