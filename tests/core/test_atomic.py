"""atomic_write: replaces only writable regular files, never leaves a temporary file, says "disk full"."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from resviz.core import atomic
from resviz.core.atomic import DiskFull, UnsafeTarget, atomic_write, atomic_write_bytes, check_target


def test_a_regular_file_is_replaced_whole(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_missing_folders_are_made(tmp_path):
    atomic_write_bytes(tmp_path / "x" / "y" / "a.bin", b"1")
    assert (tmp_path / "x" / "y" / "a.bin").read_bytes() == b"1"


def test_dev_null_is_never_replaced():
    before = os.stat("/dev/null")
    with pytest.raises(UnsafeTarget, match="character device"):
        atomic_write_bytes("/dev/null", b"x")
    after = os.stat("/dev/null")
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


def test_a_fifo_a_folder_and_a_link_are_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder").mkdir()
    (tmp_path / "real").write_bytes(b"keep")
    os.symlink(tmp_path / "real", tmp_path / "link")
    for name, kind in (("pipe", "FIFO"), ("folder", "folder"), ("link", "symbolic link")):
        with pytest.raises(UnsafeTarget, match=kind):
            atomic_write_bytes(tmp_path / name, b"x")
    assert os.path.islink(tmp_path / "link") and (tmp_path / "real").read_bytes() == b"keep"


def test_a_read_only_file_is_refused_even_as_root(tmp_path):
    target = tmp_path / "keep.pt"
    target.write_bytes(b"precious")
    target.chmod(0o444)
    with pytest.raises(UnsafeTarget, match="read-only"):
        atomic_write_bytes(target, b"x")
    assert target.read_bytes() == b"precious"


def test_check_target_accepts_a_new_name(tmp_path):
    assert check_target(tmp_path / "new.pt") == tmp_path / "new.pt"


def test_a_failing_writer_leaves_nothing_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")

    def broken(file):
        file.write(b"half")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_no_space_is_said_as_disk_full(tmp_path):
    def full(file):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(DiskFull, match="disk is full"):
        atomic_write(tmp_path / "a.bin", full)
    assert os.listdir(tmp_path) == []


def test_torch_reporting_a_full_disk_as_runtime_error_is_disk_full(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "_free_bytes", lambda folder: 0)

    def torch_full(file):
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 58432 vs 58328")

    with pytest.raises(DiskFull, match="disk is full"):
        atomic_write(tmp_path / "a.pt", torch_full)


def test_other_runtime_errors_stay_what_they_are(tmp_path):
    def other(file):
        raise RuntimeError("something else")

    with pytest.raises(RuntimeError, match="something else") as caught:
        atomic_write(tmp_path / "a.pt", other)
    assert not isinstance(caught.value, DiskFull)


def test_leftovers_of_a_dead_writer_are_removed_at_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    leftover = tmp_path / f".a.pt.{dead_pid}-abc{atomic.TEMP_SUFFIX}"
    leftover.write_bytes(b"half a checkpoint")
    living = tmp_path / f".b.pt.{os.getppid()}-xyz{atomic.TEMP_SUFFIX}"  # a live process's write in progress
    living.write_bytes(b"being written")
    atomic_write_bytes(tmp_path / "c.pt", b"1")
    assert not leftover.exists()
    assert living.exists()
