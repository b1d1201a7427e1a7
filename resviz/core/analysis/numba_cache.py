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

numba unpickles its index files (``.nbi``): whoever can replace them runs code in
resviz. So the cache is used only in a folder that is the user's alone: made 0700, and
checked before use, it and its parents up to the cache home (only itself for a
``NUMBA_CACHE_DIR``), to be real folders owned by this user that no one else may write.
Anything else turns the extra caching off (umap compiles in each process) and says why
in the ``resviz`` log.
"""

from __future__ import annotations

import importlib
import logging
import os
import stat
import sys
from pathlib import Path

PACKAGES = ("umap", "pynndescent")  # the packages whose numba functions UMAP runs (umap imports both)

log = logging.getLogger("resviz")


def cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def numba_cache_dir() -> Path:
    return cache_home() / "resviz" / "numba"


def why_not_private(folder: Path, top: Path | None = None) -> str | None:
    """None when ``folder`` (and each parent up to ``top``) is a real folder of this user's that only they
    may write; otherwise the reason. ``top`` itself may be a link (a home's .cache often is)."""
    chain = [folder, *_between(folder, top)] + ([top] if top is not None else [])
    uid = os.geteuid()
    for path in chain:
        try:
            info = os.stat(path) if path == top else os.lstat(path)
        except OSError as error:
            return f"{path} cannot be examined ({error.strerror or error})"
        if stat.S_ISLNK(info.st_mode):
            return f"{path} is a symbolic link"
        if not stat.S_ISDIR(info.st_mode):
            return f"{path} is not a folder"
        if info.st_uid != uid:
            return f"{path} belongs to another user (uid {info.st_uid})"
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return f"{path} may be written by other users (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def _between(folder: Path, top: Path | None) -> list[Path]:
    """``folder``'s parents below ``top``, nearest first (none when ``top`` is not above it)."""
    return [p for p in folder.parents if top is not None and top in p.parents]


def private_cache_dir() -> Path | None:
    """The folder for numba's cache, made 0700 if missing, or None (logged) when it is not the user's alone."""
    explicit = os.environ.get("NUMBA_CACHE_DIR")
    folder = Path(explicit) if explicit else numba_cache_dir()
    top = None if explicit else cache_home()
    try:
        (top or folder).parent.mkdir(parents=True, exist_ok=True)
        for path in ([top] if top is not None else []) + _between(folder, top)[::-1] + [folder]:
            if not os.path.lexists(path):
                os.mkdir(path, 0o700)
    except OSError as error:
        log.warning("numba's disk cache is off: %s cannot be made (%s)", folder, error.strerror or error)
        return None
    reason = why_not_private(folder, top)
    if reason is not None:
        log.warning("numba's disk cache is off (UMAP compiles in each process): %s; numba's cache must be "
                    "a folder only you may write, since numba runs what its index files say", reason)
        return None
    return folder


def use_cache_dir() -> Path | None:
    """Point numba at the private cache folder; returns it, or None when there is none to use."""
    folder = private_cache_dir()
    if folder is None:
        return None
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    import numba

    if numba.config.CACHE_DIR != str(folder):  # numba was imported before the variable was set
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
        if use_cache_dir() is not None:
            for package in PACKAGES:
                cache_jitted_functions(package)
        _prepared = True
    from umap import UMAP

    return UMAP
