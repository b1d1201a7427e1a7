"""Where failures are written down with their tracebacks: a per-user log folder.

A message box or a JSON line says what went wrong in words; the traceback a developer
needs goes to ``<state folder>/resviz/logs/resviz-<date>.log`` and the message names
that file. Writing the log must never be a second failure: if it cannot be written,
``log_failure`` returns None and the run's own message still stands.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path


def log_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "resviz" / "logs"


def log_failure(message: str, traceback_text: str = "") -> Path | None:
    """Append ``message`` and its traceback to today's log file; its path, or None if it could not be written."""
    now = _dt.datetime.now()
    path = log_dir() / f"resviz-{now:%Y-%m-%d}.log"
    entry = f"--- {now.isoformat(timespec='seconds')} pid {os.getpid()}\n{message}\n{traceback_text.rstrip()}\n\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as log:  # one write per entry: concurrent runs do not interleave
            log.write(entry)
    except OSError:
        return None
    return path
