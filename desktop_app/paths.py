"""Where the library lives: the platform's user data folder unless told otherwise."""

from __future__ import annotations

import os
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
