"""What the window does with one file of the library: open it, show it in its folder, index
it again, or leave it out from now on. Each ends in something the user sees: a file that
cannot be opened or shown says why in the window's notice, and every request is confirmed
in the status bar.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QStatusBar

from desktop_app.gui import desktop
from desktop_app.gui.threads import Indexer

#: How long a confirmation stays in the status bar (ms).
STATUS_MS = 8000


class FileActions(QObject):
    def __init__(self, indexer: Indexer, status_bar: QStatusBar,
                 notice: Callable[[str], None], parent: Any = None) -> None:
        super().__init__(parent)
        self._indexer = indexer
        self._status = status_bar
        self._notice = notice
        self.opener = desktop.FileOpener(self)
        self.opener.failed.connect(self._open_failed)
        #: the last message shown for a file that could not be opened ("" if none)
        self.last_failure = ""

    def open(self, path: str) -> None:
        if self.opener.open(path):
            self._status.showMessage(f"Opening {os.path.basename(path)}…", STATUS_MS)

    def reveal(self, path: str) -> None:
        if os.path.exists(path) and desktop.reveal_in_folder(path):
            return
        if not os.path.exists(path):
            self._notice(desktop.cannot_open_message(path))
        else:
            self._notice(f"Cannot show “{path}” in its folder: no file manager is set up "
                         "to open folders.")

    def retry(self, path: str) -> None:
        if not self._indexer.writable:
            self._notice("Another copy of the app is indexing this library; retry there.")
            return
        self._indexer.sync(frozenset([path]))
        self._status.showMessage(f"Indexing {os.path.basename(path)} again…", STATUS_MS)

    def exclude(self, path: str) -> None:
        if not self._indexer.remove(path):
            self._notice("Another copy of the app is indexing this library, so files "
                         "cannot be excluded now.")
            return
        self._status.showMessage(f"{os.path.basename(path)} is left out of the library from "
                                 "now on (the file itself is not touched).", STATUS_MS)

    def stop(self) -> None:
        self.opener.stop()

    def _open_failed(self, _path: str, message: str) -> None:
        self.last_failure = message
        self._notice(message)
