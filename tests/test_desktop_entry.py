"""The Linux menu entry: ``--install-desktop-entry`` for a pip install, and the tarball's
install.sh / uninstall.sh. HOME and XDG_DATA_HOME point into tmp_path throughout."""

from __future__ import annotations

import configparser
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app import desktop_entry
from desktop_app.desktop_entry import (
    desktop_entry_text,
    install_desktop_entry,
    launcher_command,
    quote_exec_argument,
)

REPO = Path(__file__).resolve().parents[1]
RESOURCES = REPO / "desktop_app" / "resources"
LINUX_INSTALLER = REPO / "installer" / "linux"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="desktop entries are a Linux (freedesktop) thing")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    return home


def _read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in desktop entries
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def _fake_launcher(folder: Path) -> Path:
    folder.mkdir(parents=True)
    script = folder / "desktop-app"
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(0o755)
    return script


@linux_only
def test_install_desktop_entry_registers_the_installed_launcher_and_icons(
        home, tmp_path, monkeypatch, capsys):
    data_home = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    launcher = _fake_launcher(tmp_path / "venv" / "bin")
    monkeypatch.setattr(sys, "argv", [str(launcher), "--install-desktop-entry"])

    assert install_desktop_entry() == 0

    entry = _read_entry(data_home / "applications" / "desktop-app.desktop")
    assert entry["Exec"] == f"{launcher} %F"
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Desktop Semantic Search"
    assert entry["Icon"] == "desktop-app"
    assert entry["Terminal"] == "false"
    assert "MimeType" not in entry  # never the default opener of folders or PDFs
    icons = data_home / "icons" / "hicolor"
    for size in (16, 32, 48, 128, 512):
        assert ((icons / f"{size}x{size}" / "apps" / "desktop-app.png").read_bytes()
                == (RESOURCES / f"app-icon-{size}.png").read_bytes())
    assert ((icons / "256x256" / "apps" / "desktop-app.png").read_bytes()
            == (RESOURCES / "app-icon.png").read_bytes())
    assert (icons / "scalable" / "apps" / "desktop-app.svg").is_file()
    assert not list(data_home.rglob("*.partial"))
    assert "desktop-app.desktop" in capsys.readouterr().out
    assert not (home / ".local").exists()  # XDG_DATA_HOME wins over ~/.local/share


@linux_only
def test_without_xdg_data_home_the_entry_goes_to_local_share(home, tmp_path, monkeypatch):
    launcher = _fake_launcher(tmp_path / "bin")
    monkeypatch.setattr(sys, "argv", [str(launcher)])
    monkeypatch.setenv("XDG_DATA_HOME", "relative/is/invalid")  # the spec says: ignore it

    assert install_desktop_entry() == 0

    entry = home / ".local" / "share" / "applications" / "desktop-app.desktop"
    assert _read_entry(entry)["Exec"] == f"{launcher} %F"
    assert (home / ".local" / "share" / "icons" / "hicolor" / "48x48" / "apps"
            / "desktop-app.png").is_file()


@pytest.mark.skipif(sys.platform.startswith("linux"), reason="other systems only")
def test_elsewhere_it_says_to_use_the_installer_and_writes_nothing(home, capsys):
    assert install_desktop_entry() == 0
    assert "no desktop entry to install" in capsys.readouterr().out
    assert list(home.iterdir()) == []


def test_exec_quotes_paths_the_way_the_desktop_entry_spec_wants():
    assert quote_exec_argument("/usr/bin/desktop-app") == "/usr/bin/desktop-app"
    assert quote_exec_argument("/opt/My Apps/desktop-app") == '"/opt/My Apps/desktop-app"'
    # $ and " are escaped for the quoting, then every backslash once more for the string.
    assert quote_exec_argument('/a b/$x"y') == '"/a b/\\\\$x\\\\"y"'
    assert quote_exec_argument("/100%/app") == "/100%%/app"
    text = desktop_entry_text(["/opt/My Apps/desktop-app"])
    assert 'Exec="/opt/My Apps/desktop-app" %F\n' in text


def test_the_launcher_falls_back_to_running_the_module(tmp_path, monkeypatch):
    python = tmp_path / "python3"
    monkeypatch.setattr(sys, "executable", str(python))
    monkeypatch.setattr(sys, "argv", ["-c"])
    monkeypatch.setattr(desktop_entry.sysconfig, "get_path", lambda *a: str(tmp_path))
    monkeypatch.setattr(desktop_entry.shutil, "which", lambda name: None)
    assert launcher_command() == [str(python), "-m", "desktop_app"]


def test_the_tarball_template_is_the_entry_the_app_writes():
    template = (LINUX_INSTALLER / "desktop-app.desktop").read_text(encoding="utf-8")
    assert template == desktop_entry_text(["desktop-app"])


@pytest.mark.skipif(os.name != "posix", reason="install.sh is a POSIX shell script")
def test_install_sh_copies_the_app_links_it_registers_it_and_uninstall_undoes_it(home,
                                                                                 tmp_path):
    # A stand-in for the frozen app: it records how the installer ran it.
    unpacked = tmp_path / "desktop-app-0.1.0-linux-x86_64"
    (unpacked / "app" / "_internal").mkdir(parents=True)
    (unpacked / "app" / "_internal" / "libexample.so").write_bytes(b"\0")
    app = unpacked / "app" / "desktop-app"
    app.write_text('#!/bin/sh\necho "$0 $*" > "$HOME/ran.txt"\n', encoding="utf-8")
    app.chmod(0o755)
    for script in ("install.sh", "uninstall.sh"):
        (unpacked / script).write_bytes((LINUX_INSTALLER / script).read_bytes())
        (unpacked / script).chmod(0o755)
    env = dict(os.environ, HOME=str(home))
    env.pop("XDG_DATA_HOME", None)

    subprocess.run([str(unpacked / "install.sh")], env=env, check=True, capture_output=True)

    target = home / ".local" / "opt" / "desktop-app"
    assert (target / "_internal" / "libexample.so").is_file()
    assert (home / ".local" / "bin" / "desktop-app").resolve() == target / "desktop-app"
    assert (home / "ran.txt").read_text().split() == [str(target / "desktop-app"),
                                                      "--install-desktop-entry"]
    assert (target / "uninstall.sh").stat().st_mode & stat.S_IXUSR

    # Installing again replaces the old version whole.
    (target / "_internal" / "stale.so").write_bytes(b"\0")
    subprocess.run([str(unpacked / "install.sh")], env=env, check=True, capture_output=True)
    assert not (target / "_internal" / "stale.so").exists()

    # What the app itself would have registered, so the uninstaller has it to remove.
    written = desktop_entry.write_desktop_entry([str(target / "desktop-app")],
                                                home / ".local" / "share")
    library = home / ".local" / "share" / "desktop-app"
    library.mkdir()
    subprocess.run([str(target / "uninstall.sh")], env=env, check=True, capture_output=True)
    assert not target.exists()
    assert not (home / ".local" / "bin" / "desktop-app").exists()
    assert not any(path.exists() for path in written)
    assert library.is_dir()  # the user's index stays
