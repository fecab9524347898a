"""The UI thread's handles on the window's two threads; each owns its QThread and worker.

``Indexer`` decides when a sync runs. Requests (add, remove, sync, switch model) go to the
``SyncWorker`` as queued signals, so they run on its thread one after another. A folder
added or removed while a sync runs cancels that sync (what it committed stays) and starts a
new one that includes the change; ``finished`` is only emitted when no such restart is
pending. A change the file watcher reports while a long sync gives its files their meaning
(its second step) interrupts it the same way, at most once per ``INTERRUPT_INTERVAL_S``, so
the changed file is read and embedded before the backlog. A switch to another model cancels
a sync in progress first; syncs asked for meanwhile run after it.

``Reader`` fronts the ``ReaderWorker``: model loading, searches, previews, snapshots.

Every signal of these two objects is emitted on the UI thread.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal

from desktop_app.events import SyncProgress
from desktop_app.gui.rendering import PreviewRequest
from desktop_app.gui.worker_signals import ReaderEvents, SyncEvents, relay
from desktop_app.gui.workers import ReaderWorker, SyncWorker
from desktop_app.library import Library
from desktop_app.models import ModelEntry

#: A file the watcher saw change interrupts a long sync's second step at most this often.
INTERRUPT_INTERVAL_S = 30.0


def _delete_with_thread(worker: QObject, thread: QThread) -> None:
    """Delete the worker on its own thread as that thread ends. Left to Python's garbage
    collector, a worker in a reference cycle may be collected on any thread; PySide then
    deletes the C++ object from the main thread, after its thread is gone, and the process
    crashed there (``QObject::~QObject`` from ``runDeletionInMainThread``) in about half of
    the test runs."""
    thread.finished.connect(worker.deleteLater)


class Indexer(SyncEvents):
    """The worker's signals (``SyncEvents``), re-emitted on the UI thread; ``finished``
    only once no restart is due."""

    _claim_requested = Signal()
    _switch_requested = Signal(object)  # ModelEntry
    _add_requested = Signal(list)
    _remove_requested = Signal(str)
    _sync_requested = Signal(object)  # None (everything) or a list of changed paths

    def __init__(self, library: Library, parent: Any = None) -> None:
        super().__init__(parent)
        self.thread = QThread(self)
        self.thread.setObjectName("library-sync")
        self.worker = SyncWorker(library)
        self.worker.moveToThread(self.thread)
        # emitted on the new thread before its event loop runs: the thread (and every thread
        # it starts: extraction, the model's workers) runs at background priority throughout
        self.thread.started.connect(self.worker.lower_priority, Qt.ConnectionType.DirectConnection)
        _delete_with_thread(self.worker, self.thread)
        self.writable = True
        self.syncing = False
        self._restart = False
        # what the next sync must look at: None = everything, else the changed paths
        self._pending: set[str] | None = set()
        self._stopped = False
        self._claim_requested.connect(self.worker.claim)
        self._add_requested.connect(self.worker.add)
        self._remove_requested.connect(self.worker.remove)
        self._sync_requested.connect(self.worker.sync)
        self._switch_requested.connect(self.worker.switch_model)
        #: the model a switch is running (or waiting) for, else None
        self.switching: ModelEntry | None = None
        self._switch_due = False
        self._step = ""  # the running sync's phase ("indexing": reading, "embedding": ...)
        self._last_interrupt: float | None = None
        # Signal to signal: re-emitted by this object, on the UI thread (queued).
        relay(self.worker, self, SyncEvents, {"model_switched": self._on_model_switched,
                                              "write_access": self._on_write_access,
                                              "finished": self._on_finished})
        self.progress.connect(self._on_progress)

    # -- life cycle ----------------------------------------------------------------------
    def start(self) -> None:
        """Start the thread and take the data folder's write lock (then sync)."""
        self.thread.start()
        self.claim()

    def stop(self) -> None:
        """Cancel the current sync between batches and let the thread end; see ``join``."""
        self._stopped = True
        self.worker.stop()
        self.thread.quit()

    def join(self) -> None:
        # A sync stops at its next batch boundary: a second or two at most.
        self.thread.wait()

    # -- requests ------------------------------------------------------------------------
    def claim(self) -> None:
        if not self._stopped:
            self._claim_requested.emit()

    def add(self, paths: list[str]) -> bool:
        """Add folders or files and index them; False if this process may not write."""
        if self._stopped or not self.writable:
            return False
        self._add_requested.emit(paths)
        self._sync_or_restart()
        return True

    def remove(self, path: str) -> bool:
        if self._stopped or not self.writable:
            return False
        if self.syncing:
            self._restart_current()
        self._remove_requested.emit(path)
        return True

    def sync(self, only: frozenset[str] | None = None) -> None:
        """Sync everything, or just ``only`` (paths a file watcher reported changed)."""
        if self._stopped or not self.writable:
            return
        if only is None:
            self._pending = None
        elif self._pending is not None:
            self._pending |= set(only)
        if self.syncing:
            self._restart = True  # once this one ends, look at what changed meanwhile
            if only is not None and self._step == "embedding" and self._may_interrupt():
                # A change the watcher saw goes ahead of the backlog the model is working
                # through: stop between two groups (every file read is kept) and sync the
                # change; the backlog's meaning follows right after it.
                self.worker.cancel()
            return
        self.syncing = True
        pending, self._pending = self._pending, set()
        self._sync_requested.emit(None if pending is None else sorted(pending))

    def switch_model(self, entry: ModelEntry) -> bool:
        """Re-index with ``entry``'s model and swap it in; False if this process may not
        write or a switch already runs."""
        if self._stopped or not self.writable or self.switching is not None:
            return False
        self.switching = entry
        if self.syncing:
            self._switch_due = True  # after the sync in progress has stopped
            self._restart = True  # and sync again after the switch: what changed meanwhile
            self.worker.cancel()
        else:
            self._start_switch()
        return True

    def pause(self) -> None:
        self.worker.pause()

    def resume(self) -> None:
        self.worker.resume()

    def cancel(self) -> None:
        self._restart = False
        if self._switch_due:  # cancelled before it started
            self._switch_due = False
            self.switching = None
            self.model_switched.emit(False, "")
        self.worker.cancel()

    # -- internals -----------------------------------------------------------------------
    def _sync_or_restart(self) -> None:
        if self.syncing:
            self._restart_current()
        else:
            self.sync(None)

    def _restart_current(self) -> None:
        # Start over with the change included; what is indexed so far stays indexed.
        self._restart = True
        self._pending = None
        self.worker.cancel()

    def _on_write_access(self, writable: bool, message: str) -> None:
        self.writable = writable
        self.write_access.emit(writable, message)
        if writable and not self.syncing:
            self.sync(None)  # pick up what changed while the app was closed

    def _start_switch(self) -> None:
        assert self.switching is not None
        self._switch_due = False
        self.syncing = True
        self._switch_requested.emit(self.switching)

    def _on_model_switched(self, switched: bool, model_id: str) -> None:
        self.switching = None
        self.model_switched.emit(switched, model_id)

    def _on_progress(self, event: SyncProgress) -> None:
        self._step = event.phase

    def _may_interrupt(self) -> bool:
        """At most one interruption of the backlog per ``INTERRUPT_INTERVAL_S``: a file that
        changes all the time (a log) must not keep the model from the rest."""
        now = time.monotonic()
        if self._last_interrupt is not None and now - self._last_interrupt < \
                INTERRUPT_INTERVAL_S:
            return False
        self._last_interrupt = now
        return True

    def _on_finished(self, summary: object) -> None:
        self.syncing = False
        self._step = ""
        if self._stopped:
            return
        if self._switch_due:
            self._start_switch()
            return
        if self._restart:
            self._restart = False
            self.sync(None if self._pending is None else frozenset(self._pending))
            return
        self.finished.emit(summary)


