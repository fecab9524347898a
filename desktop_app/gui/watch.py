"""The window's file watcher: the core's ``FolderWatcher`` on a plain thread, its debounced
batches handed to the UI thread as a queued signal (the watcher never touches widgets)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.watching import FULL_RESCAN, FolderWatcher

log = logging.getLogger(__name__)


class FolderWatch(QObject):
    changed = Signal(object)  # frozenset of changed paths, or None: rescan everything
    degraded = Signal(str)  # why some changes are only found by periodic rescans

    def __init__(self, roots: list[str], parent: Any = None, *,
                 quiet_seconds: float = 0.5) -> None:
        super().__init__(parent)
        # a folder that goes away or comes back is said where degraded watching is
        self._watcher = FolderWatcher(roots, quiet_seconds=quiet_seconds,
                                      on_notice=self.degraded.emit)
        self._thread = threading.Thread(target=self._run, name="folder-watch", daemon=True)
        self._stop = threading.Event()

    def start(self) -> None:
        try:
            self._watcher.start()
        except OSError as exc:  # no watching at all: say so, the rescans still work
            self.degraded.emit(f"folders are not watched ({exc}); use Rescan")
            return
        if self._watcher.degraded:
            self.degraded.emit(self._watcher.degraded)
        self._thread.start()

    def set_roots(self, roots: list[str]) -> None:
        self._watcher.set_roots(roots)
        if self._watcher.degraded:
            self.degraded.emit(self._watcher.degraded)

    def stop(self) -> None:
        self._stop.set()
        self._watcher.stop()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                batch = self._watcher.wait(timeout=0.5)
            except Exception:  # the watcher must never take the app down
                log.exception("file watching failed")
                return
            if batch is not None and not self._stop.is_set():
                self.changed.emit(None if batch == FULL_RESCAN else batch)
