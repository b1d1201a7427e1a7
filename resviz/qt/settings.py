"""What the window remembers between launches: a JSON file of plain values, never QSettings.

PySide's ``QSettings`` turns an ``@Variant(... PySide::PyObjectWrapper ...)`` entry back
into a Python object with pickle, for a whole INI section as soon as any key in it is
read (or the file is written back): a planted ``resviz.conf`` ran code when the window
opened. JSON holds only text, numbers, booleans, lists and maps, and reading it runs
nothing, so the settings live in ``$XDG_CONFIG_HOME/resviz/settings.json`` (else
``~/.config/resviz/settings.json``) and the old ``resviz.conf`` is never opened. Bytes
(the window's geometry) are kept as base64 text. Qt-free.

Every typed reader (``integer``, ``number``, ``text``, ``flag``, ``data``, ``texts``)
returns a value of its kind, clamped to the range asked for, or None: a damaged or
hand-edited file costs the remembered value, never the start.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import json
import logging
import math
import os
import shutil
import tempfile
from pathlib import Path

from ..core.atomic import atomic_write_bytes

FILE_NAME = "settings.json"
MAX_FILE_BYTES = 1 << 20  # a few kilobytes in use: a larger file is not ours
_SCALARS = (bool, int, float, str)

log = logging.getLogger("resviz")


def settings_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "resviz" / FILE_NAME


class Settings:
    """``value``/``setValue``/``beginGroup``/``endGroup``/``sync`` as QSettings spells them, over plain JSON."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else settings_path()
        self._values = _load(self.path)
        self._groups: list[str] = []

    @classmethod
    def throwaway(cls) -> Settings:
        """Settings in a folder of their own, deleted when the process ends: for the windows that
        benches and picture scripts open, which must neither read a person's remembered choices
        (the numbers would depend on them) nor leave theirs behind (a bench's model, device and
        window size in that person's Training form)."""
        folder = tempfile.mkdtemp(prefix="resviz-settings-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        return cls(Path(folder) / FILE_NAME)

    def fileName(self) -> str:  # QSettings' spelling: either reads the same
        return str(self.path)

    def beginGroup(self, name: str) -> None:
        self._groups.append(name.strip("/"))

    def endGroup(self) -> None:
        self._groups.pop()

    def _key(self, key: str) -> str:
        return "/".join([*self._groups, key])

    def value(self, key: str, default=None):
        """The stored plain value (bool, int, float, str, bytes or a list of scalars), or ``default``."""
        return self._values.get(self._key(key), default)

    def setValue(self, key: str, value) -> None:
        """Store ``value``; anything but a plain value is refused (TypeError), so none is ever written."""
        self._values[self._key(key)] = _plain(value)

    def remove(self, key: str) -> None:
        self._values.pop(self._key(key), None)

    def sync(self) -> bool:
        """Write the file (atomically); False, with the reason logged, when it cannot be written."""
        stored = {key: ({"base64": base64.b64encode(v).decode("ascii")} if isinstance(v, bytes) else v)
                  for key, v in self._values.items()}
        try:
            atomic_write_bytes(self.path, json.dumps(stored, indent=1, sort_keys=True).encode("utf-8"))
        except (OSError, ValueError) as error:  # ValueError: atomic_write's UnsafeTarget
            log.warning("settings not saved to %s: %s", self.path, error)
            return False
        return True

    # --- typed readers: the kind asked for, within range, or None

    def integer(self, key: str, low: int, high: int) -> int | None:
        value = self.value(key)
        if isinstance(value, bool) or not isinstance(value, int | str):
            return None
        try:
            number = int(value)
        except ValueError:  # not digits, or more digits than Python converts
            return None
        return min(max(number, low), high)

    def number(self, key: str, low: float, high: float) -> float | None:
        value = self.value(key)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            number = float(value)
        except (ValueError, OverflowError):
            return None
        return min(max(number, low), high) if math.isfinite(number) else None

    def text(self, key: str) -> str | None:
        value = self.value(key)
        return value if isinstance(value, str) else None

    def flag(self, key: str) -> bool | None:
        value = self.value(key)
        if isinstance(value, bool):
            return value
        return {"true": True, "1": True, "false": False, "0": False}.get(str(value).lower()) \
            if isinstance(value, int | str) else None

    def data(self, key: str) -> bytes | None:
        value = self.value(key)
        return value if isinstance(value, bytes) else None

    def texts(self, key: str) -> list[str]:
        value = self.value(key)
        if isinstance(value, str):
            return [value]
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _plain(value):
    if value is None or isinstance(value, _SCALARS):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"settings hold finite numbers only, not {value}")
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, list | tuple) and all(isinstance(v, _SCALARS) for v in value):
        return list(value)
    raise TypeError(f"settings hold plain values only, not {type(value).__name__}")


def _load(path: Path) -> dict[str, object]:
    """The file's plain values; anything else in it is left out (and the file, if unreadable, ignored)."""
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as error:
        log.warning("settings not read from %s: %s", path, error)
        return {}
    if len(raw) > MAX_FILE_BYTES:
        log.warning("settings not read from %s: larger than %d bytes", path, MAX_FILE_BYTES)
        return {}
    try:
        stored = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # ValueError covers bad UTF-8 and bad JSON
        log.warning("settings not read from %s: %s", path, error)
        return {}
    if not isinstance(stored, dict):
        return {}
    values = {}
    for key, value in stored.items():
        value = _from_json(value)
        if value is not None:
            values[key] = value
    return values


def _from_json(value):
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value):
        return value
    if isinstance(value, dict) and set(value) == {"base64"} and isinstance(value["base64"], str):
        try:
            return base64.b64decode(value["base64"], validate=True)
        except (binascii.Error, ValueError):
            return None
    return None
