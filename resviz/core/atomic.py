"""The one way resviz writes a file: to a temporary file beside it, synced, then renamed.

A crash, a kill or a full disk mid-write never leaves half a file under the real name,
and a rename never replaces what is not a plain file the user may write: ``/dev/null``
is not a checkpoint, a FIFO is not a picture, a read-only file stays as it is, as root
too (root may write anything, so the permission *bits* are what count). Temporary files
carry their writer's process id, so the leftovers of a killed writer are removed at the
next write to the same folder while another process's write in progress is left alone.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".resviz.tmp"  # ends in .tmp, as temporary files do

_in_flight: set[str] = set()  # this process's temporary files being written now
_in_flight_lock = threading.Lock()


class UnsafeTarget(ValueError):
    """The target exists and is not a regular file that may be written; the message says what it is."""


class DiskFull(OSError):
    """Nothing could be written because the disk (or the user's quota) is full."""

    def __init__(self, folder: Path, detail: str = ""):
        free = _free_bytes(folder)
        left = f" ({_size(free)} free)" if free is not None else ""
        super().__init__(errno.ENOSPC, f"the disk is full: {folder} has no room for the file{left}"
                         + (f" [{detail}]" if detail else ""))
        self.folder = folder


def check_target(path: str | os.PathLike) -> Path:
    """``path`` as a Path if writing it would replace nothing but a writable regular file.

    Refused (``UnsafeTarget``): a folder, a device, a FIFO, a socket, a symbolic link (the
    rename would replace the link, not what it points to), a file without any write
    permission bit, or one this user may not write.
    """
    path = Path(path).expanduser()
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as error:
        raise UnsafeTarget(f"{path} cannot be examined ({error.strerror or error})") from None
    kind = _kind(info.st_mode)
    if kind != "a regular file":
        raise UnsafeTarget(f"{path} is {kind}, not a file resviz may replace")
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise UnsafeTarget(f"{path} is read-only; resviz does not replace it (choose another name, "
                           "or make it writable first)")
    return path


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(file)`` on a temporary file beside ``path``, sync it, rename it to ``path``.

    Raises ``UnsafeTarget`` before writing anything when ``path`` may not be replaced,
    ``DiskFull`` when the disk is full (also as torch reports it: a ``RuntimeError`` from
    its zip writer); any other error is raised as it is. The temporary file never stays.
    """
    path = check_target(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.{os.getpid()}-", suffix=TEMP_SUFFIX)
    except OSError as error:
        raise _disk_full_or(error, folder) from error
    with _in_flight_lock:
        _in_flight.add(tmp)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        check_target(path)  # a device or link put there while we wrote is not replaced either
        os.replace(tmp, path)
    except OSError as error:
        raise _disk_full_or(error, folder) from error
    except RuntimeError as error:
        raise _disk_full_or(error, folder) from error
    finally:
        with _in_flight_lock:
            _in_flight.discard(tmp)
        if os.path.lexists(tmp):
            os.unlink(tmp)
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    return atomic_write(path, lambda file: file.write(data))


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete temporary files left in ``folder`` by writers that are gone (killed mid-save)."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
            continue
        full = os.path.join(folder, name)
        writer = _writer_pid(name)
        with _in_flight_lock:
            busy = full in _in_flight
        if busy or (writer is not None and writer != os.getpid() and _alive(writer)):
            continue
        try:
            os.unlink(full)
            removed.append(Path(full))
        except OSError:
            pass  # another cleaner got there first, or the folder is read-only: harmless
    return removed


def _writer_pid(name: str) -> int | None:
    """The pid in ``.<target>.<pid>-<random>.resviz-tmp``, or None when there is none."""
    stem = name[: -len(TEMP_SUFFIX)]
    dot = stem.rfind(".")
    pid_text = stem[dot + 1:].split("-", 1)[0] if dot >= 0 else ""
    return int(pid_text) if pid_text.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _disk_full_or(error: BaseException, folder: Path) -> BaseException:
    """``DiskFull`` for a full disk however it was reported; else ``error`` itself."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(folder)
    if isinstance(error, RuntimeError) and _torch_write_failure(str(error)):
        free = _free_bytes(folder)
        if free is None or free < 64 << 20:  # torch says only "unexpected pos": ask the disk
            return DiskFull(folder, str(error).splitlines()[0][:200])
    return error


def _torch_write_failure(message: str) -> bool:
    return any(mark in message for mark in ("unexpected pos", "PytorchStreamWriter", "inline_container",
                                            "file write failed"))


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a regular file"
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"
