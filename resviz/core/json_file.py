"""A JSON file written whole or not at all (``atomic_write``): the commands' ``--json PATH``, bench results."""

from __future__ import annotations

import json
from pathlib import Path

from .atomic import atomic_write_bytes


def write_json_file(value, path: str | Path) -> Path:
    return atomic_write_bytes(Path(path).expanduser(), (json.dumps(value, indent=2) + "\n").encode("utf-8"))
