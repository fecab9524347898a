"""Linux: the libraries a build takes from the build machine, and the licences they come with.

PyInstaller bundles the shared libraries that Qt and Python need but no wheel carries (libX11,
GLib, ICU, OpenSSL, D-Bus, …) from the build machine's /usr/lib. On a Debian or Ubuntu build
machine each comes from a package whose ``/usr/share/doc/<package>/copyright`` holds its
licence; this finds the package of each library (``dpkg-query --search``) and makes a
notices entry of it with that file. Libraries no package owns (or every library, where
there is no dpkg) are returned by path, so the notices can name them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from notices import Component

SYSTEM_PREFIXES = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/")
#: Machine-readable copyright files name each licence on a "License:" line.
_LICENSE_LINE = re.compile(r"^License:\s*(\S.*)$", re.MULTILINE)
#: More than this many (or long ones) and the entry points at the file instead.
_MAX_LICENCES = 3
_MAX_LICENCE_CHARS = 40


def is_system_library(path: str) -> bool:
    return path.startswith(SYSTEM_PREFIXES)


def _candidates(path: str) -> list[str]:
    """The names dpkg may know a library by: as found, resolved, and with and without /usr
    (on merged-/usr systems /lib is /usr/lib, and a package records one or the other)."""
    names = [path, os.path.realpath(path)]
    for name in list(names):
        if name.startswith(("/lib/", "/lib64/")):
            names.append("/usr" + name)
        elif name.startswith(("/usr/lib/", "/usr/lib64/")):
            names.append(name.removeprefix("/usr"))
    return list(dict.fromkeys(names))


def owning_package(path: str) -> str | None:
    """The Debian package that installed ``path`` (``libx11-6``), or None."""
    for name in _candidates(path):
        result = subprocess.run(["dpkg-query", "--search", name], capture_output=True,
                                text=True, check=False)
        if result.returncode == 0 and ":" in result.stdout:
            package = result.stdout.split(":", 1)[0].split(",")[0].strip()
            return package or None
    return None


def _version(package: str) -> str:
    result = subprocess.run(["dpkg-query", "--show", "--showformat=${Version}", package],
                            capture_output=True, text=True, check=False)
    return result.stdout.strip() or "unknown"


def _licence(copyright_file: Path | None) -> str:
    if copyright_file is None:
        return "see the package's documentation (no copyright file found)"
    text = copyright_file.read_text(encoding="utf-8", errors="replace")
    names = list(dict.fromkeys(m.strip() for m in _LICENSE_LINE.findall(text)))
    if not names:
        return "as its copyright file says"
    if len(names) > _MAX_LICENCES or any(len(n) > _MAX_LICENCE_CHARS for n in names):
        return "several, as its copyright file lists"
    return " / ".join(names)


def package_components(libraries: Iterable[str]) -> tuple[list[Component], list[str]]:
    """(one notices entry per package that owns some of ``libraries``, the libraries that no
    package owns). ``libraries`` are paths on the build machine."""
    libraries = sorted(set(libraries))
    if not libraries:
        return [], []
    if shutil.which("dpkg-query") is None:
        return [], libraries
    owned: dict[str, list[str]] = {}
    unowned = []
    for path in libraries:
        package = owning_package(path)
        if package is None:
            unowned.append(path)
        else:
            owned.setdefault(package, []).append(Path(path).name)
    components = []
    for package, names in sorted(owned.items()):
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        found = copyright_file if copyright_file.is_file() else None
        components.append(Component(
            f"{package} (system package)", _version(package), _licence(found),
            [(found, Path("copyright"))] if found else [], folder=f"system/{package}",
            contents=sorted(names)))
    return components, unowned
