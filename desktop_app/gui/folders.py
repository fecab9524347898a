"""The folders panel: the library's folders with file counts and state; add, remove, rescan.

It only shows and asks: adding, removing and rescanning are requests the window passes to
the sync worker.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.gui.wording import count
from desktop_app.gui.workers import FolderInfo

PathRole = Qt.ItemDataRole.UserRole + 1


def _counts_text(info: FolderInfo) -> str:
    problems = info.skipped + info.failed
    text = count(info.indexed, "file")
    return f"{text}, {problems:,} not indexed" if problems else text


@dataclass(frozen=True)
class FolderRow:
    """One row as shown: what tests and the window read back."""

    path: str
    files: str
    state: str


class FoldersPanel(QWidget):
    add_requested = Signal(list)  # [path]
    remove_requested = Signal(str)  # confirmed by the user
    rescan_requested = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._folders: tuple[FolderInfo, ...] = ()
        self._activity = ""  # "indexing…", "paused", … while a sync runs; "" otherwise
        self._pending: list[str] = []  # added, not in the library's answer yet
        self._rows: list[FolderRow] = []

        title = QLabel("<b>Folders</b>")
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("folderList")
        # One column of two-line rows (name; counts and state): the sidebar is too narrow
        # for three columns without cutting the state off.
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(1)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAcceptDrops(False)  # drops go to the window, which adds them
        self.tree.itemSelectionChanged.connect(self._update_buttons)

        self.add_button = QPushButton("Add folder…")
        self.add_button.setToolTip("Add a folder to search (or drop folders on the window)")
        self.add_button.clicked.connect(self._choose_folder)
        self.rescan_button = QPushButton("Rescan")
        self.rescan_button.setToolTip("Look for new, changed and deleted files")
        self.rescan_button.clicked.connect(self.rescan_requested)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Stop searching this folder (your files are not touched)")
        self.remove_button.clicked.connect(self._remove_selected)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.rescan_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.set_writable(True)

    # -- what the window tells it ------------------------------------------------------
    def set_writable(self, writable: bool) -> None:
        self._writable = writable
        self.add_button.setEnabled(writable)
        self._update_buttons()

    def set_folders(self, folders: tuple[FolderInfo, ...]) -> None:
        self._folders = folders
        known = {f.path for f in folders}
        self._pending = [p for p in self._pending if p not in known]
        self._rebuild()

    def add_pending(self, paths: list[str]) -> None:
        """Show folders at once, before the worker has added them."""
        known = {f.path for f in self._folders}
        self._pending += [p for p in paths if p not in known and p not in self._pending]
        self._rebuild()

    def set_activity(self, activity: str) -> None:
        if activity != self._activity:
            self._activity = activity
            self._rebuild()

    def folder_count(self) -> int:
        return len(self._folders) + len(self._pending)

    def rows(self) -> list[FolderRow]:
        return list(self._rows)

    # -- internals ---------------------------------------------------------------------
    def _rebuild(self) -> None:
        selected = self._selected_path()
        self.tree.clear()
        self._rows: list[FolderRow] = []
        for info in self._folders:
            state = (self._activity or _idle_state(info)) if info.exists else "not found"
            self._add_row(info.path, _counts_text(info), state, selected)
        for path in self._pending:
            self._add_row(path, "waiting", "queued", selected)
        self._update_buttons()

    def _add_row(self, path: str, files: str, state: str, selected: str | None) -> None:
        name = os.path.basename(path.rstrip(os.sep)) or path
        item = QTreeWidgetItem([f"{name}\n{files} · {state}"])
        item.setData(0, PathRole, path)
        item.setToolTip(0, f"{path}\n{files} · {state}")
        self.tree.addTopLevelItem(item)
        self._rows.append(FolderRow(path, files, state))
        if path == selected:
            item.setSelected(True)

    def _selected_path(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, PathRole) if items else None

    def _update_buttons(self) -> None:
        has_folders = bool(self._folders)
        self.remove_button.setEnabled(self._writable and self._selected_path() is not None)
        self.rescan_button.setEnabled(self._writable and has_folders)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to search")
        if folder:
            self.add_requested.emit([folder])

    def _remove_selected(self) -> None:
        path = self._selected_path()
        if path and self.confirm_remove(path):
            self.remove_requested.emit(path)

    def confirm_remove(self, path: str) -> bool:
        answer = QMessageBox.question(
            self, "Remove folder",
            f"Stop searching “{os.path.basename(path) or path}”?\n\nIts passages are removed "
            "from the library; the files themselves are not touched.")
        return answer == QMessageBox.StandardButton.Yes


def _idle_state(info: FolderInfo) -> str:
    """A folder's state when nothing runs: up to date, or how many of its files are
    searchable by words only (a sync cancelled or stopped between its two steps)."""
    if not info.meaning_pending:
        return "up to date"
    by_meaning = info.indexed - info.meaning_pending
    return (f"{by_meaning} of {count(info.indexed, 'file')} searchable by meaning, "
            "all by words")
