"""The library's database connections: one per thread, opened on first use, all closed at
once (on close, or before a model switch replaces the database file).

Every SQLite connection belongs to one thread; a search thread reads while the indexing
thread writes (WAL). Opening translates the storage faults a person can act on (a full
disk, a damaged file) into the library's errors, which say what to do.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

from desktop_app.failures import (
    DamagedLibraryError,
    DiskFullError,
    LibraryError,
    damaged_message,
    disk_full_message,
)
from desktop_app.index import Store, StoreError
from desktop_app.index.faults import is_damage, is_disk_full


class Connections:
    def __init__(self, data_dir: Path, db_path: Path, note: Callable[[str], None]) -> None:
        self.data_dir = data_dir
        self.db_path = db_path
        self._note = note  # what a person should know (the disk is full: read-only)
        self._local = threading.local()
        self._stores: list[Store] = []
        self._lock = threading.Lock()

    def store(self) -> Store:
        """This thread's connection to the database."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._open()
            self._local.store = store
            with self._lock:
                self._stores.append(store)
        return store

    def _open(self) -> Store:
        """A new connection (for the calling thread)."""
        try:
            store = Store(self.db_path)
        except StoreError as exc:
            if is_disk_full(exc):
                raise DiskFullError(disk_full_message(self.data_dir)) from exc
            if is_damage(exc):
                raise DamagedLibraryError(
                    damaged_message(self.data_dir, self.db_path, str(exc))) from exc
            raise LibraryError(str(exc)) from exc
        if store.frozen:
            self._note(disk_full_message(self.data_dir))
        return store

    def close_all(self) -> None:
        """Close every thread's connection; each thread opens a new one on next use."""
        with self._lock:
            for store in self._stores:
                with contextlib.suppress(Exception):
                    store.close()
            self._stores.clear()
        self._local = threading.local()
