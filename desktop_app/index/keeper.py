"""Keeps a library's vector graph in step with its SQLite store: opens the saved graph (now,
or on a thread while the library is already in use), catches it up with what SQLite holds
(never re-embedding), and saves it when enough changed to be worth rewriting the file.

A graph that cannot be saved (a full disk) is simply kept in memory: saving is an
optimisation of the next open, never a condition of searching."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from desktop_app.index.ann import VectorIndex
from desktop_app.index.codec import VectorCodec
from desktop_app.index.faults import is_disk_full
from desktop_app.index.store import Store

log = logging.getLogger(__name__)


class GraphKeeper:
    def __init__(self, path: Path, store: Callable[[], Store], may_write: Callable[[], bool],
                 notes: list[str]) -> None:
        """``store``: the calling thread's connection; ``may_write``: whether this process
        may write the data folder (takes its lock if free); ``notes`` get what went wrong."""
        self.path = path
        self._store = store
        self._may_write = may_write
        self._notes = notes
        self.graph = VectorIndex(1)
        self._ready = threading.Event()
        self._cancel = threading.Event()
        self._progress: tuple[int, int] = (0, 0)
        self._thread: threading.Thread | None = None
        self.whole = False  # in step with SQLite: only then may it be saved

    def open(self, codec: VectorCodec, *, background: bool = False) -> None:
        """Open the graph for vectors stored with ``codec``; ``background``: return at once,
        with an empty graph until the saved one is loaded, while it catches up."""
        self.codec = codec
        self._ready.clear()
        self._cancel.clear()
        self.whole = False
        self._progress = (0, 0)
        self.graph = VectorIndex(codec.dims)
        if not background:
            self._open(read_ahead=False)
            self._ready.set()
            return
        self._thread = threading.Thread(target=self._open_in_background, name="graph-open",
                                        daemon=True)
        self._thread.start()

    def stamp(self) -> str:
        """Which database state a saved graph reflects: this library (a swap brings another
        database) at this generation."""
        store = self._store()
        return f"{store.library_uuid()}:{store.generation()}"

    def _open(self, *, read_ahead: bool = True) -> None:
        graph, stamp = VectorIndex.load(self.path, self.codec.dims, read_ahead=read_ahead)
        self.graph = graph  # searches use it from here on, while it catches up
        if stamp is not None and stamp == self.stamp():
            self.whole = True
            return
        store = self._store()
        in_db = store.chunk_ids()
        in_graph = graph.labels()
        graph.remove(in_graph - in_db)
        missing = in_db - in_graph
        self._progress = (0, len(missing))
        for labels, rows in store.vectors(missing, self.codec.bytes_per_vector):
            if self._cancel.is_set():
                return  # closing: the next open catches up from where the file is
            graph.add(labels, self.codec.decode(rows), threads=0)
            self._progress = (self._progress[0] + len(labels), len(missing))
        if missing or in_graph - in_db:
            log.info("reconciled vector graph: +%d -%d", len(missing), len(in_graph - in_db))
        self.whole = True
        if graph.save_due() and self._may_write():
            try:
                graph.save(self.path, self.stamp())
            except OSError as exc:
                if not is_disk_full(exc):
                    raise
                # Searching needs no saved graph: this one serves from memory, and a later
                # save (or the next open) writes it once there is room.
                log.warning("vector graph kept in memory: the disk holding %s is full",
                            self.path.parent)

    def _open_in_background(self) -> None:
        try:
            self._open()
        except Exception:  # searches go on by keyword; status says the graph is missing
            log.exception("could not open the vector graph")
            self._notes.append("the vector index could not be opened; searching by keyword")
        finally:
            self._ready.set()

    def loading(self) -> tuple[int, int] | None:
        """None once the graph is ready; else (vectors inserted, to insert) while it catches
        up with SQLite, (0, 0) while the saved file loads."""
        return None if self._ready.is_set() else self._progress

    def wait(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def stop(self) -> None:
        """Give up catching up (closing): nothing half-built is saved, and the next open
        goes on from the file on disk."""
        self._cancel.set()

    def join(self) -> None:
        self.stop()
        if self._thread is not None:
            self._thread.join()

    def size(self) -> int:
        """Vectors in the graph, for a status."""
        return len(self.graph)

    def save_wanted(self) -> bool:
        """Whether the graph holds changes worth writing before the library closes."""
        return bool(self.graph.unsaved) and self.whole

    def save(self, *, if_due: bool = False) -> None:
        """Write the graph and its stamp; ``if_due``: only if enough changed to be worth it
        (``VectorIndex.save_due``): otherwise a crash costs a short catch-up on open."""
        if not self.whole or (if_due and not self.graph.save_due()):
            return
        self.graph.save(self.path, self.stamp())
