"""Weights kept in a file and memory-mapped, so a finished run's History costs no memory.

A run's weight snapshots (what History scrubs through) are numpy arrays. While a run
trains, its newest ones stay in memory; when it ends they are written, each snapshot
to one file, and replaced by a ``SpilledState``: a read-only mapping of the same names
whose arrays are memory-mapped views of that file, made when a panel asks for them and
unmapped when it lets go. Fifty finished runs then cost the window their curves, not
their weights. The layout (names, dtypes, shapes, offsets) stays in memory: nothing is
parsed back from the file, which only ever holds raw numbers. The file is deleted when
its mapping is garbage collected (a thinned snapshot, a removed run) or the process exits.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ALIGN = 64  # bytes: every array starts on a cache-line boundary of the file


@dataclass(frozen=True)
class _Slot:
    dtype: str
    shape: tuple[int, ...]
    offset: int


class SpilledState(Mapping):
    """name -> read-only array, memory-mapped from one file on each access."""

    def __init__(self, path: Path, slots: dict[str, _Slot], nbytes: int):
        self.path, self._slots, self.nbytes = path, slots, nbytes
        self._finalizer = weakref.finalize(self, _unlink, str(path))

    def __getitem__(self, name: str) -> np.ndarray:
        slot = self._slots[name]
        if 0 in slot.shape:
            return np.zeros(slot.shape, dtype=slot.dtype)  # an empty array has nothing to map
        mapped = np.memmap(self.path, dtype=slot.dtype, mode="r", offset=slot.offset, shape=slot.shape or (1,))
        return mapped if slot.shape else np.array(mapped[0])  # a scalar (BatchNorm's batch count): one item, copied

    def __iter__(self) -> Iterator[str]:
        return iter(self._slots)

    def __len__(self) -> int:
        return len(self._slots)

    def __repr__(self) -> str:
        return f"SpilledState({len(self)} arrays, {self.nbytes:,} bytes in {self.path.name})"


def spill_state(state: Mapping[str, np.ndarray], folder: Path) -> SpilledState:
    """Write ``state``'s arrays to a new file in ``folder`` and map them from there."""
    if isinstance(state, SpilledState):
        return state
    folder.mkdir(parents=True, exist_ok=True)
    slots, offset = {}, 0
    descriptor, name = tempfile.mkstemp(prefix="snapshot-", suffix=".bin", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as file:
            for key, value in state.items():
                array = np.asarray(value)  # (ascontiguousarray would make a scalar 1-D)
                if not array.flags.c_contiguous:
                    array = array.copy(order="C")
                padding = -offset % ALIGN
                file.write(b"\0" * padding)
                offset += padding
                slots[str(key)] = _Slot(array.dtype.str, tuple(array.shape), offset)
                file.write(array.tobytes())
                offset += array.nbytes
    except BaseException:
        _unlink(name)
        raise
    return SpilledState(Path(name), slots, offset)


@functools.cache  # one folder per process, however many stores
def history_folder() -> Path:
    """This process's folder for spilled snapshots, under the user's cache (disk, not a RAM-backed /tmp).

    It is removed when the process exits; folders left by processes that were killed are
    removed by the next window that starts.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "resviz" / "history"
    base.mkdir(parents=True, exist_ok=True)
    for stale in base.glob("pid-*"):
        if not _alive(stale.name.removeprefix("pid-")):
            shutil.rmtree(stale, ignore_errors=True)
    folder = base / f"pid-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    atexit.register(shutil.rmtree, folder, True)
    return folder


def _alive(pid_text: str) -> bool:
    if not pid_text.isdigit():
        return True  # not ours to judge: leave it
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def resident_bytes(state: Mapping[str, np.ndarray]) -> int:
    """Bytes ``state`` holds in memory: none for a spilled one."""
    if isinstance(state, SpilledState):
        return 0
    return sum(a.nbytes for a in state.values())


def spilled_bytes(state: Mapping[str, np.ndarray]) -> int:
    return state.nbytes if isinstance(state, SpilledState) else 0


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
