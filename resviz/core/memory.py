"""Hand memory that Python and torch have freed back to the operating system.

glibc keeps freed heap memory in its arenas (one per thread that allocated), so after a
training thread ends, the process can stay hundreds of MB larger than what it uses:
measured, 50 Train -> Stop cycles in the window grew by ~320 MB in one step without this.
``malloc_trim(0)`` returns those pages. Elsewhere (macOS, Windows, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys


def _libc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_TRIM = _libc_trim()


def return_freed_memory() -> bool:
    """True if the C library was asked to give freed memory back."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
