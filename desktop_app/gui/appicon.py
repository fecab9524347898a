"""The application icon, from the PNGs installed with the package (see resources/make_icon.py)."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QIcon

_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """Every rendered size, so each desktop picks a sharp one; empty if none is installed."""
    icon = QIcon()
    folder = resources.files("desktop_app") / "resources"
    for size in _SIZES:
        name = "app-icon.png" if size == 256 else f"app-icon-{size}.png"
        entry = folder / name
        if entry.is_file():
            with resources.as_file(entry) as path:
                icon.addFile(str(path))
    return icon
