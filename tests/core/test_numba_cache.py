"""numba's disk cache (its index files are unpickled) is used only in a folder that is the user's alone."""

from __future__ import annotations

import logging
import os
import stat
import sys
import types

import pytest

from resviz.core.analysis import numba_cache


@pytest.fixture(autouse=True)
def _cache_home(tmp_path, monkeypatch):
    home = tmp_path / "cache"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.setenv("NUMBA_CACHE_DIR", "")  # recorded, so what import_umap sets there is undone
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setattr(logging.getLogger("resviz"), "propagate", True)  # configure_logging may have stopped it
    return home


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_fresh_cache_folder_is_made_for_the_user_alone(_cache_home):
    folder = numba_cache.private_cache_dir()
    assert folder == _cache_home / "resviz" / "numba"
    assert _mode(folder) == 0o700 and _mode(folder.parent) == 0o700


@pytest.mark.parametrize("which", ["numba", "resviz"])
def test_a_folder_others_may_write_is_not_used(_cache_home, which, caplog):
    folder = _cache_home / "resviz" / "numba"
    folder.mkdir(parents=True)
    os.chmod(_cache_home / "resviz" if which == "resviz" else folder, 0o777)
    assert numba_cache.private_cache_dir() is None
    assert "may be written by other users" in caplog.text and "disk cache is off" in caplog.text


def test_a_folder_of_another_user_is_not_used(_cache_home, monkeypatch, caplog):
    numba_cache.private_cache_dir()
    monkeypatch.setattr(numba_cache.os, "geteuid", lambda: os.getuid() + 1)
    assert numba_cache.private_cache_dir() is None and "belongs to another user" in caplog.text


def test_a_link_in_place_of_the_folder_is_not_used(_cache_home, tmp_path, caplog):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    (_cache_home / "resviz").mkdir(mode=0o700)
    (_cache_home / "resviz" / "numba").symlink_to(target)
    assert numba_cache.private_cache_dir() is None and "symbolic link" in caplog.text


def test_an_unsafe_numba_cache_dir_turns_caching_off(tmp_path, monkeypatch, caplog):
    import numba

    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(shared))
    monkeypatch.setattr(numba.config, "CACHE_DIR", numba.config.CACHE_DIR)
    enabled = []
    monkeypatch.setattr(numba_cache, "cache_jitted_functions", enabled.append)
    monkeypatch.setattr(numba_cache, "_prepared", False)
    monkeypatch.setitem(sys.modules, "umap", types.SimpleNamespace(UMAP="UMAP"))  # not the slow real import
    assert numba_cache.import_umap() == "UMAP"
    assert enabled == [] and numba.config.CACHE_DIR != str(shared)
    assert str(shared) in caplog.text


def test_a_private_folder_is_what_numba_is_pointed_at(_cache_home, monkeypatch):
    import numba

    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    enabled = []
    monkeypatch.setattr(numba_cache, "cache_jitted_functions", enabled.append)
    monkeypatch.setattr(numba_cache, "_prepared", False)
    monkeypatch.setitem(sys.modules, "umap", types.SimpleNamespace(UMAP="UMAP"))
    numba_cache.import_umap()
    assert enabled == list(numba_cache.PACKAGES)
    assert numba.config.CACHE_DIR == os.environ["NUMBA_CACHE_DIR"] == str(_cache_home / "resviz" / "numba")


def test_a_missing_cache_home_is_made_too(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "new" / "home" / "cache"))
    folder = numba_cache.private_cache_dir()
    assert folder == tmp_path / "new" / "home" / "cache" / "resviz" / "numba" and _mode(folder) == 0o700
