"""Checks on command-line values, made before any data is loaded or any model built.

``whole_number`` and ``real_number`` are argparse ``type=`` functions: a bad value
stops the command at once with exit status 2 and argparse's
``argument --epochs: must be a whole number from 1 to 10,000 (got -1)``, so the message
names the flag and the allowed range. ``writable_file`` and ``existing_folder`` check
paths the same way but are called from ``run``, where the flag name is passed in.
``writable_file`` also refuses a target that exists and is not a regular file the user
may write (``core.atomic.check_target``): ``/dev/null``, a FIFO, a read-only file, as
root too, so no command does its work and then fails, or writes into a device.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from pathlib import Path

from ..core.atomic import UnsafeTarget, check_target


def whole_number(low: int, high: int):
    """An argparse type: an int with low <= value <= high."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low:,} to {high:,} (got {text!r})") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low:,} to {high:,} (got {value:,})")
        return value
    return parse


def real_number(low: float, high: float, *, low_inclusive: bool = True):
    """An argparse type: a finite float in [low, high] (or (low, high] without ``low_inclusive``)."""
    opening = "≥" if low_inclusive else ">"
    allowed = f"a finite number {opening} {low:g} and ≤ {high:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed} (got {text!r})") from None
        above_low = value >= low if low_inclusive else value > low
        if not (math.isfinite(value) and above_low and value <= high):
            raise argparse.ArgumentTypeError(f"must be {allowed} (got {text})")
        return value
    return parse


class PathProblem(ValueError):
    """A path given on the command line cannot be used; the message names the flag."""


def writable_file(flag: str, path: str | os.PathLike) -> Path:
    """``path`` can be written (by write-then-rename in its folder): probe the folder now, not after training.

    Folders that do not exist yet are fine if they could be created (the nearest
    existing one is probed). Raises ``PathProblem`` naming ``flag``.
    """
    path = Path(path).expanduser()
    if path.is_dir() and not path.is_symlink():
        raise PathProblem(f"{flag} {path} is a folder; give a file name, e.g. {flag} {path / 'model.pt'}")
    try:
        check_target(path)
    except UnsafeTarget as error:
        raise PathProblem(f"{flag}: {error}") from None
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise PathProblem(f"{flag} {path}: {folder} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".resviz-write-test-")
    except OSError as error:
        raise PathProblem(f"{flag} {path}: cannot write in {folder} ({error.strerror or error})") from None
    os.close(fd)
    os.unlink(probe)
    return path


def writable_folder(flag: str, path: str | os.PathLike, names: tuple[str, ...] = ()) -> Path:
    """``path`` is (or can be made) a folder whose files ``names`` can each be written."""
    path = Path(path).expanduser()
    if os.path.lexists(path) and not path.is_dir():
        kind = "a file" if path.is_file() else "not a folder"
        raise PathProblem(f"{flag} {path} is {kind}; give a folder (it is created if missing)")
    for name in names or ("probe",):
        writable_file(flag, path / name)
    return path


def existing_folder(flag: str, path: str | os.PathLike) -> Path:
    path = Path(path).expanduser()
    if not path.is_dir():
        raise PathProblem(f"{flag} {path}: no such folder")
    return path


def index_ranges(text: str) -> tuple[int, ...]:
    """An argparse type: '0-7', '3' or '0,2,5-7' -> the sorted whole numbers it names (each >= 0)."""
    def bad(why: str):
        return argparse.ArgumentTypeError(f"must be numbers and ranges like 0-7 or 0,2,5-7 ({why}; got {text!r})")

    chosen: set[int] = set()
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        try:
            first, last = int(low), int(high if dash else low)
        except ValueError:
            raise bad(f"{part.strip()!r} is not a number or a range") from None
        if first < 0 or last < first:
            raise bad(f"{part.strip()!r} does not count up from 0 or more")
        if last - first > 100_000:
            raise bad(f"{part.strip()!r} is too long a range")
        chosen.update(range(first, last + 1))
    return tuple(sorted(chosen))
