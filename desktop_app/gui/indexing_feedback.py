"""How the indexer's state shows across the window: the Indexing panel, the folders' state
column, the sidebar's button (when the sidebar is folded away), the add buttons while another
process holds the library, and the notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QPushButton

from desktop_app.gui.folders import FoldersPanel
from desktop_app.gui.progress import IndexingPanel
from desktop_app.gui.sidebar import Sidebar
from desktop_app.gui.threads import Indexer
from desktop_app.gui.widgets import Banner


class IndexingFeedback(QObject):
    def __init__(self, indexer: Indexer, indexing: IndexingPanel, folders: FoldersPanel,
                 sidebar: Sidebar, banner: Banner, add_button: QPushButton,
                 notice: Callable[[str], None], parent: Any = None) -> None:
        super().__init__(parent)
        self._indexer = indexer
        self._indexing = indexing
        self._folders = folders
        self._sidebar = sidebar
        self._banner = banner
        self._add_button = add_button
        self._notice = notice
        indexer.write_access.connect(self._on_write_access)
        indexer.busy.connect(self._on_busy)
        indexer.paused.connect(self._on_paused)
        indexer.failed.connect(notice)

    def pause(self) -> None:
        self._indexer.pause()
        self._folders.set_activity("pausing…")

    def resume(self) -> None:
        self._indexer.resume()
        self._folders.set_activity("indexing…")

    def _on_write_access(self, writable: bool, message: str) -> None:
        self._folders.set_writable(writable)
        self._add_button.setEnabled(writable)
        if not writable:
            self._banner.show_message(
                f"Searching works, but indexing is off: {message}.", "Try again")
            self._indexing.set_message("Another copy of the app is indexing this library.")

    def _on_busy(self, busy: bool) -> None:
        self._indexing.set_busy(busy)
        self._folders.set_activity("indexing…" if busy else "")
        self._sidebar.set_busy(busy)

    def _on_paused(self, paused: bool) -> None:
        self._indexing.set_paused(paused)
        self._folders.set_activity("paused" if paused else "indexing…")
