"""Compile umap-learn's numba code once per machine, not once per process.

UMAP (umap-learn) and its nearest-neighbour search (pynndescent) are numba code,
compiled to machine code the first time each function runs: about half a minute
on a 2-core laptop before the first map appears. numba can keep what it compiled
on disk (``cache=True``), but most of umap-learn's functions are not declared so.
``Dispatcher.enable_caching()`` is what ``cache=True`` does; calling it on every
jitted function of those packages before their first use makes later processes
load the machine code instead of compiling it again.

The cache lives in the per-user cache folder (``~/.cache/resviz/numba``) unless
``NUMBA_CACHE_DIR`` names another; numba keys it by source file, signature and CPU.
Two of pynndescent's functions (``nn_descent``, ``nn_descent_internal``: the search
for 4,096 points or more) hold ctypes pointers that numba cannot cache; they still
compile in each process, in a few seconds.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

PACKAGES = ("umap", "pynndescent")  # the packages whose numba functions UMAP runs (umap imports both)


def numba_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "resviz" / "numba"


def use_cache_dir() -> Path:
    """Point numba at the cache folder (an explicit ``NUMBA_CACHE_DIR`` wins); returns it."""
    folder = Path(os.environ.setdefault("NUMBA_CACHE_DIR", str(numba_cache_dir())))
    import numba

    if not numba.config.CACHE_DIR:  # numba was imported before the variable was set
        numba.config.CACHE_DIR = str(folder)
    return folder


def cache_jitted_functions(package_name: str) -> int:
    """Turn on disk caching for the numba functions of ``package_name``'s imported modules; how many."""
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    importlib.import_module(package_name)
    modules = [m for name, m in list(sys.modules.items())
               if m is not None and (name == package_name or name.startswith(package_name + "."))]
    count = 0
    for module in modules:
        for value in list(vars(module).values()):
            if isinstance(value, CPUDispatcher) and isinstance(value._cache, NullCache):
                value.enable_caching()
                count += 1
    return count


_prepared = False


def import_umap():
    """``umap.UMAP``, with numba's disk cache on for umap-learn and pynndescent."""
    global _prepared
    if not _prepared:
        use_cache_dir()
        for package in PACKAGES:
            cache_jitted_functions(package)
        _prepared = True
    from umap import UMAP

    return UMAP
