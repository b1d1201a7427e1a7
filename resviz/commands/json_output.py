"""The commands' JSON: one line on stdout for scripts, and an indented copy in ``--json PATH``.

The copy is written with ``core.atomic.atomic_write`` (never half a file, never into a
device or over a read-only file); commands check ``--json`` with ``checks.writable_file``
before their work, so a refusal here is only for what changed meanwhile.
"""

from __future__ import annotations

import json
import sys

from ..core.atomic import UnsafeTarget
from ..core.json_file import write_json_file


def emit(value, path: str | None) -> int:
    """Print ``value`` as the last stdout line and write it to ``path`` (unless None or "-");
    0, or 1 with a message when the file cannot be written (the line is printed anyway)."""
    if path and path != "-":
        try:
            write_json_file(value, path)
        except (OSError, UnsafeTarget) as error:  # DiskFull is an OSError and says so itself
            print(f"error: --json: cannot write {path}: {error}", file=sys.stderr)
            print(json.dumps(value))
            return 1
    print(json.dumps(value))
    return 0