class Reader(ReaderEvents):
    """The worker's signals (``ReaderEvents``), re-emitted on the UI thread."""

    _load_model_requested = Signal()

    def __init__(self, library: Library, parent: Any = None) -> None:
        super().__init__(parent)
        self.thread = QThread(self)
        self.thread.setObjectName("library-reader")
        self.worker = ReaderWorker(library)
        self.worker.moveToThread(self.thread)
        _delete_with_thread(self.worker, self.thread)
        self._stopped = False
        self._load_model_requested.connect(self.worker.load_model)
        relay(self.worker, self, ReaderEvents)

    def start(self) -> None:
        """Start the thread and load the model on it (the first load takes a while)."""
        self.thread.start()
        self._load_model_requested.emit()

    def stop(self) -> None:
        self._stopped = True
        self.worker.stop()
        self.thread.quit()

    def join(self) -> None:
        self.thread.wait()

    def search(self, generation: int, query: str,
               options: dict[str, object] | None = None) -> None:
        if not self._stopped:
            self.worker.request_search(generation, query, options)

    def preview(self, generation: int, request: PreviewRequest) -> None:
        if not self._stopped:
            self.worker.request_preview(generation, request)

    def snapshot(self) -> None:
        if not self._stopped:
            self.worker.request_snapshot()
