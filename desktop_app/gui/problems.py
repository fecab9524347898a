"""The problems view: files that were skipped or failed, each with its reason.

Filled from the library's state after every sync and, while a sync runs, from each file's
outcome as it arrives, so a problem shows up the moment it is found.

A double-click shows the file in its folder; the context menu (and the keyboard's menu key)
offers Retry (index that file again), Show in folder and Exclude (leave it out of the
library from now on). The panel only asks: the window carries the requests out.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from desktop_app.events import FileOutcome

PathRole = Qt.ItemDataRole.UserRole + 1
ReasonRole = Qt.ItemDataRole.UserRole + 2


class ProblemsPanel(QWidget):
    retry_requested = Signal(str)  # path
    reveal_requested = Signal(str)  # path
    exclude_requested = Signal(str)  # path

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        # A list, not a table: each problem takes two lines (the file, then why) and long
        # reasons wrap, which a QListView lays out reliably in a narrow sidebar.
        self.view = QListWidget(self)
        self.view.setObjectName("problemsView")
        self.view.setWordWrap(True)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.view.setAlternatingRowColors(True)
        self.view.setAcceptDrops(False)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Not itemActivated: where the desktop activates on a single click, a click meant to
        # select a row would open a file manager.
        self.view.itemDoubleClicked.connect(self._reveal_item)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._show_menu)
        self.retry_action = QAction("&Retry", self)
        self.retry_action.setToolTip("Index this file again")
        self.retry_action.triggered.connect(lambda: self._request(self.retry_requested))
        self.reveal_action = QAction("&Show in folder", self)
        self.reveal_action.triggered.connect(lambda: self._request(self.reveal_requested))
        self.exclude_action = QAction("&Exclude from the library", self)
        self.exclude_action.setToolTip("Leave this file out from now on (it is not deleted)")
        self.exclude_action.triggered.connect(lambda: self._request(self.exclude_requested))
        self.writable = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        self._rows: dict[str, QListWidgetItem] = {}
        self._update_title()

    def set_problems(self, problems: tuple[tuple[str, str, str], ...]) -> None:
        """Replace the list with the library's (path, status, reason) rows."""
        self.view.clear()
        self._rows.clear()
        for path, status, reason in problems:
            self._put(path, status, reason)
        self._update_title()

    def add_outcome(self, outcome: FileOutcome) -> None:
        """Reflect one file's outcome: a problem is listed, a file indexed now is not."""
        if outcome.status in ("skipped", "failed"):
            self._put(outcome.path, outcome.status, outcome.reason or "")
        elif outcome.path in self._rows:
            item = self._rows.pop(outcome.path)
            self.view.takeItem(self.view.row(item))
        else:
            return
        self._update_title()

    def count(self) -> int:
        return self.view.count()

    def reasons(self) -> dict[str, str]:
        """File path → reason, for everything listed."""
        return {path: item.data(ReasonRole) for path, item in self._rows.items()}

    def current_path(self) -> str | None:
        item = self.view.currentItem()
        return item.data(PathRole) if item is not None else None

    def menu_for(self, path: str) -> QMenu:
        """The context menu of the row of ``path`` (not shown): its actions act on it."""
        item = self._rows.get(path)
        if item is not None:
            self.view.setCurrentItem(item)
        menu = QMenu(self)
        for action in (self.retry_action, self.reveal_action, self.exclude_action):
            menu.addAction(action)
        self.retry_action.setEnabled(self.writable)
        self.exclude_action.setEnabled(self.writable)
        return menu

    def _show_menu(self, pos: QPoint) -> None:
        item = self.view.itemAt(pos)
        if item is None:
            return
        menu = self.menu_for(item.data(PathRole))
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def _reveal_item(self, item: QListWidgetItem) -> None:
        self.reveal_requested.emit(item.data(PathRole))

    def _request(self, signal: Any) -> None:
        path = self.current_path()
        if path:
            signal.emit(path)

    def _put(self, path: str, status: str, reason: str) -> None:
        item = self._rows.get(path)
        if item is None:
            item = QListWidgetItem()
            self._rows[path] = item
            self.view.addItem(item)
        item.setText(f"{os.path.basename(path) or path}\n{status}: {reason}")
        item.setData(PathRole, path)
        item.setData(ReasonRole, reason)
        item.setToolTip(f"{path}\n{status}: {reason}\n\nDouble-click to show it in its "
                        "folder; right-click to retry or exclude it.")

    def _update_title(self) -> None:
        n = self.count()
        self.title.setText(f"<b>Problems</b> ({n} {'file' if n == 1 else 'files'})" if n
                           else "<b>Problems</b> — none")
