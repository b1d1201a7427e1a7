"""Before Qt starts: can it open a window here? If not, say what to install.

When Qt cannot load its platform plugin it prints a cryptic line and aborts the
process (``xcb-cursor0 or libxcb-cursor0 is needed``, then SIGABRT). A fresh Debian
or Ubuntu machine lacks a few of the X11 libraries that PySide6's ``xcb`` plugin
links to, so this module looks first, without importing Qt: it asks ``ldd`` which
libraries the plugin needs and cannot find, maps them to Debian package names, and
checks that the X display answers. ``find_problem()`` returns a message for a
person, or None when the window can open.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

# What PySide6's xcb plugin and the Qt libraries under it link to (readelf -d NEEDED,
# PySide6-Essentials 6.11 on Debian bookworm), as the packages that install them.
# apt pulls in the rest (libxcb1, libx11-6, libxkbcommon0, libfreetype6, ...).
APT_PACKAGES = (
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0", "libxcb-randr0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-shm0", "libxcb-sync1", "libxcb-xfixes0",
    "libxcb-xkb1", "libxcb-glx0", "libxkbcommon-x11-0", "libx11-xcb1", "libegl1", "libgl1",
    "libfontconfig1", "libdbus-1-3", "libglib2.0-0",
)
def apt_install(packages) -> str:
    """The install command for a person at this terminal: root (a container's shell often has no
    sudo) runs apt-get itself; anyone else through sudo."""
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get install -y {' '.join(packages)}"


APT_LINE = apt_install(APT_PACKAGES)

# soname -> the Debian/Ubuntu package that ships it
PACKAGE_OF = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0", "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1", "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-glx.so.0": "libxcb-glx0", "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1", "libX11.so.6": "libx11-6",
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0", "libGLdispatch.so.0": "libglvnd0",
    "libfontconfig.so.1": "libfontconfig1", "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3", "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0", "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0", "libwayland-egl.so.1": "libwayland-egl1",
}

HEADLESS_HINT = "The commands without a window work as they are: resviz train | eval | bench (resviz --help)."


def platform_plugin_dir() -> Path | None:
    """PySide6's ``Qt/plugins/platforms`` folder, found without importing PySide6."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "Qt" / "plugins" / "platforms"
    return folder if folder.is_dir() else None


def candidate_platforms(env=os.environ) -> list[str]:
    """The platform plugins Qt will try, in order: QT_QPA_PLATFORM's list, else the session's; []: no display."""
    requested = [name.split(":")[0].strip() for name in env.get("QT_QPA_PLATFORM", "").split(";")]
    if any(requested):
        return [name for name in requested if name]
    session = ["wayland"] if env.get("WAYLAND_DISPLAY") else []
    x11 = ["xcb"] if env.get("DISPLAY") else []
    # Qt prefers Wayland in a Wayland session and falls back to X11 (XWayland)
    return session + x11 if env.get("XDG_SESSION_TYPE") == "wayland" else x11 + session


def parse_ldd(text: str) -> list[str]:
    """The sonames ldd reports as ``not found``, in order, each once."""
    missing = []
    for line in text.splitlines():
        name, _, where = line.strip().partition("=>")
        if where.strip().startswith("not found") and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def missing_libraries(plugin: Path) -> list[str]:
    """Libraries ``plugin`` (and everything it loads) needs but the system lacks; [] if ldd is absent."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return parse_ldd(out.stdout)


def packages_for(sonames: list[str]) -> list[str]:
    """Debian package names for ``sonames``; a library we do not know stays as its soname."""
    packages = []
    for soname in sonames:
        package = PACKAGE_OF.get(soname, soname)
        if package not in packages:
            packages.append(package)
    return packages


def missing_libraries_message(platform: str, sonames: list[str]) -> str:
    own = [s for s in sonames if s.startswith(("libQt6", "libpyside6", "libshiboken6", "libicu"))]
    if own:
        return (f"resviz cannot open its window: PySide6's own libraries are missing ({', '.join(own)}).\n"
                "Reinstall it: pip install --force-reinstall PySide6-Essentials\n" + HEADLESS_HINT)
    return (
        f"resviz cannot open its window: Qt's {platform!r} platform plugin needs system libraries "
        f"that are not installed: {', '.join(sonames)}.\n"
        f"On Debian or Ubuntu install them with:\n  {apt_install(packages_for(sonames))}\n"
        f"(or everything Qt's window needs at once, as in the README:\n  {APT_LINE})\n" + HEADLESS_HINT
    )


def no_display_message() -> str:
    return (
        "resviz cannot open its window: there is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
        "Run it in a desktop session, over `ssh -X`, or on a virtual screen: xvfb-run resviz\n" + HEADLESS_HINT
    )


def x_display_problem(display: str) -> str | None:
    """Ask libxcb whether the X server at ``display`` accepts a connection (None: it does)."""
    name = ctypes.util.find_library("xcb")
    if name is None:
        return None  # the library check reports it
    try:
        xcb = ctypes.CDLL(name)
    except OSError:
        return None
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        if connection and xcb.xcb_connection_has_error(connection) == 0:
            return None
    finally:
        if connection:
            xcb.xcb_disconnect(connection)  # an error connection must be freed too
    return (f"resviz cannot open its window: the X display {display!r} (DISPLAY) does not answer or refuses "
            "this user. Is the X server running, and is XAUTHORITY right?\n" + HEADLESS_HINT)


def find_problem(env=os.environ, plugin_dir: Path | None = None) -> str | None:
    """Why Qt could not open a window here, as a message for a person; None when it can (or we cannot tell)."""
    if not sys.platform.startswith("linux"):
        return None
    platforms = candidate_platforms(env)
    if not platforms:
        return no_display_message()
    plugin_dir = plugin_dir or platform_plugin_dir()
    if plugin_dir is None:
        return None  # no PySide6 to look at: importing it will say so
    problems = [platform_problem(name, env, plugin_dir) for name in platforms]
    return None if None in problems else problems[0]


def platform_problem(platform: str, env, plugin_dir: Path) -> str | None:
    plugin = plugin_dir / f"libq{platform}.so"
    if not plugin.is_file():
        available = sorted(p.name[4:-3] for p in plugin_dir.glob("libq*.so"))
        return (f"resviz cannot open its window: Qt has no platform plugin {platform!r} (QT_QPA_PLATFORM). "
                f"Available: {', '.join(available)}.")
    missing = missing_libraries(plugin)
    if missing:
        return missing_libraries_message(platform, missing)
    if platform == "xcb":
        display = env.get("DISPLAY")
        return x_display_problem(display) if display else no_display_message()
    return None
