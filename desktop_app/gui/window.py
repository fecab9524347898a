"""The main window: lays out the panels and wires them to the two worker threads.

The window owns the ``Library`` (created here, on the UI thread) and both threads. It starts
them when first shown and stops them when closed: closing cancels the sync between batches,
joins both threads and closes the library, so everything committed stays committed. Another
library (a team library, or back to the personal one) is swapped in by ``gui/library_switch``
through ``stop_workers`` and ``adopt_library``: the same steps, then new workers.

On a narrow window the sidebar folds away (``gui/sidebar.py``). Whatever goes wrong in the
background ends up in the notice across the top.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThread, QTimer, Signal, SignalInstance
from PySide6.QtGui import (
    QCloseEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.events import SearchResult, SyncProgress, SyncSummary
from desktop_app.gui.appicon import app_icon
from desktop_app.gui.collector import MainThreadCollector
from desktop_app.gui.file_actions import FileActions
from desktop_app.gui.filters import FilterRow
from desktop_app.gui.folders import FoldersPanel
from desktop_app.gui.indexing_feedback import IndexingFeedback
from desktop_app.gui.library_switch import LibrarySwitch, open_personal
from desktop_app.gui.menus import WindowMenus
from desktop_app.gui.model_switch import ModelSwitch
from desktop_app.gui.problems import ProblemsPanel
from desktop_app.gui.progress import IndexingPanel
from desktop_app.gui.result_actions import ResultActions
from desktop_app.gui.searching import ResultsArea, SearchController, search_box
from desktop_app.gui.settings import AppSettings, open_settings
from desktop_app.gui.sidebar import Sidebar
from desktop_app.gui.statusline import StatusLine
from desktop_app.gui.threads import Indexer, Reader
from desktop_app.gui.watch import FolderWatch
from desktop_app.gui.widgets import Banner, EmptyState, FileDropFilter, fit_to_screen
from desktop_app.gui.wording import count
from desktop_app.gui.workers import LibrarySnapshot
from desktop_app.library import Library
from desktop_app.models import ModelEntry
from desktop_app.paths import normalise

log = logging.getLogger(__name__)

#: While indexing, the folders and problems are re-read at most this often (ms).
SNAPSHOT_INTERVAL_MS = 1000


class MainWindow(QMainWindow):
    indexing_finished = Signal(object)  # SyncSummary (None if it stopped on an error)
    indexing_progress = Signal(object)  # SyncProgress, re-emitted on the UI thread
    indexing_paused = Signal(bool)  # True once indexing has actually stopped
    model_ready = Signal()
    model_switched = Signal(bool, str)  # whether the model changed; the model in use now
    notice_shown = Signal(str)

    def __init__(self, data_dir: Path, parent: Any = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.settings_store = open_settings(self.data_dir)
        self.settings = AppSettings.load(self.settings_store)
        # Raises LibraryError (a message for the user) if the folder cannot be used. A team
        # library the window was last on is reopened once it shows (gui/library_switch.py).
        self.library: Library = open_personal(self.data_dir, self.settings)
        # Garbage is collected on this thread only (see gui/collector.py).
        self.collector = MainThreadCollector(self)
        self._started = False
        self._closed = False
        self._provider: str | None = None
        self._has_folders = False

        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(app_icon())
        self._build()
        self.library_switch = LibrarySwitch(self)
        self.menus = WindowMenus(self)
        self.sidebar.attach(self, self.menus.sidebar_action)
        self._build_workers()
        fit_to_screen(self, 1280, 800)  # on 800x600 the sidebar then folds away
        geometry = self.settings_store.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    # -- building ------------------------------------------------------------------------
    def _build(self) -> None:
        self.banner = Banner()
        self.banner.action_clicked.connect(self._claim)
        self.search_input = search_box()
        self.filters = FilterRow()

        self.folders = FoldersPanel()
        self.indexing = IndexingPanel()
        self.problems = ProblemsPanel()
        self.sidebar = Sidebar(self.folders, self.indexing, self.problems)

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
        self.main_split.addWidget(self.sidebar)
        self.main_split.addWidget(self.center)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([330, 950])
        self.main_split.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 8, 10, 4)
        layout.addWidget(self.banner)
        self.sidebar.button.setMinimumHeight(self.search_input.minimumHeight())
        search_row = QHBoxLayout()
        search_row.addWidget(self.sidebar.button)
        search_row.addWidget(self.search_input, 1)
        layout.addLayout(search_row)
        layout.addWidget(self.filters)
        layout.addWidget(self.main_split, 1)
        self.setCentralWidget(central)
        self.drops = FileDropFilter(self, central, self.empty_state)
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
        self.folders.remove_requested.connect(self.remove_folder)
        self.folders.rescan_requested.connect(self.request_sync)
        self.indexing.pause_requested.connect(self.pause_indexing)
        self.indexing.resume_requested.connect(self.resume_indexing)
        self.indexing.cancel_requested.connect(self.cancel_indexing)

        self._snapshot_timer = QTimer(self)
        self._snapshot_timer.setSingleShot(True)
        self._snapshot_timer.setInterval(SNAPSHOT_INTERVAL_MS)
        self._snapshot_timer.timeout.connect(self._request_snapshot)
        self.search_input.setFocus()

    def _build_workers(self, roots: list[str] | None = None) -> None:
        self.indexer = Indexer(self.library, self)
        self.feedback = IndexingFeedback(self.indexer, self.indexing, self.folders,
                                         self.sidebar, self.banner,
                                         self.empty_state.add_button, self.show_notice, self)
        self.indexer.progress.connect(self._on_progress)
        self.indexer.paused.connect(self.indexing_paused)
        self.indexer.finished.connect(self._on_sync_finished)
        self.indexer.folders_changed.connect(self._on_folders_changed)
        self.file_actions = FileActions(self.indexer, self.statusBar(), self.show_notice, self)
        self.model_switch = ModelSwitch(self.library, self.indexer, self.indexing,
                                        self.status_line, self.statusBar(), self.show_notice,
                                        lambda: self._provider, self)
        self.model_switch.finished.connect(self._on_model_switched)

        self.watch = FolderWatch(self.library.roots() if roots is None else roots, self)
        self.watch.changed.connect(self._on_files_changed)
        self.watch.degraded.connect(self._on_watch_degraded)

        self.reader = Reader(self.library, self)
        self.reader.model_ready.connect(self._on_model_ready)
        self.reader.model_failed.connect(self._on_model_failed)
        self.reader.results_ready.connect(self.search.show_results)
        self.reader.search_failed.connect(self.search.show_failure)
        self.reader.preview_ready.connect(self.preview.accept)
        self.reader.snapshot_ready.connect(self._on_snapshot)
        self.reader.problem.connect(self.show_notice)
        for signal, slot in self._worker_links():
            signal.connect(slot)

    def _worker_links(self) -> list[tuple[SignalInstance, Any]]:
        """The panels' requests wired to this library's workers (undone on a switch)."""
        acts, preview, problems = self.file_actions, self.preview, self.problems
        return [(preview.open_requested, acts.open), (preview.reveal_requested, acts.reveal),
                (problems.retry_requested, acts.retry), (problems.reveal_requested, acts.reveal),
                (problems.exclude_requested, acts.exclude),
                (self.search.search_requested, self.reader.search),
                (preview.render_requested, self.reader.preview)]

    # -- life cycle ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started and not self._closed:
            self._started = True
            self._start_workers()
            self.focus_search()
            self.library_switch.reopen_last()

    def _start_workers(self) -> None:
        self.search.set_model_ready(False)
        self.status_line.start()
        self.reader.start()
        self.reader.snapshot()
        self.indexer.start()
        self.watch.start()

    @property
    def workers_started(self) -> bool:
        return self._started

    @property
    def sync_thread(self) -> QThread:
        return self.indexer.thread

    @property
    def reader_thread(self) -> QThread:
        return self.reader.thread

    @property
    def closed(self) -> bool:
        return self._closed

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
        self.library_switch.stop()
        self.statusBar().clearMessage()  # stops a timed message's timer
        self.stop_workers()
        self.search.stop()
        self.preview.stop()
        self.indexer.join()
        self.reader.join()
        self.settings_store.setValue("window/geometry", self.saveGeometry())
        self.settings_store.sync()
        self.library.close()
        self.collector.stop()

    def stop_workers(self) -> list[QThread]:
        """Stop watching, indexing and reading this library; the threads still running
        (they end at the next batch boundary, see ``shutdown``)."""
        self._snapshot_timer.stop()
        self.status_line.stop()
        self.library.stop_graph_loading()  # a sync waiting for the graph may then end
        self.file_actions.stop()
        self.watch.stop()
        self.indexer.stop()
        self.reader.stop()
        return [t for t in (self.indexer.thread, self.reader.thread) if t.isRunning()]

    def adopt_library(self, library: Library) -> None:
        """Use ``library`` from now on, in place of the one ``stop_workers`` stopped (its
        threads have ended and it is closed): new workers, and every panel starts afresh.
        Raises LibraryError, before anything changes, if ``library`` does not answer."""
        roots = library.roots()
        for signal, slot in self._worker_links():
            signal.disconnect(slot)
        for part in (self.indexer, self.reader, self.watch, self.feedback, self.file_actions,
                     self.model_switch):
            part.deleteLater()
        self.library = library
        self._build_workers(roots)
        self.status_line.follow(library.graph_loading)
        self._provider, self._has_folders = None, False
        self._show_result(None)
        self._update_center()
        if self._started:
            self._start_workers()
        self.search.refresh()  # the same question, asked of this library

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
        self.feedback.pause()

    def resume_indexing(self) -> None:
        self.feedback.resume()

    def cancel_indexing(self) -> None:
        self.indexer.cancel()

    def show_settings(self) -> None:
        self.menus.show_settings()

    def about_text(self) -> str:
        return self.menus.about_text()

    @property
    def active_provider(self) -> str | None:
        """The provider the model runs on, once it is loaded."""
        return self._provider

    def show_notice(self, text: str) -> None:
        """Tell the user something went wrong, in the notice across the top (and the log)."""
        if self._closed:
            return
        log.warning("notice: %s", text)
        self.banner.show_message(text)
        self.notice_shown.emit(text)

    def switch_model(self, entry: ModelEntry) -> bool:
        """Re-index the library with ``entry``'s model in the background and swap it in when
        done; the current model answers searches until then. False if it cannot start."""
        return not self._closed and self.model_switch.start(entry)

    def _request_snapshot(self) -> None:
        if not self._closed:
            self.reader.snapshot()

    def _claim(self) -> None:
        self.banner.hide()
        self.indexer.claim()

    # -- answers from the workers (queued; on the UI thread) --------------------------------
    def _on_model_switched(self, switched: bool, model_id: str) -> None:
        if switched and not self._closed:
            self.search.refresh()  # the same question, answered by the new model
        self.model_switched.emit(switched, model_id)

    def _on_model_ready(self, provider: str, seconds: float) -> None:
        self._provider = provider
        self.status_line.set_model(self.library.profile.model_id, provider, seconds)
        self.search.set_model_ready(True)
        self.model_ready.emit()

    def _on_model_failed(self, message: str) -> None:
        self.status_line.set_model_failed()
        self.show_notice(f"The search model could not be loaded: {message}")

    def _on_progress(self, event: SyncProgress) -> None:
        if self._closed:
            return
        self.indexing.show_progress(event)
        self.indexing_progress.emit(event)
        if event.outcome is not None:
            self.problems.add_outcome(event.outcome)
            if not self._snapshot_timer.isActive():
                self._snapshot_timer.start()

    def _on_sync_finished(self, summary: SyncSummary | None) -> None:
        if self._closed:
            return
        self._snapshot_timer.stop()
        self._request_snapshot()
        self.indexing.show_summary(summary, "" if summary is not None
                                   else "Indexing stopped on an error (see the message above)")
        if summary is not None and summary.cancelled:
            # never "up to date" after a stop: what was not read yet is not in the counts
            self.folders.set_activity("stopped; Rescan indexes the rest")
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
        self.search.set_meaning_pending(snapshot.status.meaning_pending)
        self.search.set_corpus_hint(
            f"Type to search {count(chunks, 'passage')} in {count(files, 'file')} by meaning"
            if files else "")

    # -- results -------------------------------------------------------------------------
    def current_result(self) -> SearchResult | None:
        return self.result_actions.current()

    def _show_result(self, result: SearchResult | None) -> None:
        if result is None:
            self.preview.show_placeholder("Select a result to see the passage in its page.")
        else:
            self.preview.set_result(result)

    def _open_result(self, result: SearchResult) -> None:
        self.file_actions.open(result.path)

    def _update_center(self) -> None:
        has_any = self._has_folders or self.folders.folder_count() > 0
        self.center.setCurrentWidget(self.results_split if has_any else self.empty_state)
