"""Download a file safely: into a temporary file beside the target, checked, then renamed.

A download cut off, or one with the wrong checksum, never leaves a file where a good one
is expected. Used for the datasets (MD5 from their publishers) and for torchvision's
pretrained weights (a SHA-256 prefix in the file's name).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path


def download_checked(url: str, target: Path, algorithm: str, expected: str, timeout: float,
                     on_bytes: Callable[[int, int], None] | None = None, chunk: int = 1 << 16) -> None:
    """Fetch ``url`` to ``target`` if its ``algorithm`` hex digest starts with ``expected``
    (raises ValueError, keeping nothing, if not). ``on_bytes(done, total)`` reports progress
    when the server gives the size."""
    digest = hashlib.new(algorithm)
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                done = 0
                while block := response.read(chunk):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if on_bytes is not None and total:
                        on_bytes(done, total)
            if not digest.hexdigest().startswith(expected):
                raise ValueError(f"{url} has the wrong checksum")
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
