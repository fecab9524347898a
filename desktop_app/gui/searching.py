"""Search as you type: the search box, its debounce, the results list's keyboard, and the
results area (the list beside the preview).

Each query gets a generation number; results of an older generation are dropped when they
arrive, so a slow answer to "volc" never replaces the answer to "volcanoes". The search runs
on the reader thread; this object only decides when to ask and what to show.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QListView,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop_app.events import SearchResult
from desktop_app.gui.preview import PreviewPane
from desktop_app.gui.results import ResultDelegate, ResultsModel
from desktop_app.gui.wording import count
from desktop_app.gui.workers import SearchRequest
from desktop_app.searching import SearchOptions

#: Quiet time after the last keystroke before a search starts, in ms.
DEBOUNCE_MS = 150
#: What the search box shows during "more like this".
LIKE_PREFIX = "like: "


def search_box() -> QLineEdit:
    """The search box: a larger font, a clear button; dropped folders are added, not typed."""
    box = QLineEdit()
    box.setObjectName("searchInput")
    box.setClearButtonEnabled(True)
    box.setAcceptDrops(False)
    font = box.font()
    font.setPointSizeF(font.pointSizeF() * 1.25)
    box.setFont(font)
    box.setMinimumHeight(box.sizeHint().height() + 10)
    return box


class ResultsArea(QSplitter):
    """The results list (a model and delegate, under a one-line header) beside the preview."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.model = ResultsModel(self)
        self.view = QListView()
        self.view.setObjectName("resultsView")
        self.view.setModel(self.model)
        self.view.setItemDelegate(ResultDelegate(self.model, self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setUniformItemSizes(True)  # every row is as tall: cheap layout of results
        # Rows are laid out again on resize: a narrow list shows a line more of each snippet.
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMinimumWidth(240)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.header = QLabel()
        self.header.setWordWrap(True)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.view, 1)
        self.preview = PreviewPane()
        self.addWidget(box)
        self.addWidget(self.preview)
        self.setStretchFactor(0, 4)
        self.setStretchFactor(1, 5)
        self.setChildrenCollapsible(False)


class SearchController(QObject):
    search_requested = Signal(int, str, object)  # generation, query, SearchRequest
    results_shown = Signal(str, int)  # query, number of results
    result_selected = Signal(object)  # SearchResult, or None when nothing is selected
    result_activated = Signal(object)  # SearchResult (Enter or double-click)

    def __init__(self, line_edit: QLineEdit, view: QListView, model: ResultsModel,
                 header: QLabel, parent: Any = None) -> None:
        super().__init__(parent)
        self.line_edit = line_edit
        self.view = view
        self.model = model
        self.header = header
        self.generation = 0
        self._model_ready = False
        self._corpus_hint = ""
        self._meaning_pending = 0  # files found by words that wait for their vectors
        #: Library.search keyword arguments for each search (the filter row's choices)
        self.options: Callable[[], SearchOptions] = SearchOptions
        #: "more like this": (the chunk id, the text the box shows for it)
        self._like: tuple[int, str] | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.search_now)
        line_edit.textChanged.connect(self._text_changed)
        line_edit.returnPressed.connect(self.search_now)
        line_edit.installEventFilter(self)
        view.installEventFilter(self)
        view.doubleClicked.connect(self._activate)
        view.selectionModel().currentChanged.connect(self._current_changed)
        self._show_idle()

    # -- asking --------------------------------------------------------------------------
    def search_now(self) -> None:
        """Search for the box's text at once (Enter, or the debounce ran out)."""
        self.timer.stop()
        query = self.line_edit.text().strip()
        self.generation += 1
        if not query:
            self.model.clear()
            self.result_selected.emit(None)
            self._show_idle()
            return
        like = None
        if self._like is not None and query == self._like[1]:
            like = self._like[0]
        else:
            self._like = None
        if not self._model_ready:
            self.header.setText("Loading the model… your search starts as soon as it is ready")
        self.search_requested.emit(self.generation, query,
                                   SearchRequest(self.options(), like=like))

    def more_like(self, result: SearchResult | None) -> None:
        """Show the passages most like ``result``'s (by its own vector), itself left out."""
        if result is None:
            return
        text = LIKE_PREFIX + os.path.basename(result.path)
        if result.page is not None:
            text += f" (page {result.page})"
        self._like = (result.chunk_id, text)
        self.line_edit.blockSignals(True)  # not a keystroke: no debounced search of "like: …"
        self.line_edit.setText(text)
        self.line_edit.blockSignals(False)
        self.search_now()

    @property
    def liking(self) -> bool:
        """Whether the results shown are "more like this" ones."""
        return self._like is not None and self.line_edit.text().strip() == self._like[1]

    def refresh(self) -> None:
        """Run the current query again (new files were indexed)."""
        if self.line_edit.text().strip():
            self.search_now()

    def stop(self) -> None:
        self.timer.stop()

    # -- answers -------------------------------------------------------------------------
    def show_results(self, generation: int, query: str, results: list[SearchResult]) -> None:
        if generation != self.generation:
            return  # the user has typed something newer
        current = self.view.currentIndex()
        previous = self.model.result(current.row()) if current.isValid() else None
        if query != self.model.query:
            previous = None
        like = self._like is not None and query == self._like[1]
        self.model.set_results(query, results, highlight=not like)
        if results:
            if like:
                heading = f"{count(len(results), 'passage')} most like {query[len(LIKE_PREFIX):]}"
            elif results[0].good_match:
                heading = f"{count(len(results), 'best passage')} for “{query}”"
            else:
                heading = f"No good match for “{query}” — the closest passages:"
            self.header.setText(heading + self._unseen_note(like))
            # The same query again (new files were indexed): keep the passage the user is
            # reading if it is still a result. A new query: take its best result.
            row = next((i for i, r in enumerate(results)
                        if previous is not None and r.chunk_id == previous.chunk_id), 0)
            self.view.selectionModel().setCurrentIndex(
                self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.view.scrollTo(self.model.index(row, 0))
        elif self.options().where():
            self.header.setText(f"Nothing found for “{query}” with these filters")
        else:
            self.header.setText(f"Nothing found for “{query}” yet — add folders or wait for "
                                "indexing to finish")
            self.result_selected.emit(None)
        self.results_shown.emit(query, len(results))

    def show_failure(self, generation: int, message: str) -> None:
        if generation == self.generation:
            self.header.setText(f"Search failed: {message}")

    def set_model_ready(self, ready: bool) -> None:
        self._model_ready = ready
        self.line_edit.setPlaceholderText(
            "Ask a question or describe what you are looking for   (Ctrl+K)" if ready
            else "Loading the model…   (you can type already)")

    def set_meaning_pending(self, files: int) -> None:
        """How many files are searchable by their words but not yet by meaning."""
        self._meaning_pending = files

    def _unseen_note(self, like: bool) -> str:
        # Meaning alone (or "more like this") cannot see files still waiting for vectors.
        if self._meaning_pending and (like or self.options().mode == "vector"):
            return f" ({count(self._meaning_pending, 'file')} not searchable by meaning yet)"
        return ""

    def set_corpus_hint(self, hint: str) -> None:
        self._corpus_hint = hint
        if not self.line_edit.text().strip():
            self._show_idle()

    # -- internals -----------------------------------------------------------------------
    def _show_idle(self) -> None:
        self.header.setText(self._corpus_hint or "Type to search by meaning, not just words")

    def _text_changed(self, _text: str) -> None:
        self.timer.start()

    def _current_changed(self, current: Any, _previous: Any) -> None:
        self.result_selected.emit(self.model.result(current.row()) if current.isValid()
                                  else None)

    def _activate(self, index: Any) -> None:
        result = self.model.result(index.row())
        if result is not None:
            self.result_activated.emit(result)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return super().eventFilter(watched, event)
        assert isinstance(event, QKeyEvent)
        key = event.key()
        if watched is self.line_edit:
            if key == Qt.Key.Key_Escape and self.line_edit.text():
                self.line_edit.clear()
                self.search_now()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self.model.rowCount():
                # Into the list, keeping the current row (the preview already shows it).
                if not self.view.currentIndex().isValid():
                    self.view.setCurrentIndex(self.model.index(0, 0))
                self.view.setFocus(Qt.FocusReason.TabFocusReason)
                return True
        elif watched is self.view:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.view.currentIndex().isValid():
                    self._activate(self.view.currentIndex())
                return True
            if key == Qt.Key.Key_Up and self.view.currentIndex().row() <= 0:
                self.line_edit.setFocus(Qt.FocusReason.TabFocusReason)
                return True
            if key == Qt.Key.Key_Escape:
                self.line_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
                self.line_edit.selectAll()
                return True
        return super().eventFilter(watched, event)
