"""What can be done with the selected result: open it, "More like this", search only in its
file — as the results list's context menu and as shortcuts that work from the search box."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QWidget

from desktop_app.events import SearchResult
from desktop_app.gui.filters import FilterRow
from desktop_app.gui.results import ResultDelegate, ResultsModel
from desktop_app.gui.searching import SearchController


class ResultActions(QObject):
    def __init__(self, window: QWidget, view: QAbstractItemView, model: ResultsModel,
                 search: SearchController, filters: FilterRow,
                 open_result: Callable[[SearchResult], None]) -> None:
        super().__init__(window)
        self._view = view
        self._model = model
        self._search = search
        self._filters = filters
        self._open_result = open_result
        self.more_like = self._action(window, "&More like this", "Ctrl+M", self.more_like_current)
        self.more_like.setToolTip("Passages most like the selected one")
        self.only_file = self._action(window, "Search only in this &file", "Ctrl+Shift+M",
                                      self.search_current_file)
        self.open = self._action(window, "&Open file", None, self.open_current)
        delegate = view.itemDelegate()
        if isinstance(delegate, ResultDelegate):  # its "More from this file" link
            delegate.more_from_file.connect(self.search_file_of_row)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for action in (self.open, self.more_like, self.only_file):
            view.addAction(action)
            window.addAction(action)

    def _action(self, window: QWidget, text: str, keys: str | None,
                slot: Callable[[], None]) -> QAction:
        action = QAction(text, window)
        if keys:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        return action

    def current(self) -> SearchResult | None:
        index = self._view.currentIndex()
        return self._model.result(index.row()) if index.isValid() else None

    def more_like_current(self) -> None:
        self._search.more_like(self.current())

    def search_current_file(self) -> None:
        """Limit the search to the selected result's file (its "+N more in this file")."""
        result = self.current()
        if result is not None:
            self._filters.set_folder(result.path)

    def search_file_of_row(self, row: int) -> None:
        """"More from this file" on a result: its row becomes the selection, and the search
        is limited to its file."""
        self._view.setCurrentIndex(self._model.index(row, 0))
        self.search_current_file()

    def open_current(self) -> None:
        result = self.current()
        if result is not None:
            self._open_result(result)
