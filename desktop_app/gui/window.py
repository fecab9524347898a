"""The main window: lays out the panels and wires them to the two worker threads.

The window owns the ``Library`` (created here, on the UI thread) and both threads. It starts
them when first shown and stops them when closed: closing cancels the sync between batches,
joins both threads and closes the library, so everything committed stays committed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThread, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME, __version__
from desktop_app.events import SearchResult, SyncProgress, SyncSummary
from desktop_app.gui import desktop
from desktop_app.gui.appicon import app_icon
from desktop_app.gui.collector import MainThreadCollector
from desktop_app.gui.filters import FilterRow
from desktop_app.gui.folders import FoldersPanel
from desktop_app.gui.problems import ProblemsPanel
from desktop_app.gui.progress import IndexingPanel
from desktop_app.gui.result_actions import ResultActions
from desktop_app.gui.searching import ResultsArea, SearchController
from desktop_app.gui.settings import AppSettings, SettingsDialog, open_settings
from desktop_app.gui.statusline import StatusLine
from desktop_app.gui.threads import Indexer, Reader
from desktop_app.gui.watch import FolderWatch
from desktop_app.gui.widgets import Banner, EmptyState, FileDropFilter
from desktop_app.gui.workers import LibrarySnapshot
from desktop_app.library import DB_NAME, Library
from desktop_app.paths import normalise

#: While indexing, the folders and problems are re-read at most this often (ms).
SNAPSHOT_INTERVAL_MS = 1000


class MainWindow(QMainWindow):
    indexing_finished = Signal(object)  # SyncSummary (None if it stopped on an error)
    indexing_progress = Signal(object)  # SyncProgress, re-emitted on the UI thread
    indexing_paused = Signal(bool)  # True once indexing has actually stopped
    model_ready = Signal()

    def __init__(self, data_dir: Path, parent: Any = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.settings_store = open_settings(self.data_dir)
        self.settings = AppSettings.load(self.settings_store)
        # The passage size is fixed when a library is created; an existing one keeps its own.
        is_new = not (self.data_dir / DB_NAME).exists()
        # Raises LibraryError (a message for the user) if the folder cannot be used.
        # The vector graph opens in the background (1.5 s at 1M passages; minutes if it must
        # be rebuilt after a crash): the window is usable at once, searching by keyword and
        # by the part of the graph that is ready.
        self.library = Library(self.data_dir, provider=self.settings.provider,
                               threads=self.settings.threads,
                               chunk_tokens=self.settings.chunk_tokens if is_new else None,
                               graph_in_background=True)
        # Garbage is collected on this thread only (see gui/collector.py).
        self.collector = MainThreadCollector(self)
        self._started = False
        self._closed = False
        self._provider: str | None = None
        self._has_folders = False

        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self._build()
        self._build_menus()
        self._build_workers()
        self.resize(1280, 800)
        geometry = self.settings_store.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        self.banner = Banner()
        self.banner.action_clicked.connect(self._claim)
        self.search_input = QLineEdit()
        self.search_input.setObjectName("searchInput")
        self.search_input.setClearButtonEnabled(True)
        self.search_input.setAcceptDrops(False)  # dropped folders are added, not typed
        font = self.search_input.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.search_input.setFont(font)
        self.search_input.setMinimumHeight(self.search_input.sizeHint().height() + 10)
        self.filters = FilterRow()

        self.folders = FoldersPanel()
        self.indexing = IndexingPanel()
        self.problems = ProblemsPanel()
        sidebar = QSplitter(Qt.Orientation.Vertical)
        sidebar.addWidget(self.folders)
        sidebar.addWidget(self.indexing)
        sidebar.addWidget(self.problems)
        sidebar.setStretchFactor(0, 3)
        sidebar.setStretchFactor(2, 2)
        sidebar.setChildrenCollapsible(False)

        self.results_split = ResultsArea()
        self.results_model = self.results_split.model
        self.results_view = self.results_split.view
        self.results_header = self.results_split.header
        self.preview = self.results_split.preview

        self.empty_state = EmptyState(app_icon())
        self.empty_state.add_requested.connect(self.folders.add_button.click)
        self.center = QStackedWidget()
        self.center.addWidget(self.empty_state)
        self.center.addWidget(self.results_split)

        self.main_split = QSplitter()
        self.main_split.addWidget(sidebar)
        self.main_split.addWidget(self.center)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([330, 950])
        self.main_split.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 8, 10, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.search_input)
        layout.addWidget(self.filters)
        layout.addWidget(self.main_split, 1)
        self.setCentralWidget(central)
        self.drops = FileDropFilter(self, central)
        self.drops.dropped.connect(self.add_paths)

        self.status_line = StatusLine(self.statusBar(), self.library.graph_loading, self)

        self.search = SearchController(self.search_input, self.results_view,
                                       self.results_model, self.results_header, self)
        self.search.result_selected.connect(self._show_result)
        self.search.result_activated.connect(self._open_result)
        self.search.options = self.filters.options
        self.filters.changed.connect(self.search.refresh)
        # the whole graph now answers the query shown
        self.status_line.graph_ready.connect(self.search.refresh)

        self.result_actions = ResultActions(self, self.results_view, self.results_model,
                                            self.search, self.filters, self._open_result)
        self.more_like_action = self.result_actions.more_like
        for keys in ("Ctrl+K", QKeySequence.StandardKey.Find):
            QShortcut(QKeySequence(keys), self, activated=self.focus_search)

        self.folders.add_requested.connect(self.add_paths)
        self.folders.remove_requested.connect(self._confirm_remove)
        self.folders.rescan_requested.connect(self.request_sync)
        self.indexing.pause_requested.connect(self.pause_indexing)
        self.indexing.resume_requested.connect(self.resume_indexing)
        self.indexing.cancel_requested.connect(self.cancel_indexing)

        self._snapshot_timer = QTimer(self)
        self._snapshot_timer.setSingleShot(True)
        self._snapshot_timer.setInterval(SNAPSHOT_INTERVAL_MS)
        self._snapshot_timer.timeout.connect(self._request_snapshot)
        self.search_input.setFocus()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, keys, slot in (("&Add folder…", QKeySequence.StandardKey.Open,
                                  self.folders.add_button.click),
                                 ("&Rescan folders", QKeySequence.StandardKey.Refresh,
                                  self.request_sync),
                                 ("&Settings…", QKeySequence.StandardKey.Preferences,
                                  self.show_settings)):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.triggered.connect(slot)
            file_menu.addAction(action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction(f"&About {APP_NAME}", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def _build_workers(self) -> None:
        self.indexer = Indexer(self.library, self)
        self.indexer.write_access.connect(self._on_write_access)
        self.indexer.busy.connect(self._on_busy)
        self.indexer.progress.connect(self._on_progress)
        self.indexer.paused.connect(self._on_paused)
        self.indexer.finished.connect(self._on_sync_finished)
        self.indexer.failed.connect(self._on_sync_failed)
        self.indexer.folders_changed.connect(self._on_folders_changed)

        self.watch = FolderWatch(self.library.roots(), self)
        self.watch.changed.connect(self._on_files_changed)
        self.watch.degraded.connect(self._on_watch_degraded)

        self.reader = Reader(self.library, self)
        self.reader.model_ready.connect(self._on_model_ready)
        self.reader.model_failed.connect(self._on_model_failed)
        self.reader.results_ready.connect(self.search.show_results)
        self.reader.search_failed.connect(self.search.show_failure)
        self.reader.preview_ready.connect(self.preview.accept)
        self.reader.snapshot_ready.connect(self._on_snapshot)
        self.search.search_requested.connect(self.reader.search)
        self.preview.render_requested.connect(self.reader.preview)

    # -- life cycle ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started and not self._closed:
            self._started = True
            self.search.set_model_ready(False)
            self.status_line.start()
            self.reader.start()
            self.reader.snapshot()
            self.indexer.start()
            self.watch.start()
            self.focus_search()

    @property
    def workers_started(self) -> bool:
        return self._started

    @property
    def sync_thread(self) -> QThread:
        return self.indexer.thread

    @property
    def reader_thread(self) -> QThread:
        return self.reader.thread

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Cancel indexing, join both threads, close the library (idempotent)."""
        if self._closed:
            return
        self._closed = True
        # Off the screen first: joining waits for the model call in flight (up to ~2 s on
        # two cores), and a window that lingers frozen looks like a hang.
        self.hide()
        self._snapshot_timer.stop()
        self.status_line.stop()
        self.library.stop_graph_loading()  # a sync waiting for the graph may then end
        self.search.stop()
        self.preview.stop()
        self.watch.stop()
        self.indexer.stop()
        self.reader.stop()
        self.indexer.join()
        self.reader.join()
        self.settings_store.setValue("window/geometry", self.saveGeometry())
        self.settings_store.sync()
        self.library.close()
        self.collector.stop()

    # -- public actions ------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_input.setFocus()
        self.search_input.selectAll()

    def add_paths(self, paths: list[str]) -> None:
        """Add folders or files to the library and index them."""
        if self._closed or not paths:
            return
        paths = [normalise(p) for p in paths]
        if not self.indexer.add(paths):
            self.banner.show_message(
                "This library is being updated by another copy of the app, so folders cannot "
                "be added now. Close the other copy, then try again.", "Try again")
            return
        self.folders.add_pending(paths)
        self._update_center()

    def remove_folder(self, path: str) -> None:
        if not self._closed:
            self.indexer.remove(path)

    def request_sync(self) -> None:
        if not self._closed:
            self.indexer.sync()

    def pause_indexing(self) -> None:
        self.indexer.pause()
        self.folders.set_activity("pausing…")

    def resume_indexing(self) -> None:
        self.indexer.resume()
        self.folders.set_activity("indexing…")

    def cancel_indexing(self) -> None:
        self.indexer.cancel()

    def show_settings(self) -> None:
        dialog = SettingsDialog(self.settings, model_id=self.library.profile.model_id,
                                library_chunk_tokens=self.library.chunk_tokens,
                                active_provider=self._provider, parent=self)
        if dialog.exec():
            self.settings = dialog.result_settings()
            self.settings.save(self.settings_store)

    def about_text(self) -> str:
        provider = f" on {self._provider.upper()}" if self._provider else ""
        return (f"<h3>{APP_NAME} {__version__}</h3>"
                "<p>Find documents on this computer by meaning. Nothing leaves it.</p>"
                f"<p><b>Model:</b> {self.library.profile.model_id} "
                f"({self.library.profile.dim} dimensions){provider}<br>"
                f"<b>Data folder:</b> {self.data_dir}</p>")

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}", self.about_text())

    def _request_snapshot(self) -> None:
        if not self._closed:
            self.reader.snapshot()

    def _claim(self) -> None:
        self.banner.hide()
        self.indexer.claim()

    # -- answers from the workers (queued; on the UI thread) --------------------------------
    def _on_model_ready(self, provider: str, seconds: float) -> None:
        self._provider = provider
        self.status_line.set_model(self.library.profile.model_id, provider, seconds)
        self.search.set_model_ready(True)
        self.model_ready.emit()

    def _on_model_failed(self, message: str) -> None:
        self.status_line.set_model_failed()
        self.banner.show_message(f"The search model could not be loaded: {message}")

    def _on_write_access(self, writable: bool, message: str) -> None:
        self.folders.set_writable(writable)
        self.empty_state.add_button.setEnabled(writable)
        if not writable:
            self.banner.show_message(
                f"Searching works, but indexing is off: {message}.", "Try again")
            self.indexing.set_message("Another copy of the app is indexing this library.")

    def _on_busy(self, busy: bool) -> None:
        self.indexing.set_busy(busy)
        self.folders.set_activity("indexing…" if busy else "")

    def _on_progress(self, event: SyncProgress) -> None:
        if self._closed:
            return
        self.indexing.show_progress(event)
        self.indexing_progress.emit(event)
        if event.outcome is not None:
            self.problems.add_outcome(event.outcome)
            if not self._snapshot_timer.isActive():
                self._snapshot_timer.start()

    def _on_paused(self, paused: bool) -> None:
        self.indexing.set_paused(paused)
        self.folders.set_activity("paused" if paused else "indexing…")
        self.indexing_paused.emit(paused)

    def _on_sync_finished(self, summary: SyncSummary | None) -> None:
        if self._closed:
            return
        self._snapshot_timer.stop()
        self._request_snapshot()
        self.indexing.show_summary(summary, "" if summary is not None
                                   else "Indexing stopped on an error (see the message above)")
        if summary is not None and (summary.indexed or summary.removed or summary.moved
                                    or summary.copied):
            self.search.refresh()  # the new files may answer the question better
        self.indexing_finished.emit(summary)

    def _on_files_changed(self, paths: frozenset[str] | None) -> None:
        if not self._closed:
            self.indexer.sync(paths)

    def _on_watch_degraded(self, message: str) -> None:
        if not self._closed:
            self.statusBar().showMessage(message)

    def _on_folders_changed(self) -> None:
        if not self._closed:
            self.watch.set_roots(self.library.roots())
        self._request_snapshot()
        self.search.refresh()  # a removed folder's passages must leave the results

    def _on_sync_failed(self, message: str) -> None:
        if not self._closed:
            self.banner.show_message(message)

    def _on_snapshot(self, snapshot: LibrarySnapshot) -> None:
        if self._closed:
            return
        self.folders.set_folders(snapshot.folders)
        self.filters.set_roots([folder.path for folder in snapshot.folders])
        self.problems.set_problems(snapshot.status.problems)
        self._has_folders = bool(snapshot.folders)
        self._update_center()
        counts = snapshot.status.counts
        files, chunks = counts.get("indexed", 0), counts.get("chunks", 0)
        self.status_line.set_counts(files, chunks)
        self.search.set_corpus_hint(
            f"Type to search {chunks:,} passages in {files:,} files by meaning" if files
            else "")

    # -- results -------------------------------------------------------------------------
    def current_result(self) -> SearchResult | None:
        return self.result_actions.current()

    def _show_result(self, result: SearchResult | None) -> None:
        if result is None:
            self.preview.show_placeholder("Select a result to see the passage in its page.")
        else:
            self.preview.set_result(result)

    def _open_result(self, result: SearchResult) -> None:
        desktop.open_file(result.path)

    def _confirm_remove(self, path: str) -> None:
        answer = QMessageBox.question(
            self, "Remove folder",
            f"Stop searching “{os.path.basename(path) or path}”?\n\nIts passages are removed "
            "from the library; the files themselves are not touched.")
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_folder(path)

    def _update_center(self) -> None:
        has_any = self._has_folders or self.folders.folder_count() > 0
        self.center.setCurrentWidget(self.results_split if has_any else self.empty_state)
