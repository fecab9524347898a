"""Can a window open here at all? Checked on Linux before the QApplication is created.

Qt aborts the whole process (SIGABRT, no Python exception) when its platform plugin cannot
load, and says so only in a line on stderr that names one library of several. So, before Qt
tries: with no display at all the user is told so; on X11 the system libraries the xcb
plugin links against are opened one by one (``dlopen``, as the plugin's loader would) and the
missing ones are named with the exact ``apt`` and ``dnf`` command that installs them.

The libraries checked are those the installed plugin itself declares (its ELF ``NEEDED``
entries, and those of the Qt module it loads), less the ones PySide6 ships; the table below
only maps them to package names. Nothing here imports Qt's widgets or GUI modules.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: soname -> (Debian/Ubuntu package, Fedora package), for what Qt 6's xcb plugin links to.
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
}

# The C and C++ runtimes are there whenever Python is; never worth naming.
_ALWAYS_THERE = ("libc.so", "libm.so", "libdl.so", "libpthread.so", "librt.so",
                 "libstdc++.so", "libgcc_s.so", "ld-linux")


@dataclass(frozen=True)
class WindowProblem:
    """Why the window cannot open here, as a message for the user."""

    message: str
    missing: tuple[str, ...] = ()


def platform_will_be_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will pick its X11 (xcb) plugin, from the variables it reads itself."""
    chosen = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen == "xcb"
    # Qt 6 prefers Wayland in a Wayland session and falls back to X11 (XWayland) otherwise.
    wayland = bool(env.get("WAYLAND_DISPLAY")) and env.get("XDG_SESSION_TYPE") == "wayland"
    return bool(env.get("DISPLAY")) and not wayland


def elf_needed(path: Path) -> list[str]:
    """The ``DT_NEEDED`` sonames of a 64-bit little-endian ELF file ([] if unreadable)."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return []
    try:
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                    for i in range(shnum)]
        dynamic = next(s for s in sections if s[1] == 6)  # SHT_DYNAMIC
        strtab = sections[dynamic[6]]  # sh_link: its string table
        needed = []
        for offset in range(dynamic[4], dynamic[4] + dynamic[5], 16):
            tag, value = struct.unpack_from("<qQ", data, offset)
            if tag == 0:  # DT_NULL
                break
            if tag == 1:  # DT_NEEDED
                start = strtab[4] + value
                needed.append(data[start:data.index(b"\0", start)].decode())
        return needed
    except (struct.error, StopIteration, IndexError, ValueError):
        return []


def _qt_dir() -> Path | None:
    try:
        import PySide6  # the package only: no Qt module is loaded by this
    except ImportError:
        return None
    folder = Path(PySide6.__file__).parent / "Qt"
    return folder if folder.is_dir() else None


def xcb_plugin_libraries(qt_dir: Path | None = None) -> list[str]:
    """System libraries Qt's xcb plugin needs: what the installed plugin and its Qt module
    declare, less Qt's own and the C runtime; the known list if the plugin cannot be read."""
    qt_dir = qt_dir or _qt_dir()
    declared: list[str] = []
    if qt_dir is not None:
        for path in (qt_dir / "plugins" / "platforms" / "libqxcb.so",
                     qt_dir / "lib" / "libQt6XcbQpa.so.6"):
            declared += elf_needed(path)
    if not declared:
        return list(XCB_LIBRARIES)
    shipped = ({p.name for p in (qt_dir / "lib").iterdir()}
               if qt_dir is not None and (qt_dir / "lib").is_dir() else set())
    out: list[str] = []
    for name in declared:
        if name in shipped or name.startswith("libQt") or name in out:
            continue
        if any(name.startswith(prefix) for prefix in _ALWAYS_THERE):
            continue
        out.append(name)
    return out


def _can_load(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(sonames: Iterable[str],
                      can_load: Callable[[str], bool] = _can_load) -> list[str]:
    """The sonames the dynamic loader cannot find, in the order given."""
    return [name for name in sonames if not can_load(name)]


def install_commands(missing: Iterable[str]) -> tuple[str, str]:
    """The ``sudo apt install …`` and ``sudo dnf install …`` lines that bring ``missing``."""
    debian: list[str] = []
    fedora: list[str] = []
    for soname in missing:
        deb, rpm = XCB_LIBRARIES.get(soname, (soname, soname))
        if deb not in debian:
            debian.append(deb)
        if rpm not in fedora:
            fedora.append(rpm)
    return f"sudo apt install {' '.join(debian)}", f"sudo dnf install {' '.join(fedora)}"


def check_window_platform(env: Mapping[str, str] | None = None) -> WindowProblem | None:
    """None if a window can open; else why not (no display, or missing X11 libraries)."""
    if not sys.platform.startswith("linux"):
        return None
    env = os.environ if env is None else env
    platform = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if platform and platform != "xcb":
        return None  # offscreen, wayland, vnc…: chosen on purpose; Qt reports its own errors
    if not platform and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return WindowProblem(
            "desktop-app cannot open its window: there is no graphical display here "
            "(neither DISPLAY nor WAYLAND_DISPLAY is set, as over SSH or in a plain "
            "terminal). Start it from the desktop, or use the command line: "
            "'desktop-app --help' lists the commands (index, search, status…).")
    if platform == "xcb" and not env.get("DISPLAY"):
        return WindowProblem(
            "desktop-app cannot open its window: QT_QPA_PLATFORM asks for X11 (xcb) but "
            "DISPLAY is not set.")
    if not platform_will_be_xcb(env):
        return None
    missing = missing_libraries(xcb_plugin_libraries())
    if not missing:
        return None
    apt, dnf = install_commands(missing)
    return WindowProblem(
        "desktop-app cannot open its window: the X11 libraries Qt needs are not installed "
        f"({', '.join(missing)}).\n\nOn Debian or Ubuntu:\n    {apt}\n"
        f"On Fedora:\n    {dnf}\n\nThen start desktop-app again.", tuple(missing))
