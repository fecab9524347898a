"""The Qt front end (the only package that imports PySide6).

``create_main_window(data_dir)`` is the entry other code and checks use; it does not create
the QApplication or run the event loop (the caller owns both). ``launch.main`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow


def create_main_window(data_dir: Path) -> QMainWindow:
    """The main window on the library in ``data_dir``; its workers start when it is shown
    and stop when it is closed. Raises ``desktop_app.library.LibraryError`` if the folder
    cannot be used."""
    # Imported here so that importing desktop_app.gui stays cheap and Qt-free.
    from desktop_app.gui.window import MainWindow

    return MainWindow(Path(data_dir))


__all__ = ["create_main_window"]
