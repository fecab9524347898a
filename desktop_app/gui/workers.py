"""The two background threads of the window; neither ever touches a widget.

- ``SyncWorker`` is the one writer: it drives ``Library.sync()`` (a generator, as in superqt's
  generator worker) and ``add``/``remove``, and forwards every progress event through a
  queued signal. It pauses between events by not advancing the generator, so when it reports
  ``paused(True)`` indexing really has stopped; cancel goes to the core's ``SyncControl``.
- ``ReaderWorker`` loads the model, answers searches, renders previews and reads the
  library's state. Requests are "latest wins": a search typed while another runs replaces
  the pending one instead of queueing behind it.

The ``Library`` is created on the UI thread and shared: each thread gets its own SQLite
connection on first use, and the encoder and vector graph are thread-safe.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal, Slot

from desktop_app import priority
from desktop_app.events import LibraryStatus, SyncControl, SyncProgress
from desktop_app.gui.rendering import Preview, PreviewError, PreviewRequest, build_preview
from desktop_app.gui.worker_signals import ReaderEvents, SyncEvents
from desktop_app.library import Library, LibraryError
from desktop_app.models import ModelEntry
from desktop_app.searching import DEFAULT_SEARCH, SearchOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchRequest:
    """A search the window asks for: its options, and for "more like this" the passage."""

    options: SearchOptions = DEFAULT_SEARCH
    like: int | None = None  # a passage's chunk id: passages like it, not the query's words


@dataclass(frozen=True)
class FolderInfo:
    path: str
    exists: bool
    indexed: int
    skipped: int
    failed: int
    #: indexed files found by their words that still wait for their vectors
    meaning_pending: int = 0


@dataclass(frozen=True)
class LibrarySnapshot:
    """What the folders panel, problems view and status bar show, read in one go."""

    status: LibraryStatus
    folders: tuple[FolderInfo, ...]


class SyncWorker(SyncEvents):
    """Runs add/remove/sync on its own thread, one at a time, in the order asked; reports
    through the signals of ``SyncEvents``."""

    def __init__(self, library: Library) -> None:
        super().__init__()
        self._library = library
        self._guard = threading.Lock()
        self._control = SyncControl()
        self._running = threading.Event()
        self._running.set()
        self._stopping = threading.Event()

    # -- called from the UI thread (only thread-safe primitives) ---------------------------
    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        with self._guard:
            self._control.cancel()
        self._running.set()  # a paused sync must wake up to stop

    def stop(self) -> None:
        """Refuse further work and cancel the current sync (the window is closing)."""
        self._stopping.set()
        self.cancel()

    # -- slots, run on the worker's thread ---------------------------------------------
    @Slot()
    def lower_priority(self) -> None:
        """Index at background priority (connected to the thread's ``started``): a search
        typed while indexing gets a core at once (docs/benchmarks.md, session 3)."""
        priority.lower_this_thread()

    @Slot()
    def claim(self) -> None:
        """Take the data folder's write lock, or report who holds it."""
        try:
            self._library.claim_write()
        except LibraryError as exc:
            self.write_access.emit(False, str(exc))
        else:
            self.write_access.emit(True, "")

    @Slot(list)
    def add(self, paths: list[str]) -> None:
        if self._stopping.is_set():
            return
        problems = []
        for path in paths:
            # One at a time: a path that vanished must not stop the others from being added.
            try:
                self._library.add([path])
            except LibraryError as exc:
                problems.append(str(exc))
        self.folders_changed.emit()
        if problems:
            self.failed.emit("; ".join(problems))

    @Slot(str)
    def remove(self, path: str) -> None:
        if self._stopping.is_set():
            return
        try:
            self._library.remove(path)
        except LibraryError as exc:
            self.failed.emit(str(exc))
        self.folders_changed.emit()

    @Slot(object)
    def sync(self, only: list[str] | None = None) -> None:
        """One sync: of everything, or ``only`` of the paths a file watcher reported."""
        self._drive(lambda control: self._library.sync(control, only=only), "Indexing")

    @Slot(object)
    def switch_model(self, entry: ModelEntry) -> None:
        """Re-index every folder with ``entry``'s model, then swap it in (as ``desktop-app
        model use`` does); the current model answers searches until the swap."""
        before = self._library.profile.model_id
        profile = entry.profile
        assert profile is not None

        def report() -> None:  # before ``finished``: the window knows the model by then
            now = self._library.profile.model_id
            self.model_switched.emit(now != before, now)

        self._drive(lambda control: self._library.switch_model(profile, entry.folder, control),
                    f"Switching to {entry.model_id}", report)

    def _drive(self, start: Callable[[SyncControl], Iterator[SyncProgress]], what: str,
               before_finished: Callable[[], None] | None = None) -> None:
        """Run the generator ``start`` returns, forwarding its events; pauses between events
        by not advancing it, and stops it through its ``SyncControl``."""
        if self._stopping.is_set():
            if before_finished is not None:
                before_finished()
            return
        control = SyncControl()
        with self._guard:
            self._control = control
        if self._stopping.is_set():  # stop() ran between the check and the swap
            if before_finished is not None:
                before_finished()
            return
        self._running.set()
        self.busy.emit(True)
        summary = None
        events = None
        try:
            events = start(control)
            for event in events:
                self.progress.emit(event)
                if event.summary is not None:
                    summary = event.summary
                if not self._running.is_set() and not control.cancelled:
                    self.paused.emit(True)
                    self._running.wait()
                    self.paused.emit(False)
        except LibraryError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug must not kill the thread silently
            log.exception("%s stopped", what.lower())
            self.failed.emit(f"{what} stopped: {exc}. The details are in the log file.")
        finally:
            if events is not None:
                events.close()  # joins the core's extraction helper thread
            self.busy.emit(False)
            if before_finished is not None:
                before_finished()
            self.finished.emit(summary)


class ReaderWorker(ReaderEvents):
    """Model loading, searches, previews and library snapshots, on a second thread; reports
    through the signals of ``ReaderEvents``."""

    _wake = Signal()

    def __init__(self, library: Library, k: int = 30) -> None:
        super().__init__()
        self._library = library
        self._k = k
        self._guard = threading.Lock()
        self._search: tuple[int, str, SearchRequest] | None = None
        self._preview: tuple[int, PreviewRequest] | None = None
        self._snapshot = False
        self._stopping = threading.Event()
        # Queued even though both ends are this object: the request is posted from the UI
        # thread and must run on the worker's.
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    # -- called from the UI thread -----------------------------------------------------
    def request_search(self, generation: int, query: str,
                       request: SearchRequest | None = None) -> None:
        """Search for ``query`` (or, with ``request.like``, for passages like that one)."""
        with self._guard:
            self._search = (generation, query, request or SearchRequest())
        self._wake.emit()

    def request_preview(self, generation: int, request: PreviewRequest) -> None:
        with self._guard:
            self._preview = (generation, request)
        self._wake.emit()

    def request_snapshot(self) -> None:
        with self._guard:
            self._snapshot = True
        self._wake.emit()

    def stop(self) -> None:
        self._stopping.set()

    # -- slots, run on the worker's thread ---------------------------------------------
    @Slot()
    def load_model(self) -> None:
        if self._stopping.is_set():
            return
        started = time.perf_counter()
        try:
            encoder = self._library.encoder
        except Exception as exc:  # missing or damaged model files, a broken provider
            log.exception("model failed to load")
            self.model_failed.emit(str(exc))
            return
        self.model_ready.emit(encoder.provider, time.perf_counter() - started)

    @Slot()
    def _drain(self) -> None:
        while not self._stopping.is_set():
            with self._guard:
                search, self._search = self._search, None
                preview = None if search else self._preview
                if preview is not None:
                    self._preview = None
                snapshot = self._snapshot and not (search or preview)
                if snapshot:
                    self._snapshot = False
            if search is not None:
                self._run_search(*search)
            elif preview is not None:
                self._run_preview(*preview)
            elif snapshot:
                self._run_snapshot()
            else:
                return

    def _run_search(self, generation: int, query: str, request: SearchRequest) -> None:
        options = dataclasses.replace(request.options, k=self._k)
        try:
            if request.like is not None:
                results = self._library.more_like(request.like, options)
            else:
                results = self._library.search(query, options)
        except Exception as exc:  # reported in the window; the next query may work
            log.exception("search failed")
            self.search_failed.emit(generation, str(exc))
            return
        self.results_ready.emit(generation, query, results)

    def _run_preview(self, generation: int, request: PreviewRequest) -> None:
        try:
            preview: Preview = build_preview(request)
        except Exception as exc:  # build_preview reports bad files itself: this is a bug
            log.exception("preview failed")
            preview = PreviewError(request.result, f"Cannot show this file: {exc}. The "
                                   "details are in the log file.")
        self.preview_ready.emit(generation, preview)

    def _run_snapshot(self) -> None:
        try:
            status = self._library.status()
            folders = []
            for root, counts in self._library.folder_counts().items():
                folders.append(FolderInfo(root, os.path.exists(root), counts["indexed"],
                                          counts["skipped"], counts["failed"],
                                          counts["meaning_pending"]))
        except Exception as exc:  # the next refresh may work; the panel keeps its last state
            log.exception("could not read the library's state")
            self.problem.emit(f"The library's folders and problems could not be read ({exc}); "
                              "the lists may be out of date. The details are in the log file.")
            return
        self.snapshot_ready.emit(LibrarySnapshot(status, tuple(folders)))
