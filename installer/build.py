"""Build the installable app for the OS this runs on: ``python installer/build.py``.

1. PyInstaller freezes ``installer/desktop-app.spec`` into ``installer/dist/desktop-app/``
   (one folder, windowed; on macOS also ``installer/dist/Desktop Semantic Search.app``).
2. The frozen app runs its own ``--self-test`` offscreen; a build that fails it is not
   packaged (the smoke test qutebrowser's release script runs, for the same reason).
3. The folder becomes what people download and double-click:
   - Linux: ``desktop-app-<version>-linux-<arch>.tar.gz``; its ``install.sh`` copies the app
     to ``~/.local/opt/desktop-app`` and registers the menu entry and icons for the user.
   - macOS: ``desktop-app-<version>-macos-<arch>.dmg`` (``hdiutil``), the app beside a link
     to /Applications.
   - Windows: ``desktop-app-<version>-windows-x64-setup.exe`` from Inno Setup's ``ISCC``
     (``installer/windows/desktop-app.iss``).

Needs the build extra, at the versions pinned in installer/constraints.txt:
``pip install -c installer/constraints.txt -e ".[build]"``; the build stops if the
environment differs from the pins (``python installer/constraints.py`` re-pins after an
upgrade, ``--ignore-constraints`` builds anyway). Every bundle carries the app's LICENSE,
THIRD-PARTY-NOTICES.txt and the licence texts of what it bundles (installer/notices.py).
Outputs stay in installer/build and installer/dist, which git ignores.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "desktop-app.spec"
WORK = HERE / "build"
DIST = HERE / "dist"
APP_NAME = "Desktop Semantic Search"
SELF_TEST_TIMEOUT_S = 600


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from desktop_app import __version__

    return __version__


def machine() -> str:
    arch = platform.machine().lower()
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(arch, arch)


def folder_size(path: Path) -> int:
    """Bytes in the files below ``path``, symlinks counted once (as links)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def megabytes(size: int) -> str:
    return f"{size / 1e6:.0f} MB"


