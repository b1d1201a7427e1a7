"""Freed memory goes back to the system on Linux (glibc), and asking is harmless elsewhere."""

import sys

from resviz.core.memory import return_freed_memory


def test_freed_memory_is_handed_back_on_linux():
    assert return_freed_memory() is sys.platform.startswith("linux")
