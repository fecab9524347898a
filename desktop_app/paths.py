"""Paths: where the library lives (the platform's user data folder unless told otherwise),
the normalised form paths are kept in, and whether a path lies under a folder."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

ENV_DATA_DIR = "DESKTOP_APP_DATA_DIR"


def default_data_dir() -> Path:
    """``$DESKTOP_APP_DATA_DIR`` if set, else the platform's user data folder for the app."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("desktop-app", appauthor=False))


def normalise(path: str | os.PathLike[str]) -> str:
    """The absolute, symlink-resolved form used as a key in the library."""
    return str(Path(path).expanduser().resolve())


def is_under(path: str, folder: str, sep: str = os.sep) -> bool:
    """Whether ``path`` is ``folder`` or inside it, both in the library's normalised form.

    By whole path components, so "/a/bc" is not under "/a/b"; a trailing separator on either
    does not matter, and everything absolute is under the root. ``sep``: the paths' separator
    ("/" for the relative, POSIX-style paths of ignore patterns)."""
    base = folder.rstrip(sep)
    return path.rstrip(sep) == base or path.startswith(base + sep)


def under_any(path: str, folders: Iterable[str], sep: str = os.sep) -> bool:
    """Whether ``path`` is one of ``folders`` or inside one of them (see ``is_under``)."""
    return any(is_under(path, folder, sep) for folder in folders)


def subtree_range(folder: str, sep: str = os.sep) -> tuple[str, str]:
    """(lo, hi): the paths strictly inside ``folder`` are those with lo <= path < hi, as text
    compares; an indexed range query on it finds them without scanning. The folder itself is
    not in the range (ask for it with ``path = folder``)."""
    base = folder.rstrip(sep) + sep
    # The separator is followed, in code-point order, by the character after it.
    return base, base[:-1] + chr(ord(sep) + 1)
