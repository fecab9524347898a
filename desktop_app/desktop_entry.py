"""``desktop-app --install-desktop-entry``: put a pip-installed app in the Linux app menu.

Writes ``desktop-app.desktop`` into ``$XDG_DATA_HOME/applications`` (normally
``~/.local/share/applications``) with ``Exec`` pointing at this installation's launcher, and
the icons into the user's ``hicolor`` theme, so the app can be found in the menu, pinned and
started with a click. The Linux tarball's ``install.sh`` writes the same entry (its template,
``installer/linux/desktop-app.desktop``, is checked against ``desktop_entry_text``).
Windows and macOS get their shortcuts from the installers instead; there this only says so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import sysconfig
from importlib import resources
from pathlib import Path

from desktop_app import APP_NAME

DESKTOP_FILE = "desktop-app.desktop"
ICON_NAME = "desktop-app"
#: Rendered icon sizes shipped in desktop_app/resources/ (app-icon.png is the 256 px one).
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
LAUNCHER = "desktop-app"


def data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` as the XDG base directory spec says."""
    value = os.environ.get("XDG_DATA_HOME", "")
    # The spec: a relative path is invalid and must be ignored.
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "share"


def quote_exec_argument(arg: str) -> str:
    """Quote one argument of an ``Exec`` key per the Desktop Entry spec (spaces in paths)."""
    arg = arg.replace("%", "%%")
    reserved = set(' \t\n"\'\\><~|&;$*?#()`')
    if not any(ch in reserved for ch in arg):
        return arg
    escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
    # Inside a string value of a .desktop file a backslash is itself escaped once more.
    return '"' + escaped.replace("\\", "\\\\") + '"'


def desktop_entry_text(command: list[str]) -> str:
    """The ``.desktop`` file that starts ``command`` with the files dropped on it."""
    exec_line = " ".join(quote_exec_argument(a) for a in command)
    # No MimeType key on purpose: an entry in the user's folder that lists inode/directory or
    # application/pdf can become the default opener for folders or PDFs on desktops without
    # an explicit default, and the app opens results with the default PDF viewer, which
    # would then be the app itself. "%F" still lets file managers and docks hand it folders.
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.4\n"
        f"Name={APP_NAME}\n"
        "GenericName=Document Search\n"
        "Comment=Find documents on this computer by meaning\n"
        f"Exec={exec_line} %F\n"
        f"Icon={ICON_NAME}\n"
        "Terminal=false\n"
        "Categories=Utility;FileTools;\n"
        "Keywords=search;find;documents;pdf;semantic;\n"
        "StartupNotify=true\n"
        f"StartupWMClass={LAUNCHER}\n"
        # One window per library: GNOME then offers no "New Window" (the 1.5 spec's
        # SingleMainWindow, which older desktops and validators reject, says the same).
        "X-GNOME-SingleWindow=true\n"
    )


def launcher_command() -> list[str]:
    """How to start this installation: the frozen executable, the ``desktop-app`` script
    pip installed beside this interpreter, or at worst ``python -m desktop_app``."""
    if getattr(sys, "frozen", False):
        return [os.path.abspath(sys.executable)]
    suffix = ".exe" if sys.platform == "win32" else ""
    candidates = []
    if sys.argv and Path(sys.argv[0]).name in (LAUNCHER, LAUNCHER + suffix):
        candidates.append(Path(sys.argv[0]))
    # Scripts land beside the interpreter in a venv and in sysconfig's scripts folder
    # otherwise; --user installs use the user scheme's scripts folder.
    candidates.append(Path(sys.executable).parent / (LAUNCHER + suffix))
    folders = [sysconfig.get_path("scripts")]
    with contextlib.suppress(KeyError):
        folders.append(sysconfig.get_path("scripts", f"{os.name}_user"))
    candidates.extend(Path(folder) / (LAUNCHER + suffix) for folder in folders)
    which = shutil.which(LAUNCHER)
    if which:
        candidates.append(Path(which))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return [str(path.resolve())]
    return [os.path.abspath(sys.executable), "-m", "desktop_app"]


def write_desktop_entry(command: list[str], target: Path) -> list[Path]:
    """Write the entry and icons below ``target`` (a data home); the files written."""
    written = []
    icons = resources.files("desktop_app") / "resources"
    for size in ICON_SIZES:
        source = icons / ("app-icon.png" if size == 256 else f"app-icon-{size}.png")
        if source.is_file():
            dest = target / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
            _write_atomic(dest, source.read_bytes())
            written.append(dest)
    svg = icons / "app-icon.svg"
    if svg.is_file():
        dest = target / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"
        _write_atomic(dest, svg.read_bytes())
        written.append(dest)
    entry = target / "applications" / DESKTOP_FILE
    _write_atomic(entry, desktop_entry_text(command).encode("utf-8"))
    written.append(entry)
    return written


def _write_atomic(path: Path, data: bytes) -> None:
    # A menu that reads a half-written entry shows a broken item; replace it in one step.
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _refresh_caches(target: Path) -> None:
    """Tell the menus and the icon theme there is something new (the tools are optional)."""
    for tool, args in (("update-desktop-database", [str(target / "applications")]),
                       ("gtk-update-icon-cache", ["-q", "-t", "-f",
                                                  str(target / "icons" / "hicolor")])):
        path = shutil.which(tool)
        if path:
            subprocess.run([path, *args], check=False, capture_output=True)


def install_desktop_entry() -> int:
    """Register the app for the current user (Linux); elsewhere print what to do. Exit code."""
    if sys.platform == "win32" or sys.platform == "darwin":
        installer = "Setup.exe" if sys.platform == "win32" else ".dmg"
        print(f"desktop-app: there is no desktop entry to install on this system. Install the "
              f"app with its {installer} (built by installer/build.py) for a shortcut, or "
              "start it with 'desktop-app'.")
        return 0
    command = launcher_command()
    target = data_home()
    try:
        written = write_desktop_entry(command, target)
    except OSError as exc:
        print(f"desktop-app: could not write the desktop entry into {target}: {exc}",
              file=sys.stderr)
        return 1
    _refresh_caches(target)
    print(f"installed {written[-1]} (starts: {' '.join(command)})")
    print(f"installed {len(written) - 1} icons in {target / 'icons' / 'hicolor'}")
    print(f"'{APP_NAME}' is now in your applications menu (log out and in if it is not).")
    return 0
