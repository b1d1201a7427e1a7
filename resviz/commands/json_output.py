"""The commands' JSON: one line on stdout for scripts, and an indented copy in ``--json PATH``."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def write_json_file(value, path: str | Path) -> None:
    Path(path).expanduser().write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def emit(value, path: str | None) -> int:
    """Print ``value`` as the last stdout line and write it to ``path`` (unless None or "-");
    0, or 1 with a message when the file cannot be written (the line is printed anyway)."""
    if path and path != "-":
        try:
            write_json_file(value, path)
        except OSError as error:
            print(f"error: --json: cannot write {path}: {error}", file=sys.stderr)
            print(json.dumps(value))
            return 1
    print(json.dumps(value))
    return 0
