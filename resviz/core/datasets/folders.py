"""Where datasets are looked for and kept: an explicit folder, $RESVIZ_DATA, the per-user cache."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "resviz" / "data"


def candidate_roots(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched, in order: explicit, $RESVIZ_DATA, the per-user cache."""
    roots = []
    if data_dir:
        roots.append(Path(data_dir))
    if os.environ.get("RESVIZ_DATA"):
        roots.append(Path(os.environ["RESVIZ_DATA"]))
    roots.append(default_cache_dir())
    return roots
