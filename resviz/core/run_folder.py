"""Run folders: a run's process writes one as it trains, and anyone can follow it from elsewhere.

A ``resviz train --run-dir DIR`` in another terminal, or rank 0 of a torchrun job on a
cluster writing to a shared file system, leaves in DIR what the window needs to show the
run live, the way TensorBoard follows a log folder (tensorflow/tensorboard's
``directory_watcher.py`` / ``event_file_loader.py``: read what is complete, remember the
offset, tolerate a half-written last record)::

    DIR/run.json                      {"format": "resviz.run-folder", "version": 1, "created", "host", "pid", ...}
    DIR/events.jsonl                  one JSON object per line: "type", the event's fields, "time"
    DIR/snapshots/step-00000123.pt    the newest few weight snapshots (torch.save of plain tensors)
    DIR/checkpoint.pt                 the run's checkpoint (the CLI's default --out with --run-dir)

The log is append-only: each record is one ``os.write`` on an ``O_APPEND`` descriptor, so
a reader sees whole lines, except perhaps a last one still being written, which it leaves
for its next poll. Every other file is written whole through ``core.atomic``; a snapshot's
weights land before its log record, so a record never names a file that was never there
(though an old one may have been rotated away since: the reader skips it). Nothing here
imports Qt; torch is imported only to write or read weights.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
import socket
import time
from pathlib import Path

import numpy as np

from .atomic import UnsafeTarget, atomic_write, atomic_write_bytes, check_target
from .events import Done, Epoch, Failed, Loading, Recorded, Snapshot, Started, Step

FORMAT = "resviz.run-folder"
VERSION = 1
RUN_FILE = "run.json"
EVENTS_FILE = "events.jsonl"
SNAPSHOTS = "snapshots"
CHECKPOINT_FILE = "checkpoint.pt"

EVENT_TYPES = {cls.__name__: cls for cls in (Started, Step, Epoch, Snapshot, Recorded, Done, Failed)}
NOT_LOGGED = {"unsaved"}  # weights held in memory: they belong in a checkpoint, not a log
SYNC_EVERY_S = 1.0  # at most this often the log is synced (a network file system shows others what is synced)
READ_LIMIT = 8 << 20  # bytes one poll reads at most: a long log is caught up over a few polls
NUL_RETRIES = 3  # polls a line holding NUL bytes (NFS: the size arrived before the data) is re-read before it is skipped

log = logging.getLogger("resviz.run_folder")


def run_folders_dir() -> Path:
    """Where the window's own runs keep their folders: $RESVIZ_RUNS, else the user data folder."""
    if os.environ.get("RESVIZ_RUNS"):
        return Path(os.environ["RESVIZ_RUNS"])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "resviz" / "runs"


def default_run_folder(name: str) -> Path:
    """A new folder under ``run_folders_dir()`` named ``name`` (``name-2``, ... when taken)."""
    parent = run_folders_dir()
    for n in range(1, 10_000):
        folder = parent / (name if n == 1 else f"{name}-{n}")
        if not os.path.lexists(folder):
            return folder
    raise UnsafeTarget(f"{parent} holds 10,000 run folders named {name}: delete some")


# --- what a run folder is ---------------------------------------------------------------------

def is_run_folder(path) -> bool:
    """``path`` is a folder holding a ``run.json`` of this format."""
    try:
        return _read_run_info(Path(path)) is not None
    except (OSError, ValueError):
        return False


def _read_run_info(folder: Path) -> dict | None:
    """The folder's run.json as a dict when it is a run folder's, else None."""
    if not folder.is_dir():
        return None
    try:
        info = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return info if isinstance(info, dict) and info.get("format") == FORMAT else None


