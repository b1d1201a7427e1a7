"""Where failures are written down: one dated log file a day in the per-user log folder.

A person sees a short message; the traceback a developer needs goes here, and the
message says where (``log_failure`` returns the path). The folder follows the XDG
base-directory rules: ``$XDG_STATE_HOME/resviz/logs``, else ``~/.local/state/resviz/logs``.
Qt-free, so the CLI, the trainer and the window all write the same files.

Each entry is one ``write`` to a file opened with ``O_APPEND``: two processes failing
at once interleave whole entries, never half lines.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
from pathlib import Path

LOGGER_NAME = "resviz"


def log_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "resviz" / "logs"


def log_path(day: _dt.date | None = None) -> Path:
    """Today's log file (created on first write)."""
    day = day or _dt.date.today()
    return log_dir() / f"resviz-{day.isoformat()}.log"


def append_to_log(text: str) -> Path:
    """Append ``text`` as one write; returns the file's path. Raises OSError if it cannot."""
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, text.encode("utf-8", "replace"))
    finally:
        os.close(fd)
    return path


def log_failure(message: str, traceback_text: str = "") -> Path | None:
    """Write a failure (what the person saw, then the traceback) to today's log.

    Returns the log file's path to show beside the message, or None when nothing
    could be written (a read-only home must not turn one failure into two).
    """
    stamp = _dt.datetime.now().isoformat(timespec="seconds")
    body = traceback_text.rstrip() or "(no traceback)"
    entry = f"=== {stamp} pid {os.getpid()} FAILURE\n{message.rstrip()}\n{body}\n\n"
    try:
        return append_to_log(entry)
    except OSError:
        return None


def with_log_hint(message: str, path: Path | None) -> str:
    """``message`` plus where its details are, for a person to read."""
    return f"{message} (details: {path})" if path else message


class _AppendHandler(logging.Handler):
    """A logging handler that writes each record with ``append_to_log`` (today's file)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            append_to_log(self.format(record) + "\n")
        except OSError:
            pass  # the log is a help, never a reason to fail


def configure_logging(verbose: bool = False) -> logging.Logger:
    """The ``resviz`` logger: warnings and up to the log file; with ``verbose``, everything to stderr too.

    Idempotent: calling it again replaces the handlers it added before.
    """
    logger = logging.getLogger(LOGGER_NAME)
    for handler in [h for h in logger.handlers if getattr(h, "_resviz", False)]:
        logger.removeHandler(handler)
    to_file = _AppendHandler(logging.WARNING)
    to_file.setFormatter(logging.Formatter("=== %(asctime)s pid %(process)d %(levelname)s %(name)s\n%(message)s\n"))
    handlers: list[logging.Handler] = [to_file]
    if verbose:
        to_stderr = logging.StreamHandler()
        to_stderr.setLevel(logging.DEBUG)
        to_stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handlers.append(to_stderr)
    for handler in handlers:
        handler._resviz = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logger.propagate = False
    return logger
