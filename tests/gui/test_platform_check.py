"""Before Qt is asked for a window: a missing display or missing X11 libraries are named, with
the command that fixes them, instead of the process aborting inside Qt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.exit_codes import EXIT_NO_WINDOW
from desktop_app.gui import platform_check
from desktop_app.gui.platform_check import (
    XCB_LIBRARIES,
    check_window_platform,
    elf_needed,
    install_commands,
    missing_libraries,
    platform_will_be_xcb,
    xcb_plugin_libraries,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the X11 checks are for Linux")


def _qxcb() -> Path:
    import PySide6

    return Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"


def test_without_any_display_the_app_says_so_and_exits_with_its_code(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DESKTOP_APP_LOG_DIR"] = str(tmp_path / "logs")
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from desktop_app.gui.launch import main; "
         "sys.exit(main(['--data-dir', sys.argv[1]]))", str(tmp_path / "data")],
        env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_NO_WINDOW  # not -6 (SIGABRT inside Qt)
    assert "no graphical display" in done.stderr
    assert "Traceback" not in done.stderr
    assert "no graphical display" in (tmp_path / "logs" / "desktop-app.log").read_text()


def test_the_platform_qt_will_pick_is_read_from_its_own_variables():
    assert platform_will_be_xcb({"DISPLAY": ":0"})
    assert platform_will_be_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"})
    assert not platform_will_be_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"})
    assert not platform_will_be_xcb({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0",
                                     "XDG_SESSION_TYPE": "wayland"})
    assert check_window_platform({"QT_QPA_PLATFORM": "offscreen"}) is None
    problem = check_window_platform({"QT_QPA_PLATFORM": "xcb"})
    assert problem is not None and "DISPLAY is not set" in problem.message


def test_the_libraries_checked_are_the_ones_the_installed_xcb_plugin_declares():
    needed = elf_needed(_qxcb())
    assert "libxcb-cursor.so.0" in needed and "libQt6XcbQpa.so.6" in needed
    checked = xcb_plugin_libraries()
    assert {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"} <= set(checked)
    assert not [name for name in checked if name.startswith("libQt")]
    # Every library the plugin needs maps to the packages that install it.
    assert [name for name in checked if name not in XCB_LIBRARIES] == []


def test_a_library_the_loader_cannot_find_is_reported_missing():
    absent = "libdesktop-app-no-such-library.so.7"
    assert missing_libraries(["libc.so.6", absent]) == [absent]


def test_missing_x11_libraries_are_named_with_the_apt_and_dnf_lines_that_install_them(
        monkeypatch):
    assert install_commands(["libxcb-cursor.so.0", "libxcb-icccm.so.4",
                             "libxcb-keysyms.so.1"]) == (
        "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1",
        "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms")
    # The plugin's real list, with two names the loader really cannot find added to it.
    absent = ["libdesktop-app-no-such-library.so.7"]
    real = xcb_plugin_libraries()
    monkeypatch.setattr(platform_check, "xcb_plugin_libraries", lambda: real + absent)
    problem = check_window_platform({"DISPLAY": ":99"})
    assert problem is not None
    assert problem.missing[-1] == absent[0]
    assert "sudo apt install" in problem.message and "sudo dnf install" in problem.message
    assert absent[0] in problem.message