def check_new_run_folder(folder: str | os.PathLike) -> Path:
    """``folder`` as a Path if a new run may write it: missing, empty, or a run folder with no events yet.

    Refused with ``UnsafeTarget`` (a ``ValueError``) whose message says why: a file or device
    where the folder should be, another run's events, or a folder of other things (a run's
    files scattered among them could not be told apart). Creates nothing, so a command can
    ask before any work and every process of a torchrun job may ask.
    """
    folder = Path(folder).expanduser()
    if os.path.lexists(folder) and not folder.is_dir():
        raise UnsafeTarget(f"{folder} is not a folder; give a folder for the run (it is created if missing)")
    if not folder.exists():
        return folder
    events = folder / EVENTS_FILE
    info = _read_run_info(folder)
    if info is not None and os.path.lexists(events) and _size(events) > 0:
        raise UnsafeTarget(f"{folder} already holds the events of another run (started {info.get('created', '?')} "
                           f"on {info.get('host', '?')}); give a new folder, or delete that one first")
    if info is None and any(True for _ in folder.iterdir()):
        raise UnsafeTarget(f"{folder} is not empty and is not a resviz run folder; give a new or empty folder")
    for name in (RUN_FILE, EVENTS_FILE, CHECKPOINT_FILE):
        check_target(folder / name)  # a device, FIFO or read-only file in its place is refused too
    return folder


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _process_start(pid: int) -> str | None:
    """When process ``pid`` started (Linux's /proc start time), to tell it from a later one with its pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None  # field 22 of stat; the 3rd after the command's ")"


def _process_state(pid: int) -> str | None:
    """The one-letter state of ``pid`` on Linux ("Z": a zombie, dead though its pid answers); None elsewhere."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return None


# --- writing ------------------------------------------------------------------------------------

class RunFolderWriter:
    """Writes a run's events into its run folder as they happen (one writer per folder).

    ``keep_snapshots``: how many of the newest weight snapshots stay on disk (0: none are
    written); a follower that falls behind finds the older ones gone and skips them.
    """

    def __init__(self, folder: str | Path, *, keep_snapshots: int = 3):
        if keep_snapshots < 0:
            raise ValueError(f"keep_snapshots must be 0 or more, not {keep_snapshots}")
        self.folder = check_new_run_folder(folder)
        self.keep_snapshots = keep_snapshots
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.folder / RUN_FILE, json.dumps(self._run_info(), indent=1).encode())
        events = check_target(self.folder / EVENTS_FILE)
        self._fd: int | None = os.open(events, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._last_sync = 0.0

    @staticmethod
    def _run_info() -> dict:
        from .. import __version__

        pid = os.getpid()
        return {"format": FORMAT, "version": VERSION, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "host": socket.gethostname(), "pid": pid, "pid_start": _process_start(pid),
                "resviz_version": __version__}

    @property
    def closed(self) -> bool:
        return self._fd is None

    def __enter__(self) -> RunFolderWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def write(self, event) -> dict | None:
        """Append ``event`` to the log (a Snapshot's weights first, to snapshots/); Loading is not kept.
        The record written (a snapshot's ``state`` is its file, relative to the folder), or None."""
        if isinstance(event, Loading):
            return None
        if self._fd is None:
            raise ValueError(f"the run folder {self.folder} is closed")
        record = self._record(event)
        if record is None:
            return None
        self._append(record)
        important = isinstance(event, (Epoch, Snapshot, Done, Failed, Started))
        if important or time.monotonic() - self._last_sync >= SYNC_EVERY_S:
            self._sync()
        return record

    def _record(self, event) -> dict | None:
        """The log line's fields for ``event``; None when it leaves no line (a snapshot with none kept)."""
        name = type(event).__name__
        if name not in EVENT_TYPES:
            raise TypeError(f"not a training event: {event!r}")
        fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event) if f.name not in NOT_LOGGED}
        if isinstance(event, Snapshot):
            if not self.keep_snapshots:
                return None
            fields["state"] = self._save_snapshot(event)
        elif isinstance(event, (Done, Failed)) and event.checkpoint:
            fields["checkpoint"] = self._relative(event.checkpoint)
        elif isinstance(event, Recorded):
            values = np.asarray(event.values)
            fields["values"], fields["dtype"] = values.tolist(), str(values.dtype)
        return {"type": name, **fields, "time": time.time()}

    def _relative(self, path: str) -> str:
        """``path`` relative to the folder when it lies inside (the folder may be moved or mounted elsewhere)."""
        absolute = Path(path).expanduser().resolve()
        try:
            return absolute.relative_to(self.folder.resolve()).as_posix()
        except ValueError:
            return str(path)

    def _save_snapshot(self, event: Snapshot) -> str:
        """Write the weights to snapshots/step-NNNNNNNN.pt, drop the oldest beyond ``keep_snapshots``;
        the file's name relative to the folder."""
        import torch

        tensors = {name: torch.from_numpy(np.array(array, copy=True, order="C"))
                   for name, array in event.state.items()}
        relative = f"{SNAPSHOTS}/step-{event.step:08d}.pt"
        atomic_write(self.folder / relative, lambda file: torch.save(tensors, file))
        self._rotate()
        return relative

    def keep_only_newest_snapshot(self) -> None:
        """A run that ended needs only its last weights on disk (its checkpoint holds them too)."""
        if self.keep_snapshots:
            self._rotate(1)

    def _rotate(self, keep: int | None = None) -> None:
        files = sorted((self.folder / SNAPSHOTS).glob("step-*.pt"))
        for old in files[:-(keep or self.keep_snapshots)]:
            try:
                old.unlink()
            except FileNotFoundError:
                pass

    def _append(self, record: dict) -> None:
        """One line, one ``os.write``: readers never see two records' bytes interleaved or a line's middle."""
        data = (json.dumps(record, default=_plain, separators=(",", ":")) + "\n").encode("utf-8")
        written = os.write(self._fd, data)
        while written < len(data):  # only a signal or a nearly full disk splits a write: finish the line
            written += os.write(self._fd, data[written:])

    def _sync(self) -> None:
        os.fsync(self._fd)
        self._last_sync = time.monotonic()

    def close(self) -> None:
        """Sync and close the log (again: nothing)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _plain(value):
    """JSON for what ``json`` does not know: numpy numbers and arrays, paths."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} is not written to a run folder")


