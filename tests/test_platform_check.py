"""Before Qt starts: missing system libraries or no display give advice, not Qt's abort."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from resviz.qt import platform_check as pc

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f1)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f2)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
"""
needs_ldd = pytest.mark.skipif(shutil.which("ldd") is None or not sys.platform.startswith("linux"),
                               reason="needs Linux and ldd")


def test_parse_ldd_lists_each_missing_library_once():
    assert pc.parse_ldd(LDD_OUTPUT) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]


def test_missing_libraries_become_the_debian_packages_to_install(monkeypatch, tmp_path):
    (tmp_path / "libqxcb.so").write_bytes(b"")
    monkeypatch.setattr(pc, "missing_libraries", lambda plugin: pc.parse_ldd(LDD_OUTPUT))
    message = pc.find_problem({"DISPLAY": ":0"}, plugin_dir=tmp_path)
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in message
    assert f"{pc.apt_install(['libxcb-icccm4', 'libxcb-keysyms1'])}\n" in message
    assert pc.APT_LINE in message and "resviz train" in message


def test_the_install_command_has_sudo_only_for_a_user_who_is_not_root(monkeypatch):
    monkeypatch.setattr(pc.os, "geteuid", lambda: 0)
    assert pc.apt_install(["libegl1"]) == "apt-get install -y libegl1"  # a container's root shell has no sudo
    monkeypatch.setattr(pc.os, "geteuid", lambda: 1000)
    assert pc.apt_install(["libegl1"]) == "sudo apt-get install -y libegl1"


def test_the_readme_installs_every_package_the_message_names():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    apt_line = next(line for line in readme.splitlines() if line.startswith("apt-get install -y "))
    assert set(pc.APT_PACKAGES) <= set(apt_line.split())


@needs_ldd
def test_a_plugin_whose_libraries_cannot_be_found_is_reported_by_real_ldd(tmp_path):
    """The real xcb plugin copied away from PySide6's lib folder: ldd finds none of Qt's libraries."""
    folder = pc.platform_plugin_dir()
    if folder is None or not (folder / "libqxcb.so").is_file():
        pytest.skip("PySide6 has no xcb plugin here")
    shutil.copy(folder / "libqxcb.so", tmp_path / "libqxcb.so")
    missing = pc.missing_libraries(tmp_path / "libqxcb.so")
    assert "libQt6XcbQpa.so.6" in missing and "libQt6Gui.so.6" in missing
    message = pc.find_problem({"DISPLAY": ":0"}, plugin_dir=tmp_path)
    assert "PySide6's own libraries are missing" in message and "pip install --force-reinstall" in message


@needs_ldd
def test_the_offscreen_plugin_loads_here():
    """The tests themselves run offscreen: its libraries are all present, so no problem is reported."""
    assert pc.find_problem({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_no_display_at_all_is_said_plainly():
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    message = pc.find_problem({})
    assert "no display" in message and "xvfb-run resviz" in message and "resviz train" in message


def test_an_unknown_platform_lists_the_available_ones(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    for name in ("xcb", "offscreen"):
        (tmp_path / f"libq{name}.so").write_bytes(b"")
    message = pc.find_problem({"QT_QPA_PLATFORM": "nosuch"}, plugin_dir=tmp_path)
    assert "no platform plugin 'nosuch'" in message and "offscreen, xcb" in message


def test_a_fallback_platform_that_works_is_enough(monkeypatch, tmp_path):
    (tmp_path / "libqxcb.so").write_bytes(b"")
    (tmp_path / "libqwayland.so").write_bytes(b"")
    monkeypatch.setattr(pc, "missing_libraries", lambda plugin: ["libxcb-icccm.so.4"] if "xcb" in plugin.name else [])
    env = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}
    assert pc.candidate_platforms(env) == ["wayland", "xcb"]
    assert pc.find_problem(env, plugin_dir=tmp_path) is None
    assert pc.find_problem({"DISPLAY": ":0"}, plugin_dir=tmp_path) is not None


@pytest.mark.skipif(ctypes.util.find_library("xcb") is None, reason="needs libxcb")
def test_an_x_display_that_does_not_answer_is_reported():
    assert "':93' (DISPLAY) does not answer" in pc.x_display_problem(":93")


def test_if_qt_still_cannot_start_resviz_exits_1_with_advice_instead_of_aborting(tmp_path):
    """The net under the checks: Qt's qFatal becomes our message and exit status 1, not SIGABRT."""
    code = "from resviz.qt.app import create_app; create_app(); print('started')"
    env = {**os.environ, "QT_QPA_PLATFORM": "nosuch", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "resviz cannot open its window" in done.stderr and pc.APT_LINE in done.stderr
    assert "started" not in done.stdout
