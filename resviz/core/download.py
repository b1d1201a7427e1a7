"""Download a file safely: streamed into ``atomic_write``'s temporary file, checked, then renamed.

A download cut off, or one with the wrong checksum, never leaves a file where a good one
is expected (nor a temporary file beside it), and never replaces what is not a plain
file the user may write. Used for the datasets (MD5 from their publishers) and for
torchvision's pretrained weights (a SHA-256 prefix in the file's name).
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .atomic import atomic_write


class ChecksumMismatch(ValueError):
    """The downloaded bytes are not the file that was expected."""


class DownloadsOff(OSError):
    """RESVIZ_OFFLINE is set: resviz does not try the network (no waiting for time-outs)."""


def downloads_off() -> bool:
    return os.environ.get("RESVIZ_OFFLINE", "").strip().lower() not in ("", "0", "no", "false")


def download_checked(url: str, target: Path, algorithm: str, expected: str, timeout: float,
                     on_bytes: Callable[[int, int], None] | None = None, chunk: int = 1 << 16) -> None:
    """Fetch ``url`` to ``target`` if its ``algorithm`` hex digest starts with ``expected``
    (raises ChecksumMismatch, a ValueError, keeping nothing, if not). ``on_bytes(done, total)``
    reports progress when the server gives the size. A full disk raises ``atomic.DiskFull``,
    a target that may not be replaced ``atomic.UnsafeTarget``; with RESVIZ_OFFLINE set,
    ``DownloadsOff`` (an OSError, as when offline) before any connection."""
    if downloads_off():
        raise DownloadsOff(f"not downloading {url}: RESVIZ_OFFLINE is set")
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0)

        def stream(out: BinaryIO) -> None:
            """Copy and hash; raising here (before the rename) keeps a wrong file out of place."""
            digest, done = hashlib.new(algorithm), 0
            while block := response.read(chunk):
                out.write(block)
                digest.update(block)
                done += len(block)
                if on_bytes is not None and total:
                    on_bytes(done, total)
            if not digest.hexdigest().startswith(expected):
                raise ChecksumMismatch(f"{url} has the wrong checksum")

        atomic_write(target, stream)
