"""Watch the library's folders and hand over changed paths in debounced batches.

Built on ``watchdog`` (inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows):
one recursive watch per library folder, in the core so that the window and the headless
``desktop-app watch`` share it. Qt's QFileSystemWatcher would need one watch per directory,
is not recursive, and would tie the core to Qt.

Bursts (a file being written, an unzip or a checkout of thousands of files) are debounced: a
batch is handed over once the folders have been quiet for ``quiet_seconds``, or at the latest
``max_delay_seconds`` after its first change. Where the operating system refuses more watches
(Linux's inotify limit), the watcher degrades to periodic full rescans and says so.

A library folder can disappear while watched: renamed, moved away, or its disk unmounted.
The watcher looks for each folder every ``root_check_seconds``; while one is away it says so,
hands over nothing below it (an edit inside a renamed folder is reported under the old name,
where the file no longer is, and would read as a deletion), and when the folder is back it
watches it anew and hands the whole folder over, to be rescanned.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable

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

from desktop_app.paths import under_any

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


def _identity(path: str) -> tuple[int, int] | None:
    """Which folder is at ``path`` now (device and inode), or None if nothing is there. A
    file root is only there or not: an editor's save replaces the file with a new one."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino if stat.S_ISDIR(st.st_mode) else -1


class FolderWatcher:
    """``on_notice`` is told (from the thread calling ``wait``) when a folder goes away or
    comes back; every notice is logged too."""

    def __init__(self, roots: Iterable[str], *, quiet_seconds: float = 0.5,
                 max_delay_seconds: float = 5.0, rescan_seconds: float = 300.0,
                 root_check_seconds: float = 1.0,
                 on_notice: Callable[[str], None] | None = None) -> None:
        self.quiet_seconds = quiet_seconds
        self.max_delay_seconds = max_delay_seconds
        self.rescan_seconds = rescan_seconds
        self.root_check_seconds = root_check_seconds
        self.on_notice = on_notice
        self.degraded: str | None = None
        self._roots: list[str] = list(roots)
        #: each root's identity when last seen; None while it is away
        self._seen: dict[str, tuple[int, int] | None] = {r: _identity(r) for r in self._roots}
        self._last_root_check = time.monotonic()
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
        self._seen = {r: _identity(r) for r in self._roots}
        self.degraded = None
        if self._observer is not None and not self._stopped:
            self._observer.unschedule_all()
            self._schedule()

    def _schedule(self) -> None:
        assert self._observer is not None
        for root in self._roots:
            if self._seen.get(root) is None and not os.path.exists(root):
                continue  # away: watched again when it is back
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

    def away(self) -> list[str]:
        """The watched folders that are not there now."""
        return [r for r, seen in self._seen.items() if seen is None]

    def _check_roots(self) -> None:
        """Notice folders that went away or came back (called without the lock held: a
        folder that is back is watched anew, and the observer's thread takes the lock)."""
        self._last_root_check = time.monotonic()
        returned = []
        for root in self._roots:
            before, now = self._seen.get(root), _identity(root)
            if before == now:
                continue
            self._seen[root] = now
            if now is None:
                self._notify(f"{root} is gone (renamed, moved or unmounted?); nothing is "
                             "removed from the library, and it is rescanned when it is back")
            else:
                self._notify(f"{root} is back; rescanning it")
                returned.append(root)
        if not returned:
            return
        if self._observer is not None and not self._stopped:
            # its old watch may follow the folder to where it went, or may have ended
            self._observer.unschedule_all()
            self._schedule()
        with self._cond:
            if not self._pending:
                self._first_change = time.monotonic()
            self._pending.update(returned)
            self._last_change = time.monotonic()

    def _notify(self, message: str) -> None:
        log.warning(message)
        if self.on_notice is not None:
            self.on_notice(message)

    def wait(self, timeout: float | None = None) -> frozenset[str] | None:
        """Block until a debounced batch of changed paths is ready; None on timeout or stop."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if time.monotonic() - self._last_root_check >= self.root_check_seconds:
                self._check_roots()
            with self._cond:
                if self._stopped:
                    return None
                now = time.monotonic()
                wake = self._last_root_check + self.root_check_seconds
                if self._pending:
                    quiet_until = self._last_change + self.quiet_seconds
                    latest = self._first_change + self.max_delay_seconds
                    ready_at = min(quiet_until, latest)
                    if now >= ready_at:
                        batch = self._take_batch_locked()
                        if batch:
                            return batch
                        continue
                    wake = min(wake, ready_at)
                elif self.degraded and now - self._last_rescan >= self.rescan_seconds:
                    self._last_rescan = now
                    away = self.away()
                    if not away:
                        return FULL_RESCAN
                    # a full rescan would drop what is below a folder that is away
                    present = frozenset(r for r in self._roots if r not in away)
                    if present:
                        return present
                    continue
                elif self.degraded:
                    wake = min(wake, self._last_rescan + self.rescan_seconds)
                if deadline is not None:
                    if now >= deadline:
                        return None
                    wake = min(wake, deadline)
                self._cond.wait(max(0.01, wake - now))

    def _take_batch_locked(self) -> frozenset[str]:
        """The pending paths, less those below a folder that is away (checked first, so a
        rename just before the batch is seen)."""
        batch = frozenset(self._pending)
        self._pending.clear()
        self._cond.release()
        try:
            self._check_roots()
        finally:
            self._cond.acquire()
        batch |= self._pending  # a folder that came back meanwhile
        self._pending.clear()
        away = self.away()
        return frozenset(p for p in batch if not under_any(p, away))
