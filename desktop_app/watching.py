"""Watch the library's folders and hand over changed paths in debounced batches.

Built on ``watchdog`` (inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows):
one recursive watch per library folder, in the core so that the window and the headless
``desktop-app watch`` share it. Qt's QFileSystemWatcher would need one watch per directory,
is not recursive, and would tie the core to Qt.

Bursts (a file being written, an unzip or a checkout of thousands of files) are debounced: a
batch is handed over once the folders have been quiet for ``quiet_seconds``, or at the latest
``max_delay_seconds`` after its first change. Where the operating system refuses more watches
(Linux's inotify limit), the watcher degrades to periodic full rescans and says so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

log = logging.getLogger(__name__)

#: Returned by ``FolderWatcher.wait`` when only a full rescan can tell what changed.
FULL_RESCAN = frozenset({"*"})
# Opening or reading a file (our own extraction does both) is not a change.
_CHANGES = {EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MODIFIED, EVENT_TYPE_MOVED,
            EVENT_TYPE_CLOSED}


class _Collector(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES:
            return
        # A folder's "modified" only says its listing changed; its entries report themselves.
        if event.is_directory and event.event_type == EVENT_TYPE_MODIFIED:
            return
        paths = [event.src_path]
        if event.event_type == EVENT_TYPE_MOVED:
            paths.append(event.dest_path)
        self.watcher._note([p.decode() if isinstance(p, bytes) else str(p) for p in paths])


class FolderWatcher:
    def __init__(self, roots: Iterable[str], *, quiet_seconds: float = 0.5,
                 max_delay_seconds: float = 5.0, rescan_seconds: float = 300.0) -> None:
        self.quiet_seconds = quiet_seconds
        self.max_delay_seconds = max_delay_seconds
        self.rescan_seconds = rescan_seconds
        self.degraded: str | None = None
        self._roots: list[str] = list(roots)
        self._pending: set[str] = set()
        self._first_change = 0.0
        self._last_change = 0.0
        self._last_rescan = time.monotonic()
        self._cond = threading.Condition()
        self._stopped = False
        # Made at start: watchdog's observer opens its inotify thread when it is created.
        self._observer: Observer | None = None
        self._handler = _Collector(self)

    # -- life cycle ----------------------------------------------------------------------
    def start(self) -> FolderWatcher:
        if self._observer is None and not self._stopped:
            self._observer = Observer()
            self._schedule()
            self._observer.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._observer is not None:
            self._observer.stop()
            if self._observer.is_alive():
                self._observer.join(timeout=5)

    def set_roots(self, roots: Iterable[str]) -> None:
        """Watch these folders from now on (after a folder was added or removed)."""
        self._roots = list(roots)
        self.degraded = None
        if self._observer is not None and not self._stopped:
            self._observer.unschedule_all()
            self._schedule()

    def _schedule(self) -> None:
        import os

        assert self._observer is not None
        for root in self._roots:
            folder = root if os.path.isdir(root) else os.path.dirname(root)
            try:
                self._observer.schedule(self._handler, folder, recursive=True)
            except OSError as exc:
                # inotify's max_user_watches (ENOSPC) or a folder that vanished
                self.degraded = (f"cannot watch {folder} ({exc.strerror or exc}); changes there "
                                 f"are found by a rescan every {self.rescan_seconds / 60:.0f} min")
                log.warning(self.degraded)

    # -- events --------------------------------------------------------------------------
    def _note(self, paths: list[str]) -> None:
        now = time.monotonic()
        with self._cond:
            if not self._pending:
                self._first_change = now
            self._pending.update(paths)
            self._last_change = now
            self._cond.notify_all()

    def wait(self, timeout: float | None = None) -> frozenset[str] | None:
        """Block until a debounced batch of changed paths is ready; None on timeout or stop."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                if self._pending:
                    quiet_until = self._last_change + self.quiet_seconds
                    latest = self._first_change + self.max_delay_seconds
                    ready_at = min(quiet_until, latest)
                    if now >= ready_at:
                        batch = frozenset(self._pending)
                        self._pending.clear()
                        return batch
                    wake = ready_at
                elif self.degraded and now - self._last_rescan >= self.rescan_seconds:
                    self._last_rescan = now
                    return FULL_RESCAN
                else:
                    wake = (self._last_rescan + self.rescan_seconds if self.degraded
                            else now + 3600)
                if deadline is not None:
                    if now >= deadline:
                        return None
                    wake = min(wake, deadline)
                self._cond.wait(max(0.01, wake - now))
        return None