def run_pyinstaller(clean: bool) -> Path:
    """Freeze the app; the one-folder build it produced."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        sys.exit("PyInstaller is missing: pip install -e \".[build]\"")
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(DIST),
               "--workpath", str(WORK), str(SPEC)]
    if clean:
        command.insert(3, "--clean")
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    print(f"froze the app in {time.perf_counter() - started:.0f} s")
    return DIST / "desktop-app"


def frozen_command(folder: Path) -> Path:
    """The executable that ships and can print: the .app's binary on macOS, the console twin
    on Windows (the windowed .exe has no stdout)."""
    if sys.platform == "darwin":
        return DIST / f"{APP_NAME}.app" / "Contents" / "MacOS" / "desktop-app"
    if sys.platform == "win32":
        return folder / "desktop-app-cli.exe"
    return folder / "desktop-app"


def self_test(executable: Path) -> bool:
    """Run the frozen app's --self-test offscreen; True if it passed."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("DESKTOP_APP_DATA_DIR", None)
    print(f"$ {executable} --self-test")
    started = time.perf_counter()
    try:
        result = subprocess.run([str(executable), "--self-test"], env=env, cwd=HERE,
                                timeout=SELF_TEST_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        print(f"self-test did not finish in {SELF_TEST_TIMEOUT_S} s")
        return False
    print(f"self-test exited {result.returncode} after {time.perf_counter() - started:.1f} s")
    return result.returncode == 0


def _reset_owner(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # Whoever unpacks the tarball owns the files; the builder's user means nothing there.
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def notices_in(folder: Path) -> Path:
    """Where the frozen app keeps LICENSE, THIRD-PARTY-NOTICES.txt and licenses/ (the data
    folder PyInstaller makes beside the executable)."""
    internal = folder / "_internal"
    return internal if internal.is_dir() else folder


def package_linux(folder: Path, ver: str) -> Path:
    """A tarball: the app folder, install.sh/uninstall.sh, the desktop entry, the icon, and
    the licence and notices at its top where people look for them."""
    name = f"desktop-app-{ver}-linux-{machine()}"
    archive = DIST / f"{name}.tar.gz"
    linux = HERE / "linux"
    readme = (f"{APP_NAME} {ver}\n\n"
              "Install for your user (menu entry, icon, 'desktop-app' in ~/.local/bin):\n"
              "    ./install.sh\n"
              "Or run it from here without installing:\n"
              "    ./app/desktop-app\n"
              "Check that it works on this system (no window needed):\n"
              "    ./app/desktop-app --self-test\n"
              "Uninstall: ~/.local/opt/desktop-app/uninstall.sh (your library is kept).\n")
    (WORK / "README.txt").write_text(readme, encoding="utf-8")
    resources = ROOT / "desktop_app" / "resources"
    with tarfile.open(archive, "w:gz", compresslevel=9) as tar:
        tar.add(folder, arcname=f"{name}/app", filter=_reset_owner)
        for source, target in ((linux / "install.sh", "install.sh"),
                               (linux / "uninstall.sh", "uninstall.sh"),
                               (linux / "desktop-app.desktop", "desktop-app.desktop"),
                               (resources / "app-icon.png", "desktop-app.png"),
                               (resources / "app-icon.svg", "desktop-app.svg"),
                               (notices_in(folder) / "LICENSE", "LICENSE"),
                               (notices_in(folder) / "THIRD-PARTY-NOTICES.txt",
                                "THIRD-PARTY-NOTICES.txt"),
                               (WORK / "README.txt", "README.txt")):
            tar.add(source, arcname=f"{name}/{target}", filter=_reset_owner)
    return archive


def package_macos(ver: str) -> Path:
    """A compressed disk image with the .app and a link to /Applications to drag it onto."""
    app = DIST / f"{APP_NAME}.app"
    staging = WORK / "dmg"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    # ditto keeps the bundle's symlinks, extended attributes and code signature intact.
    subprocess.run(["ditto", str(app), str(staging / app.name)], check=True)
    os.symlink("/Applications", staging / "Applications")
    image = DIST / f"desktop-app-{ver}-macos-{machine()}.dmg"
    subprocess.run(["hdiutil", "create", "-volname", APP_NAME, "-srcfolder", str(staging),
                    "-fs", "HFS+", "-format", "UDZO", "-ov", str(image)], check=True)
    return image


def find_iscc() -> Path | None:
    """Inno Setup's command-line compiler, on PATH or where its installer puts it."""
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return Path(found)
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES"),
                 os.path.join(os.environ.get("LOCALAPPDATA", ""), "Programs")):
        if base:
            candidate = Path(base) / "Inno Setup 6" / "ISCC.exe"
            if candidate.is_file():
                return candidate
    return None


def package_windows(folder: Path, ver: str) -> Path | None:
    """Setup.exe from the Inno Setup script (None, with a hint, if Inno Setup is missing)."""
    iscc = find_iscc()
    if iscc is None:
        print("Inno Setup 6 is not installed (winget install JRSoftware.InnoSetup); the app "
              f"folder {folder} is built but not packaged")
        return None
    subprocess.run([str(iscc), f"/DAppVersion={ver}", f"/DSourceDir={folder}",
                    f"/DOutputDir={DIST}", f"/DIconFile={WORK / 'assets' / 'desktop-app.ico'}",
                    str(HERE / "windows" / "desktop-app.iss")], check=True)
    return DIST / f"desktop-app-{ver}-windows-x64-setup.exe"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clean", action="store_true",
                        help="drop PyInstaller's caches first (after upgrading dependencies)")
    parser.add_argument("--skip-self-test", action="store_true",
                        help="package without running the frozen app's --self-test")
    parser.add_argument("--no-package", action="store_true",
                        help="stop after freezing (and the self-test)")
    parser.add_argument("--ignore-constraints", action="store_true",
                        help="build even if installed versions differ from constraints.txt")
    args = parser.parse_args(argv)
    from constraints import CONSTRAINTS, check

    problems = check()
    if problems:
        print(f"this environment differs from {CONSTRAINTS.relative_to(ROOT)}:",
              *problems, sep="\n  ", file=sys.stderr)
        if not args.ignore_constraints:
            print("install the pinned versions (pip install -c installer/constraints.txt -e "
                  "\".[build]\"), re-pin (python installer/constraints.py), or pass "
                  "--ignore-constraints", file=sys.stderr)
            return 1
    ver = version()
    folder = run_pyinstaller(args.clean)
    print(f"app folder: {folder} ({megabytes(folder_size(folder))})")
    if not args.skip_self_test and not self_test(frozen_command(folder)):
        print("the frozen app failed its self-test; not packaging it", file=sys.stderr)
        return 1
    if args.no_package:
        return 0
    if sys.platform.startswith("linux"):
        artifact: Path | None = package_linux(folder, ver)
    elif sys.platform == "darwin":
        artifact = package_macos(ver)
    elif sys.platform == "win32":
        artifact = package_windows(folder, ver)
    else:
        print(f"no installer format for {sys.platform}; the app folder is {folder}")
        return 0
    if artifact is None:
        return 1
    print(f"built {artifact} ({megabytes(artifact.stat().st_size)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
