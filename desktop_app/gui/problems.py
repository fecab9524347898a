"""The problems view: files that were skipped or failed, each with its reason.

Filled from the library's state after every sync and, while a sync runs, from each file's
outcome as it arrives, so a problem shows up the moment it is found.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.events import FileOutcome

PathRole = Qt.ItemDataRole.UserRole + 1
ReasonRole = Qt.ItemDataRole.UserRole + 2


class ProblemsPanel(QWidget):
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

    def _put(self, path: str, status: str, reason: str) -> None:
        item = self._rows.get(path)
        if item is None:
            item = QListWidgetItem()
            self._rows[path] = item
            self.view.addItem(item)
        item.setText(f"{os.path.basename(path) or path}\n{status}: {reason}")
        item.setData(PathRole, path)
        item.setData(ReasonRole, reason)
        item.setToolTip(f"{path}\n{status}: {reason}")

    def _update_title(self) -> None:
        n = self.count()
        self.title.setText(f"<b>Problems</b> ({n})" if n else "<b>Problems</b> — none")