# --- reading ------------------------------------------------------------------------------------

class RunFolderReader:
    """Follows a run folder: each ``poll()`` returns the events appended since the last one.

    ``last_update``: the writer's clock (``time.time()``) at the newest record read;
    ``finished``: a Done or Failed has been read.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).expanduser()
        self.info = self._open_info()
        self.last_update: float | None = None
        self.finished = False
        self._offset = 0
        self._nul_tries = 0

    def _open_info(self) -> dict:
        if not self.folder.is_dir():
            raise ValueError(f"{self.folder} is not a folder, so not a resviz run folder")
        info = _read_run_info(self.folder)
        if info is None:
            raise ValueError(f"{self.folder} is not a resviz run folder (it has no {RUN_FILE} of format {FORMAT})")
        version = info.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise ValueError(f"{self.folder} was written by a newer resviz (run folder version {version!r}; "
                             f"this one reads up to {VERSION}): update resviz to follow it")
        return info

    @property
    def checkpoint(self) -> Path | None:
        """The folder's checkpoint.pt when it is there."""
        path = self.folder / CHECKPOINT_FILE
        return path if path.is_file() else None

    def writer_alive(self) -> bool | None:
        """Whether the writing process still runs: known on its own host only (elsewhere None)."""
        if self.info.get("host") != socket.gethostname():
            return None
        pid = self.info.get("pid")
        if not isinstance(pid, int) or pid <= 0:
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # another user's process: it exists
        if _process_state(pid) == "Z":
            return False
        started = self.info.get("pid_start")
        return not (started and _process_start(pid) not in (None, started))  # the pid went to another process

    def poll(self) -> list:
        """The events written since the last poll, rebuilt as core/events.py's records, oldest first."""
        lines = self._read_complete_lines()
        events = []
        for line in lines:
            event = self._event(line)
            if event is not None:
                events.append(event)
        return events

    def _read_complete_lines(self) -> list[bytes]:
        """The whole lines after the remembered offset, which then moves past them (not past a last half line)."""
        try:
            with open(self.folder / EVENTS_FILE, "rb") as file:  # opened anew: a network file system revalidates
                size = os.fstat(file.fileno()).st_size
                if size < self._offset:
                    log.warning("%s shrank (%d < %d bytes read): reading it again from the start",
                                self.folder / EVENTS_FILE, size, self._offset)
                    self._offset = 0
                file.seek(self._offset)
                data = file.read(READ_LIMIT)
                if len(data) == READ_LIMIT and b"\n" not in data:  # one line longer than the limit: read it whole
                    data += file.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n")
        if end < 0:
            return []
        lines = data[:end + 1].splitlines()
        taken = self._before_unwritten(lines)
        self._offset += sum(len(line) + 1 for line in taken)
        return taken

    def _before_unwritten(self, lines: list[bytes]) -> list[bytes]:
        """The lines up to one holding NUL bytes (a network file system's not-yet-arrived data), which is
        read again at the next polls, and passed on (to be skipped as corrupt) once seen ``NUL_RETRIES`` times."""
        for index, line in enumerate(lines):
            if b"\0" not in line:
                continue
            if index == 0 and self._nul_tries >= NUL_RETRIES:
                self._nul_tries = 0
                return [line, *self._before_unwritten(lines[1:])]
            self._nul_tries += 1
            return lines[:index]
        self._nul_tries = 0
        return lines

    def _event(self, line: bytes):
        """One log line as an event; None (logged) for a corrupt line, an unknown type or a rotated snapshot."""
        if not line.strip():
            return None
        try:
            record = json.loads(line.decode("utf-8"))
            cls = EVENT_TYPES[record.pop("type")]
            stamp = record.pop("time", None)
            event = self._rebuild(cls, record)
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as error:
            log.warning("%s: skipped a corrupt line (%s: %s): %.200r", self.folder / EVENTS_FILE,
                        type(error).__name__, error, line)
            return None
        if isinstance(stamp, (int, float)):
            self.last_update = float(stamp)
        if isinstance(event, (Done, Failed)):
            self.finished = True
        return event

    def _rebuild(self, cls, record: dict):
        """The frozen dataclass from its logged fields (lists back to tuples, arrays, paths)."""
        if cls is Snapshot:
            return self._snapshot(record)
        if cls is Recorded:
            record["values"] = np.asarray(record["values"], dtype=record.pop("dtype", None))
        if cls in (Done, Failed) and record.get("checkpoint"):
            record["checkpoint"] = self._absolute(record["checkpoint"])
        known = {f.name: f for f in dataclasses.fields(cls)}
        values = {name: _as_field(known[name], value) for name, value in record.items() if name in known}
        return cls(**values)

    def _absolute(self, path: str) -> str:
        return path if os.path.isabs(path) else str(self.folder / path)

    def _snapshot(self, record: dict) -> Snapshot | None:
        """A Snapshot with its weights read from the folder; None when the file has been rotated away."""
        path = self.folder / record["state"]
        state = load_snapshot_weights(path)
        if state is None:
            return None
        return Snapshot(int(record["step"]), int(record["epoch"]), str(record["model"]),
                        dict(record.get("model_config") or {}), state)


def _as_field(field: dataclasses.Field, value):
    """A logged value in its field's type: JSON writes tuples as lists."""
    if isinstance(value, list) and str(field.type).startswith("tuple"):
        return tuple(value)
    return value


def load_snapshot_weights(path: Path) -> dict[str, np.ndarray] | None:
    """A snapshot file's tensors as numpy arrays (plain data only); None when it is gone or unreadable."""
    import torch

    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        log.debug("%s was rotated away before it was read: skipped", path)
        return None
    except (OSError, RuntimeError, ValueError, EOFError, pickle.UnpicklingError) as error:  # torch's unpickler says a bad file many ways
        log.warning("%s cannot be read (%s): skipped", path, error)
        return None
    if not isinstance(loaded, dict) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        log.warning("%s does not hold named tensors: skipped", path)
        return None
    return {str(name): tensor.numpy() for name, tensor in loaded.items()}
